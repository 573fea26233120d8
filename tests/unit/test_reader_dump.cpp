// The reader dump text parser (tools/reader_dump.hpp): exact values of specific real
// readers, the anomalies some dumps record, and malformed text with its line number.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "transport/class_descriptor.hpp"
#include "tools/reader_dump.hpp"

using tessera::Bytes;
using namespace tessera::transport;
using namespace tessera::corpus;

namespace {

std::string corpus_file(const std::string& name) {
    const char* const variable = std::getenv("TESSERA_READER_CORPUS");
    REQUIRE_MESSAGE(variable != nullptr,
                    "TESSERA_READER_CORPUS is not set: run through meson test, or set it to "
                    "tests/data/readers");
    const std::string directory = variable;
    std::ifstream file(directory + "/" + name, std::ios::binary);
    REQUIRE_MESSAGE(file.good(), "cannot open " << directory << "/" << name);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

ReaderDump parse_file(const std::string& name) {
    DumpDiagnostics diagnostics;
    auto dump = parse_reader_dump(corpus_file(name), diagnostics);
    REQUIRE_MESSAGE(dump, name << ": " << dump.error().message() << " at line " << diagnostics.line
                               << ": " << diagnostics.text);
    return std::move(dump).value();
}

Bytes raw_of(const DumpedInterface& interface) {
    REQUIRE(interface.ccid.has_value());
    return Bytes(interface.ccid->raw.begin(), interface.ccid->raw.end());
}

// A small dump written for these tests, in the format of the corpus.
const char* const kMinimal =
    " idVendor: 0x1234\n"
    "  iManufacturer: Maker\n"
    " idProduct: 0xABCD\n"
    "  iProduct: Pad\n"
    " bcdDevice: 1.0A (firmware release?)\n"
    " bLength: 9\n"
    " bDescriptorType: 4\n"
    " bInterfaceNumber: 2\n"
    " bAlternateSetting: 0\n"
    " bNumEndpoints: 3\n"
    "  bulk-IN, bulk-OUT and Interrupt-IN\n"
    " bInterfaceClass: 0x0B [Chip Card Interface Device Class (CCID)]\n"
    " bInterfaceSubClass: 0\n"
    " bInterfaceProtocol: 0\n"
    " iInterface: Slot\n"
    " CCID Class Descriptor\n"
    "  bLength: 0x36\n"
    "  bDescriptorType: 0x21\n"
    "  bcdCCID: 1.10\n"
    "  bMaxSlotIndex: 0x01\n"
    "  bVoltageSupport: 0x07\n"
    "  dwProtocols: 0x0000 0x0003\n"
    "  dwDefaultClock: 3.580 MHz\n"
    "  dwMaximumClock: 4294967.295 MHz\n"
    "  bNumClockSupported: 2\n"
    "   Support 3580 kHz\n"
    "   Support -1 kHz\n"
    "  dwDataRate: 9600 bps\n"
    "  dwMaxDataRate: 115200 bps\n"
    "  bNumDataRatesSupported: 0 (will use whatever is returned)\n"
    "   wrong size for GET_DATA_RATES: 1\n"
    "  dwMaxIFSD: 254\n"
    "  dwSynchProtocols: 0x00000000\n"
    "  dwMechanical: 0x00000000\n"
    "  dwFeatures: 0x000404BE\n"
    "  dwMaxCCIDMessageLength: 65546 bytes\n"
    "  bClassGetResponse: 0xFF\n"
    "  bClassEnvelope: 0x00\n"
    "  wLcdLayout: 0x0210\n"
    "    2 lines\n"
    "  bPINSupport: 0x03\n"
    "  bMaxCCIDBusySlots: 2\n";

// Replaces the first occurrence of `from` (which must be there) by `to`.
std::string edited(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    return text;
}

struct Failure {
    std::error_code error;
    DumpDiagnostics where;
};

Failure failure_of(const std::string& text) {
    Failure failure;
    auto dump = parse_reader_dumps(text, failure.where);
    REQUIRE_FALSE(dump);
    failure.error = dump.error();
    return failure;
}

}  // namespace

TEST_CASE("SCR3310.txt: identity, interface and every descriptor value") {
    const ReaderDump dump = parse_file("SCR3310.txt");
    CHECK(dump.vendor_id == 0x04E6);
    CHECK(dump.product_id == 0x5116);
    CHECK(dump.manufacturer == "SCM Microsystems Inc.");
    CHECK(dump.product == "SCR3310 USB Smart Card Reader");
    CHECK(dump.bcdDevice == 0x0523);
    REQUIRE(dump.interfaces.size() == 1);
    const DumpedInterface& i = dump.interfaces[0];
    CHECK(i.bInterfaceNumber == 0);
    CHECK(i.bInterfaceClass == 0x0B);
    CHECK(i.bNumEndpoints == 3);
    CHECK(i.interface_name == "4");
    REQUIRE(i.ccid.has_value());
    CHECK(i.ccid->line == 17);
    CHECK(i.ccid->fields.size() == 22);

    // The rebuilt bytes, written by hand from CCID 5.1 Table 5.1-1.
    CHECK(tessera::to_hex(raw_of(i)) ==
          "362110010001030000"
          "00A00F0000401F000000012A00002940050000FC000000"
          "0000000000000000BA0001000F010000FFFF00000001");

    auto d = parse_class_descriptor(raw_of(i));
    REQUIRE(d);
    CHECK(d->dwDefaultClock == 4000);
    CHECK(d->dwMaximumClock == 8000);
    CHECK(d->dwDataRate == 10753);
    CHECK(d->dwMaxDataRate == 344105);
    CHECK(d->dwMaxIFSD == 252);
    CHECK(d->dwFeatures == 0x000100BA);
    CHECK(exchange_level(d->dwFeatures) == ExchangeLevel::tpdu);
    CHECK(d->dwMaxCCIDMessageLength == 271);

    CHECK(i.ccid->clocks_khz.values.empty());
    CHECK(i.ccid->clocks_khz.notes ==
          std::vector<std::string>{
              "IFD does not support GET CLOCK FREQUENCIES request: Broken pipe"});
    CHECK(i.ccid->data_rates_bps.values.empty());
    REQUIRE(i.ccid->field("dwFeatures") != nullptr);
    CHECK(i.ccid->field("dwFeatures")->value == 0x000100BA);
    CHECK(i.ccid->field("dwFeatures")->comments.size() == 6);
    CHECK(i.ccid->field("dwFeatures")->comments.back() == "01.... TPDU level exchange");
    CHECK(i.ccid->field("dwProtocols")->comments == std::vector<std::string>{"T=0", "T=1"});
    CHECK(i.ccid->field("nothing") == nullptr);
}

TEST_CASE("CardMan3621.txt: clock and data-rate lists cut to the declared counts") {
    const ReaderDump dump = parse_file("CardMan3621.txt");
    REQUIRE(dump.interfaces.size() == 1);
    const DumpedClassDescriptor& ccid = *dump.interfaces[0].ccid;
    CHECK(ccid.clocks_khz.values == std::vector<std::uint32_t>{4000, 4800, 6000, 8000});
    CHECK(ccid.clocks_khz.notes ==
          std::vector<std::string>{"Got 256 clock frequencies but was expecting 4"});
    CHECK(ccid.data_rates_bps.values.size() == 106);
    CHECK(ccid.data_rates_bps.values.front() == 10752);
    CHECK(ccid.data_rates_bps.notes ==
          std::vector<std::string>{"Got 256 data rates but was expecting 106"});
    auto d = parse_class_descriptor(ccid.raw);
    REQUIRE(d);
    CHECK(d->bNumClockSupported == 4);
    CHECK(d->bNumDataRatesSupported == 106);
    CHECK(d->dwDefaultClock == 4800);
}

TEST_CASE("ACS_ACR1581.txt: three interfaces of one device") {
    const ReaderDump dump = parse_file("ACS_ACR1581.txt");
    CHECK(dump.vendor_id == 0x072F);
    CHECK(dump.product_id == 0x2301);
    REQUIRE(dump.interfaces.size() == 3);
    CHECK(dump.interfaces[0].interface_name == "ACR1581 1S Dual Reader PICC");
    CHECK(dump.interfaces[1].interface_name == "ACR1581 1S Dual Reader ICC");
    for (std::size_t n = 0; n < 3; ++n) {
        CHECK(dump.interfaces[n].bInterfaceNumber == n);
        auto d = parse_class_descriptor(raw_of(dump.interfaces[n]));
        REQUIRE(d);
        CHECK(d->dwMaxIFSD == 506);
        CHECK(make_capabilities(*d).max_ifsd == 254);
    }
}

TEST_CASE("Bit4id_Digital_DNA_Key_v2.txt: CRLF line ends parse as LF") {
    const std::string crlf = corpus_file("Bit4id_Digital_DNA_Key_v2.txt");
    REQUIRE(crlf.find("\r\n") != std::string::npos);
    std::string lf;
    for (char c : crlf) {
        if (c != '\r') {
            lf.push_back(c);
        }
    }
    auto a = parse_reader_dump(crlf);
    auto b = parse_reader_dump(lf);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->product == b->product);
    CHECK(a->product->back() != '\r');
    REQUIRE(a->interfaces.size() == b->interfaces.size());
    CHECK(a->interfaces[0].ccid->raw == b->interfaces[0].ccid->raw);
}

