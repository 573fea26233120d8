#include "transport/usb/ccid_interface.hpp"

namespace tessera::usb {
namespace {

bool has_ccid_class_descriptor(const std::vector<std::uint8_t>& extra) noexcept {
    for (std::size_t at = 0; at + 2 <= extra.size();) {
        const std::size_t length = extra[at];
        if (length < 2 || at + length > extra.size()) return false;
        if (extra[at + 1] == kCcidClassDescriptorType && length == kCcidClassDescriptorLength) {
            return true;
        }
        at += length;
    }
    return false;
}

}  // namespace

bool is_ccid_interface(const UsbInterfaceDescriptor& interface) noexcept {
    if (interface.bInterfaceClass == kSmartCardInterfaceClass) return true;
    return interface.bInterfaceClass == kVendorSpecificInterfaceClass &&
           has_ccid_class_descriptor(interface.extra);
}

const UsbInterfaceDescriptor* find_ccid_interface(const UsbConfigDescriptor& config) noexcept {
    const UsbInterfaceDescriptor* vendor = nullptr;
    for (const auto& interface : config.interfaces) {
        if (interface.bAlternateSetting != 0 || !is_ccid_interface(interface)) continue;
        if (interface.bInterfaceClass == kSmartCardInterfaceClass) return &interface;
        if (vendor == nullptr) vendor = &interface;
    }
    return vendor;
}

}  // namespace tessera::usb
