// Every reader quirk flag acts: one row per config::Quirk, each a readers.conf entry with
// that flag taken through the database, apply_quirks() and CcidReader::open over a
// scripted port, compared with the same reader listed without the flag. The test walks
// kAllQuirks, so a flag added without a row fails here, and a flag whose effect is lost
// anywhere on the way (parser, mapping, reader) fails its row.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "config/reader_database.hpp"
#include "ifdhandler/quirk_options.hpp"
#include "tests/reader/ccid_script.hpp"
#include "tests/reader/script_port.hpp"
#include "transport/class_descriptor.hpp"
#include "transport/reader/ccid_reader.hpp"

using namespace tessera;
using namespace tessera::test;
using config::Quirk;

namespace {

constexpr std::uint16_t kVendor = 0x1234;
constexpr std::uint16_t kProduct = 0x5678;
constexpr std::uint16_t kRelease = 0x0100;
// CCID 5.3.2 / 5.3.3: class, interface, device to host.
constexpr std::uint8_t kGetClockFrequencies = 0x02;
constexpr std::uint8_t kGetDataRates = 0x03;

/// The options the driver opens the reader with when readers.conf lists it with these
/// quirk lines (none: the reader is listed without flags).
reader::ReaderOptions options_from_database(const std::string& quirk_lines) {
    const std::string text = "reader 1234:5678 Quirk test reader\n" + quirk_lines;
    auto database = config::ReaderDatabase::parse(text);
    REQUIRE_MESSAGE(database.has_value(), text);
    return ifd::apply_quirks(reader::ReaderOptions{},
                             database->quirks(kVendor, kProduct, kRelease));
}

/// A port whose interface has `interface_class` and carries `descriptor` in its extra
/// bytes; the one GetSlotStatus of open is scripted.
usb::UsbPortInfo port_info(std::uint8_t interface_class, const transport::ClassDescriptor& descriptor) {
    usb::UsbPortInfo info = test_port_info(false);
    info.vendor_id = kVendor;
    info.product_id = kProduct;
    info.bcd_device = kRelease;
    info.interface.bInterfaceClass = interface_class;
    info.interface.extra = transport::encode_class_descriptor(descriptor);
    return info;
}

void script_open(ScriptPort& port) {
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::absent))});
}

/// Opens a reader over `port` and says whether it opened or why not.
std::string open_outcome(ScriptPort& port, const reader::ReaderOptions& options) {
    auto reader = reader::CcidReader::open(port, options);
    return reader ? std::string("opened") : "refused: " + reader.error().message();
}

bool control_sent(const ScriptPort& port, std::uint8_t bRequest) {
    const auto setups = port.control_setups();
    return std::any_of(setups.begin(), setups.end(), [&](const usb::ControlSetup& setup) {
        return setup.bmRequestType == 0xA1 && setup.bRequest == bRequest;
    });
}

transport::ClassDescriptor tpdu_descriptor() {
    auto descriptor = test_descriptor(transport::kFeatureTpduLevel);
    descriptor.bNumClockSupported = 2;
    descriptor.bNumDataRatesSupported = 3;
    return descriptor;
}

/// What a reader does under these options, in words.
using Observe = std::function<std::string(const reader::ReaderOptions&)>;

struct Row {
    Quirk quirk;
    Observe observe;
    std::string without;  // the observation for the reader listed without the flag
    std::string with;     // ... and with it
};

