// The sysfs side of an emulated USB device: what libusb and libudev read.
//
// A usb_device entry (busnum, devnum, speed, ids, bConfigurationValue, the binary
// `descriptors` attribute libusb parses, dev=189:N with DEVNAME so umockdev fakes the
// node's stat()) and one usb_interface child per interface (class codes, INTERFACE=
// c/s/p, the attributes pcscd's hotplug matches on). Functions of the umockdev testbed;
// call them from one thread at a time per device.
#pragma once

#include <umockdev.h>

#include <cstdint>
#include <string>
#include <vector>

#include "usb_device_model.hpp"

namespace tessera::emulator {

struct SysfsUsbDevice {
    std::string device_path;                   // "/sys/devices/1-3"
    std::vector<std::string> interface_paths;  // "/sys/devices/1-3/1-3:1.0", ...
};

/// Adds the entries for `identity` at bus/address, named after `port` ("1-3"). Throws
/// std::runtime_error if the descriptors in `identity` do not parse.
SysfsUsbDevice add_sysfs_usb_device(UMockdevTestbed* testbed, const UsbIdentity& identity,
                                    std::uint8_t bus, std::uint8_t address,
                                    const std::string& port);

/// Sends a uevent ("add", "remove") for the device and its interfaces, in the order the
/// kernel does (device first on add, interfaces first on remove).
void send_uevents(UMockdevTestbed* testbed, const SysfsUsbDevice& device, const char* action);

/// Removes the entries (no uevent).
void remove_sysfs_usb_device(UMockdevTestbed* testbed, const SysfsUsbDevice& device);

}  // namespace tessera::emulator
