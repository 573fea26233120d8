// UsbDeviceModel: what an emulated USB device is, independent of how it is served.
//
// A model answers USB requests with bytes and never does I/O, sleeps or keeps time. Two
// hosts serve models: the umockdev testbed (usb_testbed.hpp), which puts a model behind a
// /dev/bus/usb node so that the real libusb talks to it, and the in-memory port
// (model_port.hpp), which serves one straight to the reader code for fast tests. The CCID
// reader (ccid_device.hpp) is the model this project cares about.
//
// Transfers. The host hands each OUT transfer to bulk_out() whole. For an IN transfer
// (bulk or interrupt) the host asks in(); `pending` means "nothing to send yet": the host
// keeps the transfer pending and asks again after any later call into the model (an OUT
// transfer, a control request, or a change made through the host's locked access, such
// as a card insertion), until the host side cancels it or times out. So a model reacts
// to events only when something calls it; nothing polls it.
//
// `gone` from any call means the device has just been unplugged: the host completes every
// pending transfer with a device-gone error and refuses later ones (libusb: -ENODEV /
// LIBUSB_ERROR_NO_DEVICE), removes the node, and never calls the model again.
//
// Threads. A model is not thread-safe; its host serialises every call, including the
// changes tests make through the host. Calls are short (no blocking, no waiting).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/bytes.hpp"

namespace tessera::emulator {

/// The device as enumeration sees it.
struct UsbIdentity {
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    std::uint16_t bcd_device = 0;
    std::string manufacturer;  // string descriptors (empty: none)
    std::string product;
    std::string serial;
    Bytes device_descriptor;  // the 18-byte device descriptor (USB 2.0 9.6.1)
    Bytes config_descriptor;  // the whole configuration, wTotalLength bytes (9.6.3)
};

/// A SETUP packet (USB 2.0 9.3).
struct SetupPacket {
    std::uint8_t bmRequestType = 0;
    std::uint8_t bRequest = 0;
    std::uint16_t wValue = 0;
    std::uint16_t wIndex = 0;
    std::uint16_t wLength = 0;

    bool is_in() const noexcept { return (bmRequestType & 0x80) != 0; }
};

enum class Completion {
    done,     // the transfer completes (IN: with `data`, possibly empty = zero-length)
    pending,  // IN only: nothing yet, ask again later (see above)
    stall,    // the endpoint (or, for control, the request) stalls
    gone,     // the device was unplugged by this call
};

struct UsbAnswer {
    Completion status = Completion::done;
    Bytes data;  // IN data for `done` (a bulk IN answer longer than asked for is an overflow)
};

class UsbDeviceModel {
public:
    virtual ~UsbDeviceModel() = default;

    virtual const UsbIdentity& identity() const = 0;

    /// A bulk OUT transfer on `endpoint` (address with bit 7 clear). done, stall or gone.
    virtual UsbAnswer bulk_out(std::uint8_t endpoint, ByteView data) = 0;

    /// A bulk or interrupt IN transfer on `endpoint` (bit 7 set) of at most max_length
    /// bytes. A model that has more than max_length to send answers with an overflow the
    /// way a device does: it sends max_length bytes and the host reports the overflow.
    virtual UsbAnswer in(std::uint8_t endpoint, std::size_t max_length) = 0;

    /// A control transfer on endpoint 0. OUT requests get `out_data` (wLength bytes);
    /// IN requests answer at most setup.wLength bytes. Standard requests the host handles
    /// itself (GET_DESCRIPTOR from `identity`, SET_CONFIGURATION, SET_INTERFACE) may
    /// still be passed on; a model stalls what it does not know.
    virtual UsbAnswer control(const SetupPacket& setup, ByteView out_data) = 0;

    /// The host cleared a halt on `endpoint` (CLEAR_FEATURE ENDPOINT_HALT).
    virtual void clear_halt(std::uint8_t endpoint) = 0;

    /// The host side cancelled the pending IN transfer on `endpoint` (timeout, close):
    /// whatever the model was about to send on it stays queued for the next one.
    virtual void cancelled(std::uint8_t endpoint) { (void)endpoint; }
};

}  // namespace tessera::emulator