TEST_CASE("Gemalto_PDT.txt: an ICCD interface (version B, control transfers)") {
    const ReaderDump dump = parse_file("Gemalto_PDT.txt");
    REQUIRE(dump.interfaces.size() == 1);
    const DumpedInterface& i = dump.interfaces[0];
    CHECK(i.bInterfaceProtocol == 2);
    CHECK(i.bNumEndpoints == 0);
    CHECK(i.comments ==
          std::vector<std::string>{"Control only",
                                   "ICCD Version B, Control transfers, (optional interrupt-IN)"});
    auto d = parse_class_descriptor(raw_of(i));
    REQUIRE(d);
    CHECK(d->dwFeatures == 0x00020840);
    CHECK(decode_features(d->dwFeatures).iccd_token);
    CHECK(exchange_level(d->dwFeatures) == ExchangeLevel::short_apdu);
}

TEST_CASE("DellSK-3106.txt: vendor class 0xFF and proprietary descriptor type 0xFF") {
    const ReaderDump dump = parse_file("DellSK-3106.txt");
    REQUIRE(dump.interfaces.size() == 1);
    const DumpedInterface& i = dump.interfaces[0];
    CHECK(i.bInterfaceNumber == 1);
    CHECK(i.bInterfaceClass == 0xFF);
    CHECK(i.bInterfaceSubClass == 92);
    CHECK(parse_class_descriptor(raw_of(i)).error() == DescriptorError::wrong_descriptor_type);
    auto d = parse_class_descriptor(raw_of(i), {.accept_proprietary_type = true});
    REQUIRE(d);
    CHECK(d->bPINSupport == 0x01);
}

