// The generated Info.plist against libccid's reader lists: every model libccid's
// published list (tests/data/libccid/supported_readers.txt) marks "supported" or "should
// work" is listed, so pcscd binds it to tessera out of the box; and, where Debian's
// libccid is installed, every ID of its Info.plist except the models that published list
// marks unsupported or disabled (they stay out until a quirk makes them work).
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "config/info_plist_readers.hpp"
#include "config/plist.hpp"

using namespace tessera::config;

namespace {

using UsbIds = std::pair<std::uint16_t, std::uint16_t>;

std::string read_text(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    REQUIRE_MESSAGE(file.good(), path.string());
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    REQUIRE_MESSAGE(value != nullptr, name << " is not set");
    return value;
}

/// The IDs of one section of libccid's list: lines "0xVVVV:0xPPPP:name" after
/// "# section: NAME"; lines of the disabled and duplicates sections start with '#'.
std::set<UsbIds> list_section(const std::string& text, const std::string& section,
                              bool commented = false) {
    std::set<UsbIds> ids;
    std::istringstream lines(text);
    std::string current;
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("# section: ", 0) == 0) {
            current = line.substr(11);
            continue;
        }
        if (current != section) continue;
        std::string entry = line;
        if (commented) {
            if (entry.rfind("#0x", 0) != 0) continue;
            entry.erase(0, 1);
        }
        if (entry.size() < 14 || entry.rfind("0x", 0) != 0 || entry[6] != ':' || entry.substr(7, 2) != "0x") {
            continue;
        }
        ids.insert({static_cast<std::uint16_t>(std::stoul(entry.substr(2, 4), nullptr, 16)),
                    static_cast<std::uint16_t>(std::stoul(entry.substr(9, 4), nullptr, 16))});
    }
    return ids;
}

std::set<UsbIds> listed_ids(const std::string& info_plist) {
    const auto root = parse_plist(info_plist);
    REQUIRE(root.has_value());
    BundleDiagnostics diagnostics;
    const auto readers = listed_readers(*root, diagnostics);
    REQUIRE_MESSAGE(readers.has_value(), diagnostics.message);
    std::set<UsbIds> ids;
    for (const ListedReader& reader : *readers) ids.insert({reader.vendor_id, reader.product_id});
    return ids;
}

std::string hex_ids(UsbIds ids) {
    char text[16];
    std::snprintf(text, sizeof text, "%04X:%04X", ids.first, ids.second);
    return text;
}

std::string published_list() {
    return read_text(std::filesystem::path(environment("TESSERA_LIBCCID_LIST")));
}

}  // namespace

TEST_CASE("the generated Info.plist lists every model libccid's list says is supported or should work") {
    const std::string list = published_list();
    const auto supported = list_section(list, "supported");
    const auto should_work = list_section(list, "shouldwork");
    CHECK(supported.size() > 50);  // the parse above found the sections at all
    CHECK(should_work.size() > 500);
    const auto ours = listed_ids(read_text(environment("TESSERA_GENERATED_INFO_PLIST")));
    for (const auto& ids : supported) CHECK_MESSAGE(ours.count(ids) == 1, "supported " << hex_ids(ids));
    for (const auto& ids : should_work) CHECK_MESSAGE(ours.count(ids) == 1, "should work " << hex_ids(ids));
}

TEST_CASE("the generated Info.plist lists every reader of Debian's libccid bundle but the unsupported") {
    const std::filesystem::path debian = "/usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents/Info.plist";
    if (!std::filesystem::exists(debian)) {
        MESSAGE("skipped: Debian's libccid is not installed (" << debian.string() << " missing)");
        return;
    }
    const std::string list = published_list();
    std::set<UsbIds> left_out = list_section(list, "unsupported");
    left_out.merge(list_section(list, "disabled", true));
    const auto ours = listed_ids(read_text(std::filesystem::path(environment("TESSERA_GENERATED_INFO_PLIST"))));
    std::size_t compared = 0;
    for (const auto& ids : listed_ids(read_text(debian))) {
        if (left_out.count(ids) != 0) continue;
        ++compared;
        CHECK_MESSAGE(ours.count(ids) == 1, "Debian's libccid lists " << hex_ids(ids));
    }
    CHECK(compared > 500);
}
