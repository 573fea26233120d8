#include "transport/usb/usb_error.hpp"

namespace tessera::usb {

const char* describe(UsbError error) {
    switch (error) {
        case UsbError::ok_is_never_used: return "no error";
        case UsbError::io: return "input/output error";
        case UsbError::invalid_param: return "invalid parameter";
        case UsbError::access: return "access denied";
        case UsbError::no_device: return "device is gone";
        case UsbError::not_found: return "not found";
        case UsbError::busy: return "interface is busy (claimed elsewhere)";
        case UsbError::timeout: return "timed out";
        case UsbError::overflow: return "device sent more than the buffer holds";
        case UsbError::pipe: return "endpoint stalled";
        case UsbError::interrupted: return "interrupted";
        case UsbError::no_memory: return "out of memory";
        case UsbError::not_supported: return "not supported";
        case UsbError::cancelled: return "cancelled";
        case UsbError::closed: return "device closed";
        case UsbError::wrong_thread: return "blocking call on the USB event thread";
        case UsbError::already_running: return "interrupt listener already running";
        case UsbError::no_endpoint: return "interface has no such endpoint";
        case UsbError::bad_descriptor: return "malformed descriptor";
        case UsbError::bad_device_name: return "malformed device name";
        case UsbError::other: return "other USB error";
    }
    return "unknown USB error";
}

}  // namespace tessera::usb
