// The one place where libusb's error codes become UsbError (libusb backend only).
#pragma once

#include "transport/usb/usb_error.hpp"

namespace tessera::usb {

/// A negative LIBUSB_ERROR_* code (from any libusb call) as a UsbError.
UsbError usb_error_from_libusb(int libusb_error) noexcept;

/// A libusb_transfer_status other than LIBUSB_TRANSFER_COMPLETED as a UsbError.
/// LIBUSB_TRANSFER_CANCELLED maps to UsbError::cancelled; the device code refines it
/// (closed, no_device) from what caused the cancellation.
UsbError usb_error_from_transfer_status(int status) noexcept;

}  // namespace tessera::usb