std::vector<Row> rows() {
    const std::string refused_descriptor =
        "refused: " + reader::to_reader_error(make_error_code(transport::DescriptorError::no_ccid_interface)).message();
    return {
        {Quirk::vendor_interface_class,
         [](const reader::ReaderOptions& options) {
             ScriptPort port(port_info(transport::kVendorInterfaceClass, tpdu_descriptor()));
             script_open(port);
             return open_outcome(port, options);
         },
         refused_descriptor, "opened"},
        {Quirk::proprietary_descriptor_type,
         [](const reader::ReaderOptions& options) {
             auto descriptor = tpdu_descriptor();
             descriptor.bDescriptorType = transport::kProprietaryDescriptorType;
             ScriptPort port(port_info(transport::kCcidInterfaceClass, descriptor));
             script_open(port);
             return open_outcome(port, options);
         },
         "refused: " + reader::to_reader_error(make_error_code(transport::DescriptorError::wrong_descriptor_type))
                           .message(),
         "opened"},
        {Quirk::clock_request_refused,
         [](const reader::ReaderOptions& options) {
             ScriptPort port(port_info(transport::kCcidInterfaceClass, tpdu_descriptor()));
             script_open(port);
             const std::string outcome = open_outcome(port, options);
             return outcome + (control_sent(port, kGetClockFrequencies)
                                   ? ", GET_CLOCK_FREQUENCIES sent"
                                   : ", no GET_CLOCK_FREQUENCIES");
         },
         "opened, GET_CLOCK_FREQUENCIES sent", "opened, no GET_CLOCK_FREQUENCIES"},
        {Quirk::data_rate_request_refused,
         [](const reader::ReaderOptions& options) {
             ScriptPort port(port_info(transport::kCcidInterfaceClass, tpdu_descriptor()));
             script_open(port);
             const std::string outcome = open_outcome(port, options);
             return outcome + (control_sent(port, kGetDataRates) ? ", GET_DATA_RATES sent"
                                                                 : ", no GET_DATA_RATES");
         },
         "opened, GET_DATA_RATES sent", "opened, no GET_DATA_RATES"},
        {Quirk::zero_length_packet,
         [](const reader::ReaderOptions& options) {
             ScriptPort port(port_info(transport::kCcidInterfaceClass, tpdu_descriptor()));
             script_open(port);
             const std::string outcome = open_outcome(port, options);
             const auto flags = port.zero_length_packet_flags();
             REQUIRE(flags.size() == 1);  // the GetSlotStatus of open
             return outcome + (flags[0] ? ", bulk-OUT with zero-length packet"
                                        : ", bulk-OUT without zero-length packet");
         },
         "opened, bulk-OUT without zero-length packet", "opened, bulk-OUT with zero-length packet"},
    };
}

}  // namespace

TEST_CASE("every quirk flag changes what the driver does with the reader, as its row says") {
    const std::vector<Row> table = rows();
    for (const Quirk quirk : config::kAllQuirks) {
        const std::string name(config::quirk_name(quirk));
        CAPTURE(name);
        const auto row = std::find_if(table.begin(), table.end(),
                                      [&](const Row& r) { return r.quirk == quirk; });
        REQUIRE_MESSAGE(row != table.end(), "no row for quirk " << name);
        REQUIRE(row->without != row->with);
        CHECK(row->observe(options_from_database("")) == row->without);
        CHECK(row->observe(options_from_database("    quirk " + name + ": test\n")) == row->with);
        // Firmware outside the flag's bcdDevice range behaves as without the flag.
        CHECK(row->observe(options_from_database("    quirk " + name + " bcdDevice 0200: test\n")) ==
              row->without);
    }
    CHECK(table.size() == config::kQuirkCount);
}

TEST_CASE("apply_quirks keeps every option no flag of the set touches") {
    reader::ReaderOptions base;
    base.control_timeout = std::chrono::milliseconds(7);
    base.max_pps_candidates = 1;
    base.power_on_voltage = transport::PowerSelect::volts_3_0;
    config::QuirkSet all;
    for (const Quirk quirk : config::kAllQuirks) all.add(quirk);
    const auto applied = ifd::apply_quirks(base, all);
    CHECK(applied.control_timeout == base.control_timeout);
    CHECK(applied.max_pps_candidates == 1);
    CHECK(applied.power_on_voltage == transport::PowerSelect::volts_3_0);
    CHECK(applied.descriptor.accept_vendor_interface_class);
    CHECK(applied.descriptor.accept_proprietary_type);
    CHECK_FALSE(applied.request_clock_list);
    CHECK_FALSE(applied.request_data_rate_list);
    CHECK(applied.zero_length_packet);

    const auto none = ifd::apply_quirks(base, {});
    CHECK_FALSE(none.descriptor.accept_vendor_interface_class);
    CHECK_FALSE(none.descriptor.accept_proprietary_type);
    CHECK(none.request_clock_list);
    CHECK(none.request_data_rate_list);
    CHECK_FALSE(none.zero_length_packet);
}