TEST_CASE("ELYCTIS_CL_reader.txt: one dump, three devices") {
    const std::string text = corpus_file("ELYCTIS_CL_reader.txt");
    auto devices = parse_reader_dumps(text);
    REQUIRE(devices);
    REQUIRE(devices->size() == 3);
    CHECK((*devices)[0].vendor_id == 0x1FFA);
    CHECK((*devices)[1].vendor_id == 0x04E6);
    CHECK((*devices)[1].product_id == 0x5810);
    CHECK((*devices)[1].manufacturer == "~ELYCTIS");
    CHECK((*devices)[2].product_id == 0x5810);
    DumpDiagnostics where;
    auto one = parse_reader_dump(text, where);
    CHECK(one.error() == DumpError::several_devices);
    CHECK(where.line == 56);
}

TEST_CASE("Avtor_SecureToken_0x0020.txt: list values printed signed are read modulo 2^32") {
    const ReaderDump dump = parse_file("Avtor_SecureToken_0x0020.txt");
    const DumpedClassDescriptor& ccid = *dump.interfaces[0].ccid;
    CHECK(ccid.clocks_khz.values == std::vector<std::uint32_t>{0xF30D0000});
    CHECK(ccid.data_rates_bps.values == std::vector<std::uint32_t>{115200});
    auto d = parse_class_descriptor(ccid.raw);
    REQUIRE(d);
    auto caps = make_capabilities(*d, make_rate_list(ccid.clocks_khz.values, 0),
                                  make_rate_list(ccid.data_rates_bps.values, 0));
    CHECK(caps.clocks_khz == std::vector<std::uint32_t>{3571});  // the garbage is dropped
    CHECK(caps.has(Diagnostic::clock_list_values_dropped));
    CHECK(caps.has(Diagnostic::clock_below_minimum));
    CHECK(caps.data_rates_bps == std::vector<std::uint32_t>{115200});
}

