// readers.conf against the descriptor dump corpus (tests/data/readers): the [corpus]
// section lists exactly the devices that have a CCID or ICCD interface, under a name the
// device reports, and each reader's quirk flags are exactly the anomalies its dumps
// record, for the firmware releases (bcdDevice) that record them. The rules that derive
// a flag from a dump are written here independently of the script that wrote the data.
#include <doctest/doctest.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/reader_database.hpp"
#include "tools/reader_dump.hpp"

using namespace tessera::config;
using tessera::corpus::ReaderDump;

namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

std::uint32_t key_of(std::uint16_t vendor, std::uint16_t product) {
    return (std::uint32_t{vendor} << 16) | product;
}

struct DumpedDevice {
    std::string file;
    ReaderDump dump;
    QuirkSet anomalies;
};

bool starts_with(const std::string& text, const char* prefix) {
    return text.rfind(prefix, 0) == 0;
}

/// The flags a dump's records justify (see config/quirk.hpp for their meaning).
QuirkSet anomalies_of(const ReaderDump& dump) {
    QuirkSet set;
    for (const auto& interface : dump.interfaces) {
        if (!interface.ccid) {
            continue;
        }
        const auto& ccid = *interface.ccid;
        const auto* clocks_field = ccid.field("bNumClockSupported");
        const auto* rates_field = ccid.field("bNumDataRatesSupported");
        REQUIRE(clocks_field != nullptr);
        REQUIRE(rates_field != nullptr);
        const std::uint32_t declared_clocks = clocks_field->value;
        const std::uint32_t declared_rates = rates_field->value;
        if (interface.bInterfaceClass == 0xFF) {
            set.add(Quirk::vendor_interface_class);
        }
        if (const auto* type = ccid.field("bDescriptorType"); type && type->value == 0xFF) {
            set.add(Quirk::proprietary_descriptor_type);
        }
        std::vector<std::string> notes = ccid.clocks_khz.notes;
        notes.insert(notes.end(), ccid.data_rates_bps.notes.begin(),
                     ccid.data_rates_bps.notes.end());
        // Answers of the wrong size ("Got N clock frequencies but was expecting M",
        // "wrong size for ...") need no flag: every reader's answer is read that way.
        for (const std::string& note : notes) {
            if (starts_with(note, "IFD does not support GET CLOCK FREQUENCIES") &&
                declared_clocks != 0) {
                set.add(Quirk::clock_request_refused);
            }
            if (starts_with(note, "IFD does not support GET_DATA_RATES") && declared_rates != 0) {
                set.add(Quirk::data_rate_request_refused);
            }
        }
    }
    return set;
}

bool has_ccid_interface(const ReaderDump& dump) {
    for (const auto& interface : dump.interfaces) {
        if (interface.ccid) {
            return true;
        }
    }
    return false;
}

std::string collapse_spaces(const std::string& text) {
    std::string out;
    std::istringstream words(text);
    for (std::string word; words >> word;) {
        out += (out.empty() ? "" : " ") + word;
    }
    return out;
}

std::string lowercase(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

/// The names a device may be listed under: its manufacturer and product strings, spaces
/// collapsed, '&' written "and", the manufacturer left out when the product repeats it.
std::set<std::string> acceptable_names(const ReaderDump& dump) {
    auto clean = [](const std::optional<std::string>& text) {
        std::string out = collapse_spaces(text.value_or(""));
        for (std::size_t at = out.find('&'); at != std::string::npos; at = out.find('&', at)) {
            out.replace(at, 1, "and");
        }
        return out;
    };
    const std::string manufacturer = clean(dump.manufacturer);
    const std::string product = clean(dump.product);
    std::set<std::string> names;
    if (!manufacturer.empty() && !product.empty()) {
        names.insert(lowercase(product).rfind(lowercase(manufacturer), 0) == 0
                         ? product
                         : manufacturer + " " + product);
    } else if (!manufacturer.empty() || !product.empty()) {
        names.insert(manufacturer + product);
    }
    if (names.empty()) {
        char fallback[32];
        std::snprintf(fallback, sizeof fallback, "USB reader %04X:%04X", dump.vendor_id,
                      dump.product_id);
        names.insert(fallback);
    }
    return names;
}

struct Fixture {
    ReaderDatabase database;
    std::map<std::uint32_t, std::vector<DumpedDevice>> devices;  // by VID/PID
    std::size_t dump_files = 0;

    Fixture() {
        const char* corpus = std::getenv("TESSERA_READER_CORPUS");
        const char* database_path = std::getenv("TESSERA_READER_DATABASE");
        REQUIRE(corpus != nullptr);
        REQUIRE(database_path != nullptr);
        auto parsed = ReaderDatabase::parse(read_file(database_path));
        REQUIRE(parsed.has_value());
        database = std::move(*parsed);
        for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
            if (entry.path().extension() != ".txt") {
                continue;
            }
            ++dump_files;
            auto dumps = tessera::corpus::parse_reader_dumps(read_file(entry.path()));
            REQUIRE_MESSAGE(dumps.has_value(), entry.path().filename().string());
            for (ReaderDump& dump : *dumps) {
                if (has_ccid_interface(dump)) {
                    const QuirkSet anomalies = anomalies_of(dump);
                    devices[key_of(dump.vendor_id, dump.product_id)].push_back(
                        DumpedDevice{entry.path().filename().string(), std::move(dump), anomalies});
                }
            }
        }
    }
};

