// The readers an Info.plist lists for pcscd's hotplug, and adding one to it.
//
// pcscd binds a USB device to a bundle only if the bundle's Info.plist lists its VID/PID:
// three arrays in the root dict, ifdVendorID, ifdProductID and ifdFriendlyName, where
// index i of each describes reader i. pcscd refuses the bundle when the arrays differ in
// length, and its lexer takes a <string> only if the whole element is on one line.
//
// The editor changes the text, not a re-serialised tree: comments, order and layout of
// everything else stay as they were, and each new <string> goes on a line of its own
// with the indentation of its neighbours. Pure code, no state, no I/O (bundle.hpp writes
// the file).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "config/plist.hpp"
#include "base/error.hpp"
#include "base/result.hpp"

namespace tessera::config {

inline constexpr std::string_view kVendorIdKey = "ifdVendorID";
inline constexpr std::string_view kProductIdKey = "ifdProductID";
inline constexpr std::string_view kFriendlyNameKey = "ifdFriendlyName";

enum class BundleError {
    ok_is_never_used = 0,
    not_a_dict = 1,          // the Info.plist's root value is not a dict
    missing_reader_list,     // one of the three keys is absent
    not_a_string_array,      // one of them is not an array of strings
    lists_differ_in_length,  // the three arrays do not have the same length
    bad_listed_id,           // an ifdVendorID/ifdProductID entry is not a 16-bit hex number
    bad_reader_name,         // the new name would not survive pcscd's lexer (reader_name.hpp)
    reader_already_listed,   // the VID/PID pair is already in the lists
    string_spans_lines,      // a <string> of the lists is written across lines
};

const char* describe(BundleError error);

struct ListedReader {
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    std::string name;
    bool operator==(const ListedReader&) const = default;
};

/// What was wrong, in words (which key, which entry, which line).
struct BundleDiagnostics {
    std::string message;
};

/// The readers of a parsed Info.plist, in order. IDs are read as pcscd reads them: hex,
/// with or without "0x", here at most 4 digits.
Result<std::vector<ListedReader>> listed_readers(const PlistValue& root,
                                                 BundleDiagnostics& diagnostics);

/// The Info.plist text with the reader appended to the three arrays (IDs written as
/// 0xVVVV). Refuses a VID/PID already listed and a name pcscd would not read. The lists
/// must be valid before the edit; the result is parsed again and checked.
Result<std::string> add_reader_to_info_plist(std::string_view info_plist, std::uint16_t vendor_id,
                                             std::uint16_t product_id, std::string_view name,
                                             BundleDiagnostics& diagnostics);

}  // namespace tessera::config

TESSERA_ERROR_ENUM(tessera::config, BundleError, "bundle");
