// Which interface of a USB device a CCID driver serves. Pure code over parsed descriptors.
#pragma once

#include "transport/usb/usb_descriptor.hpp"

namespace tessera::usb {

/// USB class code of smart card devices (CCID 4.3; ICCD devices use it too).
inline constexpr std::uint8_t kSmartCardInterfaceClass = 0x0B;
/// Vendor-specific class: some pre-standard readers put their CCID interface here.
inline constexpr std::uint8_t kVendorSpecificInterfaceClass = 0xFF;
/// The CCID class descriptor (CCID 5.1, Table 5.1-1): bDescriptorType 0x21, 54 bytes.
inline constexpr std::uint8_t kCcidClassDescriptorType = 0x21;
inline constexpr std::uint8_t kCcidClassDescriptorLength = 54;

/// True for a smart card interface (class 0x0B, which covers CCID and ICCD), and for a
/// vendor-class interface whose class-specific descriptors include a 54-byte CCID class
/// descriptor. Reads only the bytes `interface.extra` holds (lengths are checked).
bool is_ccid_interface(const UsbInterfaceDescriptor& interface) noexcept;

/// Alternate setting 0 of the first interface for which is_ccid_interface() holds, or
/// null. A class 0x0B interface wins over an earlier vendor-class one.
const UsbInterfaceDescriptor* find_ccid_interface(const UsbConfigDescriptor& config) noexcept;

}  // namespace tessera::usb
