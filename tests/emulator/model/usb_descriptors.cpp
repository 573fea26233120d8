#include "tests/emulator/model/usb_descriptors.hpp"

#include <algorithm>

#include "tests/emulator/wire/ccid_wire.hpp"

namespace tessera::emulator {
namespace {

// USB 2.0 Table 9-5: descriptor types.
constexpr std::uint8_t kDeviceType = 0x01;
constexpr std::uint8_t kConfigurationType = 0x02;
constexpr std::uint8_t kStringType = 0x03;
constexpr std::uint8_t kInterfaceType = 0x04;
constexpr std::uint8_t kEndpointType = 0x05;
constexpr std::uint8_t kBulk = 0x02;
constexpr std::uint8_t kInterrupt = 0x03;
constexpr std::uint8_t kPlaceholderInterfaceClass = 0xFE;  // application specific
constexpr std::uint8_t kGetDescriptor = 0x06;

void append_interface(Bytes& out, std::uint8_t number, std::uint8_t endpoints,
                      std::uint8_t interface_class, std::uint8_t protocol) {
    // USB 2.0 9.6.5
    out.insert(out.end(), {9, kInterfaceType, number, 0, endpoints, interface_class, 0,
                           protocol, 0});
}

void append_endpoint(Bytes& out, std::uint8_t address, std::uint8_t attributes,
                     std::uint16_t max_packet_size, std::uint8_t interval) {
    // USB 2.0 9.6.6
    out.insert(out.end(), {7, kEndpointType, address, attributes});
    wire::append_le16(out, max_packet_size);
    out.push_back(interval);
}

std::uint16_t interrupt_packet_size(const ReaderConfig& config) {
    // Large enough for a NotifySlotChange of every slot (CCID 6.3.1) and a HardwareError.
    const std::size_t needed =
        std::max(wire::notify_slot_change_size(config.descriptor.bMaxSlotIndex),
                 wire::kHardwareErrorSize);
    return static_cast<std::uint16_t>(std::max<std::size_t>(8, needed));
}

}  // namespace

Bytes device_descriptor(const ReaderConfig& config) {
    // USB 2.0 9.6.1; class, subclass and protocol are given per interface.
    Bytes out{18, kDeviceType};
    wire::append_le16(out, config.bcd_usb);
    out.insert(out.end(), {0x00, 0x00, 0x00, 64});
    wire::append_le16(out, config.vendor_id);
    wire::append_le16(out, config.product_id);
    wire::append_le16(out, config.bcd_device);
    out.push_back(config.manufacturer.empty() ? 0 : kManufacturerStringIndex);
    out.push_back(config.product.empty() ? 0 : kProductStringIndex);
    out.push_back(config.serial.empty() ? 0 : kSerialStringIndex);
    out.push_back(1);  // bNumConfigurations
    return out;
}

Bytes configuration_descriptor(const ReaderConfig& config) {
    const bool interrupt = config.endpoints.interrupt_in.has_value();
    const auto endpoint_count = static_cast<std::uint8_t>(interrupt ? 3 : 2);

    Bytes body;
    for (std::uint8_t number = 0; number < config.interface_number; ++number) {
        append_interface(body, number, 0, kPlaceholderInterfaceClass, 0);
    }
    append_interface(body, config.interface_number, endpoint_count, config.interface_class,
                     static_cast<std::uint8_t>(config.interface_protocol));
    const Bytes class_descriptor = wire::write_class_descriptor(config.descriptor);
    if (config.placement == transport::DescriptorPlacement::interface) {
        body.insert(body.end(), class_descriptor.begin(), class_descriptor.end());
    }
    append_endpoint(body, config.endpoints.bulk_out, kBulk, config.endpoints.bulk_max_packet_size, 0);
    append_endpoint(body, config.endpoints.bulk_in, kBulk, config.endpoints.bulk_max_packet_size, 0);
    if (interrupt) {
        append_endpoint(body, *config.endpoints.interrupt_in, kInterrupt,
                        interrupt_packet_size(config), config.endpoints.interrupt_interval);
    }
    if (config.placement == transport::DescriptorPlacement::endpoint) {
        body.insert(body.end(), class_descriptor.begin(), class_descriptor.end());
    }

    // USB 2.0 9.6.3; bmAttributes: bus powered, remote wake-up when dwFeatures says so.
    const bool wake_up = (config.descriptor.dwFeatures & transport::kFeatureUsbWakeUp) != 0;
    Bytes out{9, kConfigurationType};
    wire::append_le16(out, static_cast<std::uint16_t>(9 + body.size()));
    out.push_back(static_cast<std::uint8_t>(config.interface_number + 1));  // bNumInterfaces
    out.insert(out.end(), {1, 0, static_cast<std::uint8_t>(wake_up ? 0xA0 : 0x80), 50});
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

UsbIdentity make_identity(const ReaderConfig& config) {
    UsbIdentity identity;
    identity.vendor_id = config.vendor_id;
    identity.product_id = config.product_id;
    identity.bcd_device = config.bcd_device;
    identity.manufacturer = config.manufacturer;
    identity.product = config.product;
    identity.serial = config.serial;
    identity.device_descriptor = device_descriptor(config);
    identity.config_descriptor = configuration_descriptor(config);
    return identity;
}

std::optional<Bytes> string_descriptor(const UsbIdentity& identity, std::uint8_t index) {
    if (index == 0) {
        return Bytes{4, kStringType, 0x09, 0x04};  // LANGID US English
    }
    const std::string* text = nullptr;
    switch (index) {
        case kManufacturerStringIndex: text = &identity.manufacturer; break;
        case kProductStringIndex: text = &identity.product; break;
        case kSerialStringIndex: text = &identity.serial; break;
        default: return std::nullopt;
    }
    if (text->empty()) {
        return std::nullopt;
    }
    // UTF-16LE of each byte (the strings are ASCII / Latin-1), at most 126 characters.
    const std::size_t characters = std::min<std::size_t>(text->size(), 126);
    Bytes out{static_cast<std::uint8_t>(2 + 2 * characters), kStringType};
    for (std::size_t i = 0; i < characters; ++i) {
        out.push_back(static_cast<std::uint8_t>((*text)[i]));
        out.push_back(0);
    }
    return out;
}

std::optional<Bytes> standard_descriptor(const UsbIdentity& identity, const SetupPacket& setup) {
    if (setup.bmRequestType != 0x80 || setup.bRequest != kGetDescriptor) {
        return std::nullopt;
    }
    const auto type = static_cast<std::uint8_t>(setup.wValue >> 8);
    const auto index = static_cast<std::uint8_t>(setup.wValue & 0xFF);
    switch (type) {
        case kDeviceType: return identity.device_descriptor;
        case kConfigurationType:
            if (index != 0) {
                return std::nullopt;
            }
            return identity.config_descriptor;
        case kStringType: return string_descriptor(identity, index);
        default: return std::nullopt;
    }
}

}  // namespace tessera::emulator