TEST_CASE("ACS_APG8201-B2.txt: missing interface string, LCD layout comments") {
    const ReaderDump dump = parse_file("ACS_APG8201-B2.txt");
    const DumpedInterface& i = dump.interfaces[0];
    CHECK_FALSE(i.interface_name.has_value());
    CHECK(dump.bcdDevice == 0x5000);
    const PrintedField* lcd = i.ccid->field("wLcdLayout");
    REQUIRE(lcd != nullptr);
    CHECK(lcd->value == 0x0210);
    CHECK(lcd->comments.size() == 2);
    CHECK(decode_lcd_layout(static_cast<std::uint16_t>(lcd->value)) ==
          LcdLayout{.lines = 2, .characters_per_line = 16});
}

TEST_CASE("Verisign_secure_token.txt: an older format, data rates under bNumClockSupported") {
    const ReaderDump dump = parse_file("Verisign_secure_token.txt");
    const DumpedClassDescriptor& ccid = *dump.interfaces[0].ccid;
    CHECK(ccid.clocks_khz.values.empty());
    CHECK(ccid.data_rates_bps.values == std::vector<std::uint32_t>{4032, 23437, 46875});
    CHECK(ccid.field("dwFeatures")->comments.back() == "TPDU level exchange");
    auto d = parse_class_descriptor(ccid.raw, {.accept_proprietary_type = true});
    REQUIRE(d);
    CHECK(d->dwDataRate == 4032);
    CHECK(exchange_level(d->dwFeatures) == ExchangeLevel::tpdu);
}

TEST_CASE("a dump written for the test: every value format") {
    DumpDiagnostics where;
    auto dump = parse_reader_dump(kMinimal, where);
    REQUIRE_MESSAGE(dump, where.line << ": " << where.text);
    CHECK(dump->vendor_id == 0x1234);
    CHECK(dump->product_id == 0xABCD);
    CHECK(dump->manufacturer == "Maker");
    CHECK(dump->bcdDevice == 0x010A);
    const DumpedInterface& i = dump->interfaces[0];
    CHECK(i.bInterfaceNumber == 2);
    CHECK(i.interface_name == "Slot");
    CHECK(i.comments == std::vector<std::string>{"bulk-IN, bulk-OUT and Interrupt-IN"});
    const DumpedClassDescriptor& ccid = *i.ccid;
    CHECK(ccid.clocks_khz.values == std::vector<std::uint32_t>{3580, 0xFFFFFFFF});
    CHECK(ccid.data_rates_bps.notes ==
          std::vector<std::string>{"wrong size for GET_DATA_RATES: 1"});
    auto d = parse_class_descriptor(ccid.raw);
    REQUIRE(d);
    CHECK(d->bMaxSlotIndex == 1);
    CHECK(d->bVoltageSupport == 7);
    CHECK(d->dwDefaultClock == 3580);
    CHECK(d->dwMaximumClock == 0xFFFFFFFF);
    CHECK(d->bNumClockSupported == 2);
    CHECK(d->dwMaxCCIDMessageLength == 65546);
    CHECK(d->bClassEnvelope == 0);
    CHECK(d->wLcdLayout == 0x0210);
    CHECK(d->bPINSupport == 3);
    CHECK(d->bMaxCCIDBusySlots == 2);
    CHECK(exchange_level(d->dwFeatures) == ExchangeLevel::extended_apdu);
}

