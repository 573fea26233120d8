// The reader database: every reader model the driver knows, with its quirk flags.
//
// The data is readers.conf (its format is described at the top of that file): one
// "reader VVVV:PPPP Name" line per model, followed by indented "quirk flag: reason"
// lines, grouped in [sections]. The same file generates the bundle's Info.plist at build
// time (gen_info_plist.cpp) and is compiled into the library (builtin_database.hpp), so the
// driver can look quirks up at open without reading any file.
//
// Parsing is strict: every malformed line, duplicate reader, unknown flag, missing reason
// or bad bcdDevice range is an error that names its line. Pure code, no state; any text
// is accepted without crash, at a cost linear in its size. A parsed database is
// immutable and may be shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "config/quirk.hpp"
#include "base/error.hpp"
#include "base/result.hpp"

namespace tessera::config {

enum class DatabaseError {
    ok_is_never_used = 0,
    malformed_line = 1,    // neither blank, comment, [section], reader nor quirk line
    bad_section_name,      // a [section] whose name is empty or has other than [a-z0-9_-]
    bad_usb_id,            // VID:PID not written as two groups of exactly 4 hex digits
    bad_reader_name,       // empty, too long, or a character pcscd would not accept
    duplicate_reader,      // the VID/PID pair is already listed (on an earlier line)
    quirk_without_reader,  // a quirk line before the first reader line
    unknown_quirk,         // a flag name that Quirk does not have
    missing_reason,        // a quirk line without ": reason"
    bad_bcd_range,         // bcdDevice not "XXXX" or "XXXX-YYYY" (4 hex digits, X <= Y)
    duplicate_quirk,       // the same flag twice on one reader with overlapping ranges
};

const char* describe(DatabaseError error);

/// One problem found while parsing: its 1-based line, its kind, and a message that says
/// what is wrong in words (e.g. "unknown quirk flag 'foo'").
struct DatabaseIssue {
    std::size_t line = 0;
    DatabaseError error = DatabaseError::malformed_line;
    std::string message;
};

/// Every problem of a text, in line order (at most kMaxIssues; the parse goes on after
/// the first so that one run shows them all). The returned error is the first one's.
struct DatabaseDiagnostics {
    static constexpr std::size_t kMaxIssues = 100;
    std::vector<DatabaseIssue> issues;
};

/// bcdDevice values a quirk applies to, both ends included.
struct BcdDeviceRange {
    std::uint16_t first = 0x0000;
    std::uint16_t last = 0xFFFF;
    bool contains(std::uint16_t bcdDevice) const { return bcdDevice >= first && bcdDevice <= last; }
    bool overlaps(const BcdDeviceRange& other) const {
        return first <= other.last && other.first <= last;
    }
    bool operator==(const BcdDeviceRange&) const = default;
};

/// One "quirk" line: the flag, the firmware it applies to (every release when nullopt),
/// and why it was set.
struct QuirkRule {
    Quirk quirk = Quirk::vendor_interface_class;
    std::optional<BcdDeviceRange> bcd_device;
    std::string reason;
    std::size_t line = 0;
};

/// One reader model.
struct ReaderEntry {
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    std::string name;
    std::string section;  // the [section] it is listed in; empty before the first one
    std::size_t line = 0;
    std::vector<QuirkRule> quirks;

    /// The flags that apply to a device of this model with that bcdDevice.
    QuirkSet quirks_for(std::uint16_t bcdDevice) const;
    /// Every flag listed, whatever its range.
    QuirkSet all_quirks() const;
};

class ReaderDatabase {
  public:
    ReaderDatabase() = default;

    /// Parses readers.conf text. Lines may end in LF or CRLF.
    static Result<ReaderDatabase> parse(std::string_view text, DatabaseDiagnostics& diagnostics);
    static Result<ReaderDatabase> parse(std::string_view text);

    /// Every reader, in file order.
    const std::vector<ReaderEntry>& entries() const { return entries_; }

    /// The reader with that VID/PID, or nullptr.
    const ReaderEntry* find(std::uint16_t vendor_id, std::uint16_t product_id) const;

    /// The flags for a device being opened; empty for a reader the database does not list
    /// (a class-compliant reader added to the bundle needs none).
    QuirkSet quirks(std::uint16_t vendor_id, std::uint16_t product_id,
                    std::uint16_t bcdDevice) const;

  private:
    std::vector<ReaderEntry> entries_;
    std::map<std::uint32_t, std::size_t> index_;  // (VID << 16 | PID) -> entries_ index
};

}  // namespace tessera::config

TESSERA_ERROR_ENUM(tessera::config, DatabaseError, "reader database");
