#include "transport/usb/usb_descriptor.hpp"

namespace tessera::usb {
namespace {

std::uint16_t le16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}

}  // namespace

std::optional<UsbEndpointDescriptor> UsbInterfaceDescriptor::find_endpoint(
    UsbEndpointDescriptor::Type type, bool in) const noexcept {
    for (const auto& endpoint : endpoints) {
        if (endpoint.type() == type && endpoint.is_in() == in) return endpoint;
    }
    return std::nullopt;
}

const UsbInterfaceDescriptor* UsbConfigDescriptor::find_interface(
    std::uint8_t number) const noexcept {
    for (const auto& interface : interfaces) {
        if (interface.bInterfaceNumber == number && interface.bAlternateSetting == 0) {
            return &interface;
        }
    }
    return nullptr;
}

const UsbInterfaceDescriptor* UsbConfigDescriptor::find_interface_of_class(
    std::uint8_t cls) const noexcept {
    for (const auto& interface : interfaces) {
        if (interface.bInterfaceClass == cls && interface.bAlternateSetting == 0) {
            return &interface;
        }
    }
    return nullptr;
}

Result<UsbDeviceDescriptor> parse_device_descriptor(std::span<const std::uint8_t> b) {
    // USB 2.0 9.6.1: bLength 18, bDescriptorType DEVICE.
    if (b.size() < 18 || b[0] < 18 || b[1] != kDescriptorTypeDevice) {
        return UsbError::bad_descriptor;
    }
    UsbDeviceDescriptor d;
    d.bcdUSB = le16(b, 2);
    d.bDeviceClass = b[4];
    d.bDeviceSubClass = b[5];
    d.bDeviceProtocol = b[6];
    d.bMaxPacketSize0 = b[7];
    d.idVendor = le16(b, 8);
    d.idProduct = le16(b, 10);
    d.bcdDevice = le16(b, 12);
    d.iManufacturer = b[14];
    d.iProduct = b[15];
    d.iSerialNumber = b[16];
    d.bNumConfigurations = b[17];
    return d;
}

Result<UsbConfigDescriptor> parse_config_descriptor(std::span<const std::uint8_t> b) {
    // USB 2.0 9.6.3: a 9-byte header whose wTotalLength covers every descriptor after it.
    if (b.size() < 9 || b[0] < 9 || b[1] != kDescriptorTypeConfiguration) {
        return UsbError::bad_descriptor;
    }
    UsbConfigDescriptor config;
    config.wTotalLength = le16(b, 2);
    config.bNumInterfaces = b[4];
    config.bConfigurationValue = b[5];
    config.iConfiguration = b[6];
    config.bmAttributes = b[7];
    config.bMaxPower = b[8];
    if (config.wTotalLength < b[0] || config.wTotalLength > b.size()) {
        return UsbError::bad_descriptor;
    }
    const auto all = b.first(config.wTotalLength);

    UsbInterfaceDescriptor* current = nullptr;
    bool after_endpoint = false;
    for (std::size_t at = all[0]; at < all.size();) {
        const std::size_t length = all[at];
        if (length < 2 || at + length > all.size()) return UsbError::bad_descriptor;
        const auto d = all.subspan(at, length);
        switch (d[1]) {
            case kDescriptorTypeInterface: {
                if (length < 9) return UsbError::bad_descriptor;
                UsbInterfaceDescriptor interface;
                interface.bInterfaceNumber = d[2];
                interface.bAlternateSetting = d[3];
                interface.bInterfaceClass = d[5];
                interface.bInterfaceSubClass = d[6];
                interface.bInterfaceProtocol = d[7];
                interface.iInterface = d[8];
                config.interfaces.push_back(std::move(interface));
                current = &config.interfaces.back();
                after_endpoint = false;
                break;
            }
            case kDescriptorTypeEndpoint: {
                if (length < 7) return UsbError::bad_descriptor;
                if (current == nullptr) break;  // stray endpoint before any interface
                UsbEndpointDescriptor endpoint;
                endpoint.bEndpointAddress = d[2];
                endpoint.bmAttributes = d[3];
                endpoint.wMaxPacketSize = le16(d, 4);
                endpoint.bInterval = d[6];
                current->endpoints.push_back(endpoint);
                after_endpoint = true;
                break;
            }
            default:
                // Class-specific interface descriptors sit between the interface and its
                // first endpoint (CCID 5.1); anything else is not ours to interpret.
                if (current != nullptr && !after_endpoint) {
                    current->extra.insert(current->extra.end(), d.begin(), d.end());
                }
                break;
        }
        at += length;
    }
    return config;
}

}  // namespace tessera::usb
