// libFuzzer target for the reader database parser (config/reader_database.hpp): any text
// gives a database or a list of issues, never a crash, with these invariants.
//  - an error: 1 to kMaxIssues issues, in line order, each with a line and a message;
//    the returned error is the first issue's;
//  - a database: no issues; every entry has a VID/PID no other entry has, a name pcscd
//    can read (reader_name.hpp), and is what find() returns for its IDs; quirks() for
//    any bcdDevice is exactly the flags whose rule covers that bcdDevice (quirks_for()),
//    a subset of all_quirks(); an unlisted VID/PID has no quirks.
// Seeds (tests/fuzz/corpus/reader_database): excerpts of config/readers.conf and texts
// with each kind of error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>
#include <vector>

#include "config/quirk.hpp"
#include "config/reader_database.hpp"
#include "config/reader_name.hpp"

using namespace tessera::config;

namespace {

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

/// The flags whose rule covers `bcd`, computed from the rules themselves.
QuirkSet expected_quirks(const ReaderEntry& entry, std::uint16_t bcd) {
    QuirkSet set;
    for (const QuirkRule& rule : entry.quirks) {
        if (!rule.bcd_device || rule.bcd_device->contains(bcd)) {
            set.add(rule.quirk);
        }
    }
    return set;
}

/// bcdDevice values worth asking about: the ends of every range, their neighbours, and
/// the extremes.
std::vector<std::uint16_t> probe_points(const ReaderEntry& entry) {
    std::set<std::uint16_t> points = {0x0000, 0xFFFF};
    for (const QuirkRule& rule : entry.quirks) {
        if (!rule.bcd_device) {
            continue;
        }
        for (const std::uint16_t end : {rule.bcd_device->first, rule.bcd_device->last}) {
            points.insert(end);
            points.insert(static_cast<std::uint16_t>(end - 1));
            points.insert(static_cast<std::uint16_t>(end + 1));
        }
    }
    return {points.begin(), points.end()};
}

void check_entry(const ReaderDatabase& database, const ReaderEntry& entry) {
    require(database.find(entry.vendor_id, entry.product_id) == &entry);
    require(check_reader_name(entry.name) == ReaderNameProblem::none);
    require(entry.line >= 1);
    const QuirkSet all = entry.all_quirks();
    for (const QuirkRule& rule : entry.quirks) {
        require(rule.line > entry.line && !rule.reason.empty());
        require(all.has(rule.quirk));
        require(!rule.bcd_device || rule.bcd_device->first <= rule.bcd_device->last);
    }
    for (const std::uint16_t bcd : probe_points(entry)) {
        const QuirkSet quirks = database.quirks(entry.vendor_id, entry.product_id, bcd);
        require(quirks == entry.quirks_for(bcd));
        require(quirks == expected_quirks(entry, bcd));
        require((quirks.bits() & ~all.bits()) == 0);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    DatabaseDiagnostics diagnostics;
    const auto database = ReaderDatabase::parse(text, diagnostics);
    if (!database) {
        require(!diagnostics.issues.empty() &&
                diagnostics.issues.size() <= DatabaseDiagnostics::kMaxIssues);
        require(database.error() == diagnostics.issues.front().error);
        std::size_t previous_line = 0;
        for (const DatabaseIssue& issue : diagnostics.issues) {
            require(issue.line >= 1 && issue.line >= previous_line && !issue.message.empty());
            previous_line = issue.line;
        }
        return 0;
    }
    require(diagnostics.issues.empty());
    std::set<std::uint32_t> ids;
    for (const ReaderEntry& entry : database->entries()) {
        require(ids.insert(std::uint32_t{entry.vendor_id} << 16 | entry.product_id).second);
        check_entry(*database, entry);
    }
    // An ID the database does not list has no quirks (a class-compliant reader).
    for (std::uint32_t candidate = 0; candidate < 4; ++candidate) {
        const std::uint32_t id = 0xFFFF0000u | candidate;
        if (ids.count(id) == 0) {
            require(database->find(0xFFFF, static_cast<std::uint16_t>(candidate)) == nullptr);
            require(database->quirks(0xFFFF, static_cast<std::uint16_t>(candidate), 0).empty());
        }
    }
    return 0;
}
