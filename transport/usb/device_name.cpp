#include "transport/usb/device_name.hpp"

#include <charconv>
#include <cstdio>
#include <vector>

namespace tessera::usb {
namespace {

template <class T>
std::optional<T> number(std::string_view text, int base, unsigned max) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
    if (text.empty() || ec != std::errc() || ptr != end || value > max) return std::nullopt;
    return static_cast<T>(value);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    for (;;) {
        const auto at = text.find(separator);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos) return parts;
        text.remove_prefix(at + 1);
    }
}

}  // namespace

std::string UsbDeviceSelector::to_string() const {
    char buffer[96];
    std::string out = "usb:";
    std::snprintf(buffer, sizeof buffer, "%04x/%04x", vendor_id.value_or(0),
                  product_id.value_or(0));
    out += (vendor_id || product_id) ? buffer : "any";
    if (bus) out += " bus " + std::to_string(*bus);
    if (address) out += " address " + std::to_string(*address);
    if (interface_number) out += " interface " + std::to_string(*interface_number);
    if (interface_class) {
        std::snprintf(buffer, sizeof buffer, " class %02x", *interface_class);
        out += buffer;
    }
    return out;
}

Result<UsbDeviceSelector> parse_device_name(std::string_view name) {
    constexpr std::string_view prefix = "usb:";
    if (name.substr(0, prefix.size()) != prefix) return UsbError::bad_device_name;
    const auto parts = split(name.substr(prefix.size()), ':');

    UsbDeviceSelector selector;
    const auto ids = split(parts[0], '/');
    if (ids.size() != 2) return UsbError::bad_device_name;
    selector.vendor_id = number<std::uint16_t>(ids[0], 16, 0xFFFF);
    selector.product_id = number<std::uint16_t>(ids[1], 16, 0xFFFF);
    if (!selector.vendor_id || !selector.product_id) return UsbError::bad_device_name;
    if (parts.size() == 1) return selector;

    if (parts[1] == "libudev" && parts.size() == 4) {
        // usb:VVVV/PPPP:libudev:IF:/dev/bus/usb/BBB/DDD
        selector.interface_number = number<std::uint8_t>(parts[2], 10, 255);
        constexpr std::string_view node = "/dev/bus/usb/";
        if (!selector.interface_number || parts[3].substr(0, node.size()) != node) {
            return UsbError::bad_device_name;
        }
        const auto path = split(parts[3].substr(node.size()), '/');
        if (path.size() != 2) return UsbError::bad_device_name;
        selector.bus = number<std::uint8_t>(path[0], 10, 255);
        selector.address = number<std::uint8_t>(path[1], 10, 255);
        if (!selector.bus || !selector.address) return UsbError::bad_device_name;
        return selector;
    }
    if (parts[1] == "libusb-1.0" && parts.size() == 5) {
        // usb:VVVV/PPPP:libusb-1.0:BUS:ADDRESS:IF
        selector.bus = number<std::uint8_t>(parts[2], 10, 255);
        selector.address = number<std::uint8_t>(parts[3], 10, 255);
        selector.interface_number = number<std::uint8_t>(parts[4], 10, 255);
        if (!selector.bus || !selector.address || !selector.interface_number) {
            return UsbError::bad_device_name;
        }
        return selector;
    }
    return UsbError::bad_device_name;
}

}  // namespace tessera::usb