TEST_CASE("blank lines are ignored; strings the device did not give are nullopt") {
    std::string text =
        edited(kMinimal, "  iManufacturer: Maker\n", "\n  Can't get iManufacturer string\n   \n");
    auto dump = parse_reader_dump(text);
    REQUIRE(dump);
    CHECK_FALSE(dump->manufacturer.has_value());
    CHECK(dump->product == "Pad");
}

TEST_CASE("a block without the class descriptor is an interface without ccid") {
    const std::string text = kMinimal;
    const std::string head = text.substr(0, text.find(" CCID Class Descriptor"));
    auto dump = parse_reader_dump(head);
    REQUIRE(dump);
    CHECK_FALSE(dump->interfaces[0].ccid.has_value());
}

TEST_CASE("malformed dumps give distinct errors with the line number") {
    SUBCASE("not a dump") {
        CHECK(failure_of("").error == DumpError::no_device);
        CHECK(failure_of("\n\n  \n").error == DumpError::no_device);
        const Failure f = failure_of("hello\n idVendor: 0x1234\n");
        CHECK(f.error == DumpError::unexpected_line);
        CHECK(f.where.line == 1);
        CHECK(f.where.text == "hello");
    }
    SUBCASE("bad values") {
        Failure f = failure_of(edited(kMinimal, "idProduct: 0xABCD", "idProduct: ABCD"));
        CHECK(f.error == DumpError::bad_value);
        CHECK(f.where.line == 3);
        f = failure_of(edited(kMinimal, "dwDefaultClock: 3.580 MHz", "dwDefaultClock: 3.58 MHz"));
        CHECK(f.error == DumpError::bad_value);
        CHECK(f.where.line == 23);
        CHECK(f.where.field == "dwDefaultClock");
        f = failure_of(edited(kMinimal, "9600 bps", "9600 kbps"));
        CHECK(f.error == DumpError::bad_value);
        f = failure_of(edited(kMinimal, "0x0000 0x0003", "0x00000003"));
        CHECK(f.error == DumpError::bad_value);
        f = failure_of(edited(kMinimal, "Support 3580 kHz", "Support 3580 MHz"));
        CHECK(f.error == DumpError::bad_value);
        CHECK(f.where.line == 26);
        f = failure_of(edited(kMinimal, "bMaxSlotIndex: 0x01", "bMaxSlotIndex: 0x01x"));
        CHECK(f.error == DumpError::bad_value);
        f = failure_of(edited(kMinimal, "bNumClockSupported: 2", "bNumClockSupported: -2"));
        CHECK(f.error == DumpError::bad_value);
    }
    SUBCASE("values too large for their field") {
        Failure f = failure_of(edited(kMinimal, "bMaxSlotIndex: 0x01", "bMaxSlotIndex: 0x100"));
        CHECK(f.error == DumpError::value_out_of_range);
        CHECK(f.where.line == 20);
        f = failure_of(edited(kMinimal, "4294967.295 MHz", "4294967.296 MHz"));
        CHECK(f.error == DumpError::value_out_of_range);
        f = failure_of(edited(kMinimal, "65546 bytes", "4294967296 bytes"));
        CHECK(f.error == DumpError::value_out_of_range);
        f = failure_of(edited(kMinimal, "Support -1 kHz", "Support -2147483649 kHz"));
        CHECK(f.error == DumpError::value_out_of_range);
        f = failure_of(edited(kMinimal, "0x0000 0x0003", "0x10000 0x0003"));
        CHECK(f.error == DumpError::value_out_of_range);
        f = failure_of(edited(kMinimal, "idVendor: 0x1234", "idVendor: 0x12345"));
        CHECK(f.error == DumpError::value_out_of_range);
        CHECK(f.where.line == 1);
        f = failure_of(edited(kMinimal, "bcdCCID: 1.10", "bcdCCID: 1.100"));
        CHECK(f.error == DumpError::value_out_of_range);
    }
    SUBCASE("duplicate and missing fields") {
        Failure f = failure_of(edited(kMinimal, "  bPINSupport: 0x03\n",
                                      "  bPINSupport: 0x03\n  bPINSupport: 0x03\n"));
        CHECK(f.error == DumpError::duplicate_field);
        CHECK(f.where.line == 42);
        CHECK(f.where.field == "bPINSupport");
        f = failure_of(edited(kMinimal, "  wLcdLayout: 0x0210\n    2 lines\n", ""));
        CHECK(f.error == DumpError::missing_field);
        CHECK(f.where.line == 16);
        CHECK(f.where.field == "wLcdLayout");
        f = failure_of(edited(kMinimal, " bInterfaceClass: 0x0B", " bInterfaceKlass: 0x0B"));
        CHECK(f.error == DumpError::unexpected_line);
        CHECK(f.where.line == 12);
        f = failure_of(edited(kMinimal,
                              " bInterfaceClass: 0x0B [Chip Card Interface Device "
                              "Class (CCID)]\n",
                              ""));
        CHECK(f.error == DumpError::missing_field);
        CHECK(f.where.line == 1);
        CHECK(f.where.field == "bInterfaceClass");
        f = failure_of(edited(kMinimal, " idProduct: 0xABCD\n", " idVendor: 0xABCD\n"));
        CHECK(f.error == DumpError::missing_field);
        CHECK(f.where.field == "idProduct");
    }
    SUBCASE("lines out of place") {
        Failure f = failure_of(edited(kMinimal, "  bLength: 0x36\n", "   T=0\n  bLength: 0x36\n"));
        CHECK(f.error == DumpError::unexpected_line);
        CHECK(f.where.line == 17);
        f = failure_of(edited(kMinimal, "  bMaxCCIDBusySlots: 2\n",
                              "  bMaxCCIDBusySlots: 2\n bNumEndpoints: 3\n"));
        CHECK(f.error == DumpError::unexpected_line);
        CHECK(f.where.line == 43);
        f = failure_of(edited(kMinimal, "  bcdCCID: 1.10\n", "  bcdUSB: 2.00\n"));
        CHECK(f.error == DumpError::unexpected_line);
        f = failure_of(edited(kMinimal, "  iManufacturer: Maker\n", "  something else\n"));
        CHECK(f.error == DumpError::unexpected_line);
        CHECK(f.where.line == 2);
        f = failure_of(
            edited(kMinimal, "  bulk-IN, bulk-OUT and Interrupt-IN\n", "  iProduct: again\n"));
        CHECK(f.error == DumpError::unexpected_line);
    }
    SUBCASE("error descriptions") {
        for (int e = 1; e <= static_cast<int>(DumpError::several_devices); ++e) {
            const std::error_code error = static_cast<DumpError>(e);
            CHECK(std::string(error.category().name()) == "reader dump");
            CHECK(error.message() != "unknown reader dump error");
        }
    }
}