const Fixture& fixture() {
    static const Fixture loaded;  // read-only after construction; one corpus pass per run
    return loaded;
}

}  // namespace

TEST_CASE("the corpus section lists exactly the corpus readers with a CCID or ICCD interface") {
    const Fixture& f = fixture();
    REQUIRE(f.dump_files > 500);
    std::set<std::uint32_t> listed;
    for (const ReaderEntry& entry : f.database.entries()) {
        if (entry.section == "corpus") {
            listed.insert(key_of(entry.vendor_id, entry.product_id));
            CHECK_MESSAGE(f.devices.count(key_of(entry.vendor_id, entry.product_id)) == 1,
                          "readers.conf line " << entry.line << " has no dump");
        }
    }
    for (const auto& item : f.devices) {  // clang 14: no structured binding in CHECK's lambda
        const std::uint32_t key = item.first;
        const std::string& file = item.second.front().file;
        CHECK_MESSAGE(listed.count(key) == 1, file << " is not in [corpus]");
    }
    CHECK(listed.size() == f.devices.size());
}

TEST_CASE("each corpus reader is named as one of its dumps names it") {
    const Fixture& f = fixture();
    for (const ReaderEntry& entry : f.database.entries()) {
        if (entry.section != "corpus") {
            continue;
        }
        const auto found = f.devices.find(key_of(entry.vendor_id, entry.product_id));
        REQUIRE(found != f.devices.end());
        bool matches = false;
        for (const DumpedDevice& device : found->second) {
            matches = matches || acceptable_names(device.dump).count(entry.name) == 1;
        }
        CHECK_MESSAGE(matches, "readers.conf line " << entry.line << ": '" << entry.name
                                                    << "' is not what "
                                                    << found->second.front().file << " reports");
    }
}

TEST_CASE("quirk flags are exactly the anomalies each release's dumps record") {
    const Fixture& f = fixture();
    std::size_t flagged_devices = 0;
    for (const auto& item : f.devices) {
        const std::uint32_t key = item.first;
        const std::vector<DumpedDevice>& devices = item.second;
        const ReaderEntry* entry = f.database.find(static_cast<std::uint16_t>(key >> 16),
                                                   static_cast<std::uint16_t>(key & 0xFFFF));
        REQUIRE(entry != nullptr);
        std::map<std::uint16_t, QuirkSet> by_release;
        for (const DumpedDevice& device : devices) {
            by_release[device.dump.bcdDevice].add(device.anomalies);
        }
        for (const auto& release : by_release) {
            const std::uint16_t bcdDevice = release.first;
            const QuirkSet anomalies = release.second;
            CHECK_MESSAGE(entry->quirks_for(bcdDevice) == anomalies,
                          "readers.conf line " << entry->line << " (" << devices.front().file
                                               << ", bcdDevice " << bcdDevice << ")");
            flagged_devices += anomalies.empty() ? 0 : 1;
        }
    }
    // The corpus does record anomalies (27 flagged models): the rules must see them.
    CHECK(flagged_devices > 20);
}

TEST_CASE("each corpus quirk's reason names a dump of that reader") {
    const Fixture& f = fixture();
    for (const ReaderEntry& entry : f.database.entries()) {
        if (entry.section != "corpus") {
            continue;
        }
        const auto& devices = f.devices.at(key_of(entry.vendor_id, entry.product_id));
        for (const QuirkRule& rule : entry.quirks) {
            bool named = false;
            for (const DumpedDevice& device : devices) {
                named = named || (rule.reason.find("(" + device.file + ")") != std::string::npos &&
                                  anomalies_of(device.dump).has(rule.quirk));
            }
            CHECK_MESSAGE(named, "readers.conf line " << rule.line);
        }
    }
}

TEST_CASE("sections: the corpus, the emulated reader, and libccid's list for models without a dump") {
    const Fixture& f = fixture();
    const ReaderEntry* emulated = f.database.find(0x1209, 0x0001);
    REQUIRE(emulated != nullptr);
    CHECK(emulated->section == "emulated");
    CHECK(emulated->name == "tessera emulated reader");
    CHECK(emulated->quirks.empty());
    CHECK(f.devices.count(key_of(0x1209, 0x0001)) == 0);
    std::size_t in_emulated = 0;
    for (const ReaderEntry& entry : f.database.entries()) {
        in_emulated += entry.section == "emulated" ? 1 : 0;
        const bool from_libccid_list =
            entry.section == "libccid-supported" || entry.section == "libccid-shouldwork";
        CHECK((entry.section == "corpus" || entry.section == "emulated" || from_libccid_list));
        if (from_libccid_list) {  // models without a dump: no flag can have evidence here
            CHECK(entry.quirks.empty());
            CHECK(f.devices.count(key_of(entry.vendor_id, entry.product_id)) == 0);
        }
    }
    CHECK(in_emulated == 1);
}
