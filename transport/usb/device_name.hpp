// Which USB device to open: a selector, and the parser of pcscd's DEVICENAME strings.
//
// pcscd names a hotplugged reader "usb:VVVV/PPPP:libudev:IF:/dev/bus/usb/BBB/DDD"
// (VID/PID in hex, interface number, then the usbfs node giving bus and address). A
// reader.conf entry may also say "usb:VVVV/PPPP" (first such device) or the libusb form
// "usb:VVVV/PPPP:libusb-1.0:BUS:ADDRESS:IF". Pure code, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "transport/usb/usb_error.hpp"

namespace tessera::usb {

/// Every field that is set must match; unset fields match anything. The interface is
/// chosen by number if set, else by class if set, else the first CCID interface
/// (ccid_interface.hpp: class 0x0B, or vendor class with a CCID class descriptor).
struct UsbDeviceSelector {
    std::optional<std::uint16_t> vendor_id;
    std::optional<std::uint16_t> product_id;
    std::optional<std::uint8_t> bus;
    std::optional<std::uint8_t> address;
    std::optional<std::uint8_t> interface_number;
    std::optional<std::uint8_t> interface_class;

    /// "usb:1209/0001 bus 1 address 2 interface 0" (only the fields that are set).
    std::string to_string() const;
};

/// Parses a pcscd DEVICENAME (forms above). UsbError::bad_device_name on anything else.
Result<UsbDeviceSelector> parse_device_name(std::string_view name);

}  // namespace tessera::usb
