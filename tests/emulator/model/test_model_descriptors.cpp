// The emulated reader's USB face: the device and configuration descriptors it builds
// (USB 2.0 9.6), the class descriptor in them as the transport parser finds it (CCID 5.1),
// string descriptors, and the class requests GET_CLOCK_FREQUENCIES / GET_DATA_RATES
// (CCID 5.3.2, 5.3.3).
#include <doctest/doctest.h>

#include "tests/emulator/model/model_test_support.hpp"
#include "tests/emulator/model/usb_descriptors.hpp"
#include "transport/class_descriptor.hpp"

using namespace tessera;
using namespace tessera::emulator;
using namespace tessera::emulator::testing;

namespace {

SetupPacket get_descriptor(std::uint8_t type, std::uint8_t index, std::uint16_t length) {
    return SetupPacket{0x80, 0x06, static_cast<std::uint16_t>(type << 8 | index), 0, length};
}

SetupPacket class_in(std::uint8_t request, std::uint16_t interface, std::uint16_t length) {
    return SetupPacket{0xA1, request, 0, interface, length};
}

std::vector<std::uint32_t> dwords(const Bytes& data) {
    REQUIRE(data.size() % 4 == 0);
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i < data.size(); i += 4) {
        out.push_back(transport::read_le32(data, i));
    }
    return out;
}

}  // namespace

TEST_CASE("the device descriptor carries the configured identity") {
    ReaderConfig config = make_profile(Profile::tpdu);
    config.vendor_id = 0x04E6;
    config.product_id = 0x5116;
    config.bcd_device = 0x0523;
    const auto device = make_device(config);
    const Bytes& d = device->identity().device_descriptor;
    REQUIRE(d.size() == 18);
    CHECK(d[0] == 18);
    CHECK(d[1] == 0x01);
    CHECK(transport::read_le16(d, 8) == config.vendor_id);
    CHECK(transport::read_le16(d, 10) == config.product_id);
    CHECK(transport::read_le16(d, 12) == config.bcd_device);
    CHECK(d[14] == kManufacturerStringIndex);
    CHECK(d[15] == kProductStringIndex);
    CHECK(d[16] == kSerialStringIndex);
    CHECK(d[17] == 1);

    config.serial.clear();
    CHECK(make_device(config)->identity().device_descriptor[16] == 0);
}

TEST_CASE("the configuration holds the interface, the class descriptor and the endpoints") {
    for (const auto placement :
         {transport::DescriptorPlacement::interface, transport::DescriptorPlacement::endpoint}) {
        for (const bool interrupt : {true, false}) {
            CAPTURE(static_cast<int>(placement));
            CAPTURE(interrupt);
            ReaderConfig config = make_profile(Profile::extended_apdu);
            config.placement = placement;
            if (!interrupt) {
                config.endpoints.interrupt_in.reset();
            }
            const auto device = make_device(config);
            const Bytes& blob = device->identity().config_descriptor;
            REQUIRE(blob.size() > 9);
            CHECK(transport::read_le16(blob, 2) == blob.size());
            const std::size_t endpoints = interrupt ? 3 : 2;
            CHECK(blob.size() == 9 + 9 + transport::kClassDescriptorSize + 7 * endpoints);

            auto found = transport::find_class_descriptor(blob);
            REQUIRE(found.has_value());
            CHECK(found->placement == placement);
            CHECK(found->bNumEndpoints == endpoints);
            CHECK(found->bInterfaceClass == transport::kCcidInterfaceClass);
            CHECK(found->descriptor == config.descriptor);
        }
    }
}

TEST_CASE("interfaces below the CCID one are placeholders, so numbering stays consecutive") {
    ReaderConfig config = make_profile(Profile::tpdu);
    config.interface_number = 2;
    const auto device = make_device(config);
    const Bytes& blob = device->identity().config_descriptor;
    CHECK(blob[4] == 3);  // bNumInterfaces
    auto found = transport::find_class_descriptors(blob);
    REQUIRE(found.has_value());
    REQUIRE(found->size() == 1);
    CHECK(found->front().bInterfaceNumber == 2);
}

