// Every real reader dump in $TESSERA_READER_CORPUS (tests/data/readers): the dump parser
// rebuilds the 54 descriptor bytes, the descriptor parser reads them back, and every field
// must equal its printed value; the decoded views must agree with the lines the dump
// tool printed under each field. The corpus statistics are pinned, so that a change in
// either parser that loses or misreads a reader fails here.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "feature_bits.hpp"
#include "transport/class_descriptor.hpp"
#include "tools/reader_dump.hpp"

using namespace tessera::transport;
using namespace tessera::corpus;

namespace {

// Dumps that cannot be parsed, each with the reason. Empty: every file parses. A file
// listed here that parses, or one not listed that fails, fails the test.
const std::map<std::string, std::string> kUnparsable = {};

// The CCID 5.1 field a printed name stands for: written again here, on purpose, so that
// a slip in either parser's table shows as a mismatch.
std::uint32_t field_value(const ClassDescriptor& d, std::string_view name) {
    static const std::map<std::string_view, std::function<std::uint32_t(const ClassDescriptor&)>>
        fields = {
            {"bLength", [](const ClassDescriptor& x) { return x.bLength; }},
            {"bDescriptorType", [](const ClassDescriptor& x) { return x.bDescriptorType; }},
            {"bcdCCID", [](const ClassDescriptor& x) { return x.bcdCCID; }},
            {"bMaxSlotIndex", [](const ClassDescriptor& x) { return x.bMaxSlotIndex; }},
            {"bVoltageSupport", [](const ClassDescriptor& x) { return x.bVoltageSupport; }},
            {"dwProtocols", [](const ClassDescriptor& x) { return x.dwProtocols; }},
            {"dwDefaultClock", [](const ClassDescriptor& x) { return x.dwDefaultClock; }},
            {"dwMaximumClock", [](const ClassDescriptor& x) { return x.dwMaximumClock; }},
            {"bNumClockSupported", [](const ClassDescriptor& x) { return x.bNumClockSupported; }},
            {"dwDataRate", [](const ClassDescriptor& x) { return x.dwDataRate; }},
            {"dwMaxDataRate", [](const ClassDescriptor& x) { return x.dwMaxDataRate; }},
            {"bNumDataRatesSupported",
             [](const ClassDescriptor& x) { return x.bNumDataRatesSupported; }},
            {"dwMaxIFSD", [](const ClassDescriptor& x) { return x.dwMaxIFSD; }},
            {"dwSynchProtocols", [](const ClassDescriptor& x) { return x.dwSynchProtocols; }},
            {"dwMechanical", [](const ClassDescriptor& x) { return x.dwMechanical; }},
            {"dwFeatures", [](const ClassDescriptor& x) { return x.dwFeatures; }},
            {"dwMaxCCIDMessageLength",
             [](const ClassDescriptor& x) { return x.dwMaxCCIDMessageLength; }},
            {"bClassGetResponse", [](const ClassDescriptor& x) { return x.bClassGetResponse; }},
            {"bClassEnvelope", [](const ClassDescriptor& x) { return x.bClassEnvelope; }},
            {"wLcdLayout", [](const ClassDescriptor& x) { return x.wLcdLayout; }},
            {"bPINSupport", [](const ClassDescriptor& x) { return x.bPINSupport; }},
            {"bMaxCCIDBusySlots", [](const ClassDescriptor& x) { return x.bMaxCCIDBusySlots; }},
        };
    const auto found = fields.find(name);
    REQUIRE_MESSAGE(found != fields.end(), "unknown printed field " << name);
    return found->second(d);
}

bool has_comment(const PrintedField& field, std::string_view text) {
    return std::find(field.comments.begin(), field.comments.end(), text) != field.comments.end();
}

bool hex_digit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/// "....02 text", "..04.. text", "01.... text": the dwFeatures bits printed on the line,
/// or -1 when the line has no such code (an older format of the dump tool).
long long printed_feature_bits(std::string_view comment) {
    if (comment.size() < 7 || comment[6] != ' ') {
        return -1;
    }
    for (std::size_t byte = 0; byte < 3; ++byte) {
        const std::size_t at = 4 - 2 * byte;  // "AABBCC": CC is byte 0, AA byte 2
        const std::string_view rest = comment.substr(0, 6);
        bool others_dots = true;
        for (std::size_t i = 0; i < 6; ++i) {
            if (i != at && i != at + 1) {
                others_dots = others_dots && rest[i] == '.';
            }
        }
        if (others_dots && hex_digit(rest[at]) && hex_digit(rest[at + 1])) {
            const long long value = std::stoll(std::string(rest.substr(at, 2)), nullptr, 16);
            return value << (8 * byte);
        }
    }
    return -1;
}

struct Counts {
    std::size_t files = 0;
    std::size_t crlf_files = 0;
    std::size_t devices = 0;
    std::size_t multi_device_files = 0;
    std::size_t multi_interface_devices = 0;
    std::size_t interfaces = 0;
    std::size_t descriptors = 0;
    std::size_t without_descriptor = 0;
    std::size_t unparsable_files = 0;
    std::map<ExchangeLevel, std::size_t> levels;
    std::size_t multi_slot_files = 0;
    std::size_t multi_slot_interfaces = 0;
    std::size_t iccd_interfaces = 0;
    std::size_t vendor_class_interfaces = 0;
    std::size_t proprietary_type = 0;
    std::size_t old_feature_format = 0;
    std::size_t clock_lists = 0;
    std::size_t data_rate_lists = 0;
    std::size_t list_anomalies = 0;  // "Got N ... but was expecting M", "wrong size ..."
    std::map<Diagnostic, std::size_t> diagnostics;
    std::vector<std::string> below_certification;  // files under 3.5795 MHz or 9600 bps
};

/// The dump tool printed a line per set bit under most fields, but not in every version:
/// a field with no comment line at all is not compared.
void check_flag(const PrintedField& field, std::string_view text, bool decoded) {
    if (!field.comments.empty()) {
        CHECK_MESSAGE(has_comment(field, text) == decoded, text);
    }
}

void check_comments(const DumpedClassDescriptor& dumped, const ClassDescriptor& d, Counts& counts) {
    const ReaderCapabilities caps = make_capabilities(d);
    for (const PrintedField& field : dumped.fields) {
        CAPTURE(field.name);
        CAPTURE(field.line);
        if (field.name == "bVoltageSupport") {
            check_flag(field, "5.0V", caps.voltages.v5_0);
            check_flag(field, "3.0V", caps.voltages.v3_0);
            check_flag(field, "1.8V", caps.voltages.v1_8);
        } else if (field.name == "dwProtocols") {
            check_flag(field, "T=0", caps.protocols.t0);
            check_flag(field, "T=1", caps.protocols.t1);
        } else if (field.name == "bPINSupport") {
            check_flag(field, "PIN Verification supported", caps.pin_support.verification);
            check_flag(field, "PIN Modification supported", caps.pin_support.modification);
        } else if (field.name == "dwSynchProtocols") {
            check_flag(field, "2-wire protocol", caps.synch_protocols.two_wire);
            check_flag(field, "3-wire protocol", caps.synch_protocols.three_wire);
            check_flag(field, "I2C protocol", caps.synch_protocols.i2c);
        } else if (field.name == "dwMechanical") {
            check_flag(field, "No special characteristics", caps.mechanical == MechanicalSupport{});
            check_flag(field, "Card accept mechanism", caps.mechanical.card_accept);
        } else if (field.name == "bClassGetResponse" || field.name == "bClassEnvelope") {
            check_flag(field, "echoes the APDU class", field.value == 0xFF);
        } else if (field.name == "bDescriptorType") {
            check_flag(field, "PROPRIETARY bDescriptorType", field.value == 0xFF);
        } else if (field.name == "wLcdLayout" && !field.comments.empty()) {
            REQUIRE(field.comments.size() == 2);
            CHECK(field.comments[0] == std::to_string(caps.lcd_layout.lines) + " lines");
            CHECK(field.comments[1] ==
                  std::to_string(caps.lcd_layout.characters_per_line) + " characters per line");
        } else if (field.name == "dwFeatures") {
            std::uint32_t printed = 0;
            bool old_format = false;
            std::optional<ExchangeLevel> printed_level;
            for (const std::string& comment : field.comments) {
                const long long bits = printed_feature_bits(comment);
                if (bits < 0) {
                    old_format = true;
                    if (comment == "TPDU level exchange") {
                        printed_level = ExchangeLevel::tpdu;
                    }
                    continue;
                }
                if ((bits & 0x00FF0000) != 0 || comment.substr(0, 2) == "00") {
                    switch (bits >> 16) {
                        case 0x00:
                            printed_level = ExchangeLevel::character;
                            break;
                        case 0x01:
                            printed_level = ExchangeLevel::tpdu;
                            break;
                        case 0x02:
                            printed_level = ExchangeLevel::short_apdu;
                            break;
                        case 0x04:
                            printed_level = ExchangeLevel::extended_apdu;
                            break;
                        default:
                            break;
                    }
                }
                printed |= static_cast<std::uint32_t>(bits);
            }
            REQUIRE(printed_level.has_value());
            CHECK(*printed_level == caps.exchange_level);
            if (old_format) {
                ++counts.old_feature_format;
            } else {
                // Every bit CCID 1.1 defines is printed, and no other one.
                CHECK(printed == (d.dwFeatures & kFeatureKnownMask));
                // And each printed bit sets its named boolean (CCID 5.1), no other one.
                for (const tessera::test::FeatureBit& bit : tessera::test::kNamedFeatureBits) {
                    CAPTURE(bit.value);
                    CHECK(caps.features.*bit.member == ((printed & bit.value) != 0));
                }
            }
        }
    }
}

void check_interface(const std::string& name, const DumpedInterface& interface, Counts& counts) {
    const DumpedClassDescriptor& dumped = *interface.ccid;
    CAPTURE(name);
    CAPTURE(dumped.line);
    REQUIRE(dumped.fields.size() == 22);

    auto parsed = parse_class_descriptor(dumped.raw, {.accept_proprietary_type = true});
    REQUIRE_MESSAGE(parsed, name << ": " << parsed.error().message());
    const ClassDescriptor& d = *parsed;
    for (const PrintedField& field : dumped.fields) {
        CAPTURE(field.name);
        CHECK(field_value(d, field.name) == field.value);
    }
    const tessera::Bytes encoded = encode_class_descriptor(d);
    CHECK(std::equal(encoded.begin(), encoded.end(), dumped.raw.begin(), dumped.raw.end()));
    check_comments(dumped, d, counts);

    std::optional<RateList> clocks;
    std::optional<RateList> rates;
    if (!dumped.clocks_khz.values.empty()) {
        clocks = make_rate_list(dumped.clocks_khz.values, d.bNumClockSupported);
        ++counts.clock_lists;
    }
    if (!dumped.data_rates_bps.values.empty()) {
        rates = make_rate_list(dumped.data_rates_bps.values, d.bNumDataRatesSupported);
        ++counts.data_rate_lists;
    }
    // The dump tool printed at most bNum*Supported entries when that count is not 0.
    if (d.bNumClockSupported != 0) {
        CHECK(dumped.clocks_khz.values.size() <= d.bNumClockSupported);
    }
    if (d.bNumDataRatesSupported != 0) {
        CHECK(dumped.data_rates_bps.values.size() <= d.bNumDataRatesSupported);
    }
    for (const auto* notes : {&dumped.clocks_khz.notes, &dumped.data_rates_bps.notes}) {
        for (const std::string& note : *notes) {
            if (note.rfind("Got ", 0) == 0 || note.rfind("wrong size", 0) == 0) {
                ++counts.list_anomalies;
            }
        }
    }

    const ReaderCapabilities caps = make_capabilities(d, clocks, rates);
    CHECK(caps.slots == d.bMaxSlotIndex + 1u);
    CHECK(caps.max_busy_slots >= 1);
    CHECK(caps.max_busy_slots <= caps.slots);
    CHECK(caps.max_ifsd >= 1);
    CHECK(caps.max_ifsd <= 254);
    CHECK(caps.exchange_level == exchange_level(d.dwFeatures));
    for (std::uint32_t clock : caps.clocks_khz) {
        CHECK(clock != 0);
        // Above dwMaximumClock only as the fallback dwDefaultClock of a reader whose
        // default exceeds its maximum (CCID 5.1 names both as supported).
        CHECK((d.dwMaximumClock == 0 || clock <= std::max(d.dwMaximumClock, d.dwDefaultClock)));
    }
    for (std::uint32_t rate : caps.data_rates_bps) {
        CHECK(rate != 0);
        CHECK((d.dwMaxDataRate == 0 || rate <= d.dwMaxDataRate));
        CHECK(caps.supports_data_rate(rate));
    }

    ++counts.descriptors;
    ++counts.levels[caps.exchange_level];
    if (caps.slots > 1) {
        ++counts.multi_slot_interfaces;
    }
    if (interface.bInterfaceClass == 0x0B &&
        (interface.bInterfaceProtocol == 1 || interface.bInterfaceProtocol == 2)) {
        ++counts.iccd_interfaces;
    }
    if (interface.bInterfaceClass == 0xFF) {
        ++counts.vendor_class_interfaces;
    }
    if (d.bDescriptorType == kProprietaryDescriptorType) {
        ++counts.proprietary_type;
    }
    for (Diagnostic diagnostic : caps.diagnostics) {
        ++counts.diagnostics[diagnostic];
    }
    if ((caps.has(Diagnostic::clock_below_minimum) ||
         caps.has(Diagnostic::data_rate_below_minimum)) &&
        (counts.below_certification.empty() || counts.below_certification.back() != name)) {
        counts.below_certification.push_back(name);
    }
}

std::vector<std::filesystem::path> corpus_files() {
    const char* const variable = std::getenv("TESSERA_READER_CORPUS");
    REQUIRE_MESSAGE(variable != nullptr,
                    "TESSERA_READER_CORPUS is not set: run through meson test, or set it to "
                    "the tests/data/readers directory");
    const std::string directory = variable;
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
        if (entry.is_regular_file() && entry.path().extension() == ".txt") {
            files.push_back(entry.path());
        }
    }
    REQUIRE_MESSAGE(!error, "cannot read " << directory << ": " << error.message());
    REQUIRE_MESSAGE(!files.empty(), "no *.txt reader dump in " << directory);
    std::sort(files.begin(), files.end());
    return files;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    REQUIRE_MESSAGE(file.good(), "cannot open " << path);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("every corpus reader: printed values == parse(rebuilt bytes); pinned statistics") {
    Counts counts;
    for (const auto& path : corpus_files()) {
        const std::string name = path.filename().string();
        CAPTURE(name);
        const std::string text = read_file(path);
        ++counts.files;
        if (text.find("\r\n") != std::string::npos) {
            ++counts.crlf_files;
        }
        DumpDiagnostics where;
        auto devices = parse_reader_dumps(text, where);
        const auto expected_failure = kUnparsable.find(name);
        if (!devices) {
            ++counts.unparsable_files;
            CHECK_MESSAGE(expected_failure != kUnparsable.end(),
                          name << ": " << devices.error().message() << " at line " << where.line
                               << " (" << where.field << "): " << where.text);
            continue;
        }
        CHECK_MESSAGE(expected_failure == kUnparsable.end(),
                      name << " is listed as unparsable but parses");
        counts.devices += devices->size();
        if (devices->size() > 1) {
            ++counts.multi_device_files;
        }
        bool multi_slot = false;
        for (const ReaderDump& device : *devices) {
            if (device.interfaces.size() > 1) {
                ++counts.multi_interface_devices;
            }
            for (const DumpedInterface& interface : device.interfaces) {
                ++counts.interfaces;
                if (!interface.ccid) {
                    ++counts.without_descriptor;
                    continue;
                }
                check_interface(name, interface, counts);
                multi_slot = multi_slot || interface.ccid->raw[4] != 0;  // bMaxSlotIndex
            }
        }
        if (multi_slot) {
            ++counts.multi_slot_files;
        }
    }

    std::ostringstream report;
    report << "reader corpus: " << counts.files << " files (" << counts.crlf_files << " CRLF, "
           << counts.unparsable_files << " unparsable), " << counts.devices << " devices ("
           << counts.multi_device_files << " files with several, " << counts.multi_interface_devices
           << " with several interfaces), " << counts.interfaces << " interfaces, "
           << counts.descriptors << " class descriptors (" << counts.without_descriptor
           << " interfaces without)\n"
           << "exchange levels: " << counts.levels[ExchangeLevel::tpdu] << " TPDU, "
           << counts.levels[ExchangeLevel::short_apdu] << " short APDU, "
           << counts.levels[ExchangeLevel::extended_apdu] << " short and extended APDU, "
           << counts.levels[ExchangeLevel::character] << " character\n"
           << "multi-slot: " << counts.multi_slot_files << " files, "
           << counts.multi_slot_interfaces
           << " interfaces; ICCD interfaces: " << counts.iccd_interfaces
           << "; vendor class 0xFF: " << counts.vendor_class_interfaces
           << "; descriptor type 0xFF: " << counts.proprietary_type
           << "; old dwFeatures format: " << counts.old_feature_format << "\n"
           << "lists: " << counts.clock_lists << " clock, " << counts.data_rate_lists
           << " data rate; " << counts.list_anomalies << " anomaly notes\n"
           << "diagnostics:";
    for (const auto& [diagnostic, count] : counts.diagnostics) {
        report << "\n  " << count << " x " << describe(diagnostic);
    }
    report << "\nbelow the certification minimums (flagged, not rejected):";
    for (const std::string& name : counts.below_certification) {
        report << " " << name;
    }
    MESSAGE(report.str());

    // Pinned: what this corpus holds (README: about 210 / 155 / 215 / 3, ~36 multi-slot).
    CHECK(counts.files == 518);
    CHECK(counts.unparsable_files == kUnparsable.size());
    CHECK(counts.crlf_files == 1);
    CHECK(counts.descriptors == 583);
    CHECK(counts.without_descriptor == 0);
    CHECK(counts.levels[ExchangeLevel::tpdu] == 210);
    CHECK(counts.levels[ExchangeLevel::short_apdu] == 155);
    CHECK(counts.levels[ExchangeLevel::extended_apdu] == 215);
    CHECK(counts.levels[ExchangeLevel::character] == 3);
    CHECK(counts.devices == 520);
    CHECK(counts.multi_device_files == 1);
    CHECK(counts.multi_interface_devices == 49);
    CHECK(counts.interfaces == 583);
    CHECK(counts.multi_slot_files == 36);
    CHECK(counts.multi_slot_interfaces == 36);
    CHECK(counts.iccd_interfaces == 7);
    CHECK(counts.vendor_class_interfaces == 18);
    CHECK(counts.proprietary_type == 5);
    CHECK(counts.old_feature_format == 1);
    CHECK(counts.clock_lists == 176);
    CHECK(counts.data_rate_lists == 184);
    CHECK(counts.list_anomalies == 99);
    CHECK(counts.diagnostics[Diagnostic::clock_below_minimum] == 23);
    CHECK(counts.diagnostics[Diagnostic::data_rate_below_minimum] == 3);
    CHECK(counts.diagnostics[Diagnostic::max_ifsd_above_254] == 102);
    CHECK(counts.diagnostics[Diagnostic::unknown_feature_bits] == 1);
    CHECK(counts.diagnostics[Diagnostic::several_exchange_levels] == 0);
}
