#include "transport/usb/libusb_error.hpp"

#include <libusb.h>

namespace tessera::usb {

UsbError usb_error_from_libusb(int libusb_error) noexcept {
    switch (libusb_error) {
        case LIBUSB_ERROR_IO: return UsbError::io;
        case LIBUSB_ERROR_INVALID_PARAM: return UsbError::invalid_param;
        case LIBUSB_ERROR_ACCESS: return UsbError::access;
        case LIBUSB_ERROR_NO_DEVICE: return UsbError::no_device;
        case LIBUSB_ERROR_NOT_FOUND: return UsbError::not_found;
        case LIBUSB_ERROR_BUSY: return UsbError::busy;
        case LIBUSB_ERROR_TIMEOUT: return UsbError::timeout;
        case LIBUSB_ERROR_OVERFLOW: return UsbError::overflow;
        case LIBUSB_ERROR_PIPE: return UsbError::pipe;
        case LIBUSB_ERROR_INTERRUPTED: return UsbError::interrupted;
        case LIBUSB_ERROR_NO_MEM: return UsbError::no_memory;
        case LIBUSB_ERROR_NOT_SUPPORTED: return UsbError::not_supported;
        default: return UsbError::other;
    }
}

UsbError usb_error_from_transfer_status(int status) noexcept {
    switch (status) {
        case LIBUSB_TRANSFER_ERROR: return UsbError::io;
        case LIBUSB_TRANSFER_TIMED_OUT: return UsbError::timeout;
        case LIBUSB_TRANSFER_CANCELLED: return UsbError::cancelled;
        case LIBUSB_TRANSFER_STALL: return UsbError::pipe;
        case LIBUSB_TRANSFER_NO_DEVICE: return UsbError::no_device;
        case LIBUSB_TRANSFER_OVERFLOW: return UsbError::overflow;
        default: return UsbError::other;
    }
}

}  // namespace tessera::usb
