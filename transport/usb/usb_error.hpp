// Errors of the USB transport (every backend: libusb, Windows).
//
// One enum for the whole USB layer, so that the CCID reader code above it handles
// "the device went away", "timed out" or "stalled" the same way whatever the platform.
// Each backend translates its native codes in exactly one place (libusb:
// libusb_error.cpp). Values are std::error_code enums (base/error.hpp).
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace tessera::usb {

enum class UsbError {
    ok_is_never_used = 0,
    io = 1,            // transfer or system I/O error (LIBUSB_ERROR_IO, transfer ERROR)
    invalid_param,     // bad argument (wrong endpoint, buffer too large)
    access,            // no permission to open the device
    no_device,         // the device is gone (unplugged, reset away); final for the device
    not_found,         // no matching device, interface or endpoint
    busy,              // the interface is claimed by someone else
    timeout,           // the transfer's timeout expired
    overflow,          // the device sent more than the buffer holds
    pipe,              // the endpoint stalled (or a control request was refused)
    interrupted,       // a system call was interrupted
    no_memory,         // allocation failed
    not_supported,     // the operation is not supported on this platform or device
    cancelled,         // cancelled by the caller (Transfer::cancel, UsbPort::cancel_pending)
    closed,            // the device or its context was closed
    wrong_thread,      // a blocking call was made on the USB event thread (would deadlock)
    already_running,   // the interrupt listener is already running
    no_endpoint,       // the claimed interface has no endpoint of the kind asked for
    bad_descriptor,    // a descriptor from the device is malformed
    bad_device_name,   // a device name (pcscd DEVICENAME) could not be parsed
    other,             // any other backend error
};

/// "timed out", "device is gone", ... for logs.
const char* describe(UsbError error);

}  // namespace tessera::usb

TESSERA_ERROR_ENUM(tessera::usb, UsbError, "usb");