TEST_CASE("GET_DESCRIPTOR answers device, configuration and string descriptors") {
    const auto device = make_device(Profile::tpdu);
    const auto& identity = device->identity();

    auto answer = device->control(get_descriptor(0x01, 0, 18), {});
    CHECK(answer.status == Completion::done);
    CHECK(answer.data == identity.device_descriptor);

    answer = device->control(get_descriptor(0x02, 0, 9), {});
    REQUIRE(answer.status == Completion::done);
    CHECK(answer.data.size() == 9);  // wLength first, as hosts read it

    answer = device->control(get_descriptor(0x03, kProductStringIndex, 255), {});
    REQUIRE(answer.status == Completion::done);
    REQUIRE(answer.data.size() == 2 + 2 * identity.product.size());
    CHECK(answer.data[0] == answer.data.size());
    for (std::size_t i = 0; i < identity.product.size(); ++i) {
        CHECK(answer.data[2 + 2 * i] == static_cast<std::uint8_t>(identity.product[i]));
        CHECK(answer.data[3 + 2 * i] == 0);
    }
    CHECK(device->control(get_descriptor(0x03, 9, 255), {}).status == Completion::stall);
    CHECK(device->control(get_descriptor(0x07, 0, 255), {}).status == Completion::stall);
}

TEST_CASE("GET_CLOCK_FREQUENCIES and GET_DATA_RATES answer the configured lists") {
    ReaderConfig config = make_profile(Profile::tpdu_auto_pps);
    const auto device = make_device(config);
    const auto& d = config.descriptor;

    auto answer = device->control(
        class_in(transport::kRequestGetClockFrequencies, config.interface_number,
                 static_cast<std::uint16_t>(4 * d.bNumClockSupported)), {});
    REQUIRE(answer.status == Completion::done);
    CHECK(dwords(answer.data) == config.clocks_khz);

    answer = device->control(
        class_in(transport::kRequestGetDataRates, config.interface_number,
                 static_cast<std::uint16_t>(4 * d.bNumDataRatesSupported)), {});
    REQUIRE(answer.status == Completion::done);
    CHECK(dwords(answer.data) == config.data_rates_bps);

    // A shorter wLength gets what fits.
    answer = device->control(class_in(transport::kRequestGetDataRates, config.interface_number, 8), {});
    REQUIRE(answer.status == Completion::done);
    CHECK(answer.data.size() == 8);

    // Another interface's request stalls.
    CHECK(device->control(class_in(transport::kRequestGetDataRates,
                                   static_cast<std::uint16_t>(config.interface_number + 1), 64), {})
              .status == Completion::stall);
}

TEST_CASE("a reader with bNumClockSupported 0 stalls GET_CLOCK_FREQUENCIES") {
    const auto device = make_device(Profile::tpdu);
    REQUIRE(device->config().descriptor.bNumClockSupported == 0);
    CHECK(device->control(class_in(transport::kRequestGetClockFrequencies, 0, 64), {}).status ==
          Completion::stall);
    CHECK(device->control(class_in(transport::kRequestGetDataRates, 0, 64), {}).status ==
          Completion::stall);
}

TEST_CASE("endpoints the device does not have stall") {
    const auto device = make_device(Profile::tpdu);
    CHECK(device->in(0x85, 64).status == Completion::stall);
    CHECK(device->bulk_out(0x02, Bytes{0x65}).status == Completion::stall);
}

TEST_CASE("profiles are found by name") {
    for (const auto profile : {Profile::tpdu, Profile::tpdu_auto_pps, Profile::short_apdu,
                               Profile::extended_apdu, Profile::character, Profile::two_slot,
                               Profile::pinpad, Profile::short_apdu_263, Profile::short_apdu_264}) {
        const auto found = profile_from_name(to_string(profile));
        REQUIRE(found.has_value());
        CHECK(*found == profile);
    }
    CHECK_FALSE(profile_from_name("no such reader").has_value());
}
