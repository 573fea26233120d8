// UsbPort: the one contract between the CCID reader code and a USB backend.
//
// A UsbPort is one claimed interface of one opened device, with its bulk-IN, bulk-OUT and
// (optional) interrupt-IN endpoints already found. Each platform implements it in its own
// file pair (libusb: libusb_device.hpp; Windows: later); decorators such as the tracing
// port (trace_port.hpp) wrap any implementation. The reader code sees nothing else of USB.
//
// Threads. Every function may be called from any thread, concurrently, except where
// noted. The blocking calls (bulk_write, bulk_read, bulk_write_read, control, clear_halt)
// block the calling thread until the transfer completes, fails, times out or is
// cancelled; they never block on another call's transfer. Called on the backend's event
// thread (from an interrupt handler, say) they return UsbError::wrong_thread instead of
// deadlocking.
// Timeouts: a timeout of zero means "no timeout" (the transfer ends only by completion,
// cancel_pending(), device loss or close); the reader code always passes a bounded one.
//
// Errors. Everything returns std::error_code of UsbError (usb_error.hpp):
//   timeout      the timeout expired (a bulk-OUT may have sent part of the data);
//   pipe         the endpoint stalled; clear_halt() before using it again;
//   overflow     the device sent more than the buffer holds (the data is lost);
//   no_device    the device is gone; final: every later call fails at once with it;
//   cancelled    cancel_pending() ended the call;
//   closed       the port was closed underneath the call;
//   no_endpoint  the interface has no endpoint of that kind;
//   wrong_thread see above; io, no_memory, other: the platform failed.
//
// Lifetime. Destroying the port cancels every transfer still pending, waits for their
// completion (bounded), stops the interrupt listener and releases the interface. It must
// not be destroyed while another thread is inside one of its functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "base/result.hpp"
#include "transport/usb/usb_descriptor.hpp"
#include "transport/usb/usb_error.hpp"

namespace tessera::usb {

using Milliseconds = std::chrono::milliseconds;

/// The endpoints a port knows by role.
enum class Endpoint { bulk_in, bulk_out, interrupt_in };

/// The first 7 bytes of a SETUP packet (USB 2.0 9.3); wLength is the data span's size.
struct ControlSetup {
    std::uint8_t bmRequestType = 0;
    std::uint8_t bRequest = 0;
    std::uint16_t wValue = 0;
    std::uint16_t wIndex = 0;

    bool is_in() const noexcept { return (bmRequestType & 0x80) != 0; }
};

/// What a port is: the device, the claimed interface and its endpoints. Immutable.
struct UsbPortInfo {
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    std::uint16_t bcd_device = 0;
    std::string manufacturer;  // string descriptors (USB 2.0 9.6.7), empty when absent
    std::string product;
    std::string serial;
    std::uint8_t bus = 0;
    std::uint8_t address = 0;
    UsbInterfaceDescriptor interface;        // alternate setting 0 of the claimed interface
    std::uint8_t bulk_in = 0;                // endpoint addresses, 0 when absent
    std::uint8_t bulk_out = 0;
    std::uint8_t interrupt_in = 0;
    std::uint16_t interrupt_max_packet = 0;  // interrupt-IN wMaxPacketSize
    /// bulk-IN wMaxPacketSize (0: unknown). A bulk-IN buffer that is a multiple of it takes
    /// whatever the device sends up to its size; another size may end in overflow.
    std::uint16_t bulk_in_max_packet = 0;
    std::vector<std::uint8_t> config_descriptor;  // the active configuration, raw bytes
    std::string name;                        // "usb:1209/0001 bus 1 address 2 interface 0"

    /// The address of an endpoint role, nullopt if the interface has none.
    std::optional<std::uint8_t> endpoint(Endpoint role) const noexcept;
};

/// The outcome of UsbPort::bulk_write_read(): which half failed, or the bytes received.
struct WriteReadOutcome {
    std::error_code write_error;  // set: the write failed and nothing was read
    std::error_code read_error;   // set: the write was done, the read failed
    std::size_t received = 0;     // valid when neither is set
};

/// Receives interrupt-IN data. Runs on the backend's event thread with no port lock
/// held: it must not block, and blocking port calls from it return wrong_thread. It is
/// called once per received packet with an empty error, and finally once with the error
/// that ended the listener (cancelled after stop_interrupt_listener, no_device, closed,
/// pipe, io) and empty data; after that final call it is never called again.
using InterruptHandler = std::function<void(std::error_code, std::span<const std::uint8_t>)>;

class UsbPort {
public:
    virtual ~UsbPort() = default;

    /// Non-blocking; the reference stays valid for the port's lifetime.
    virtual const UsbPortInfo& info() const = 0;

    /// Sends all of data on the bulk-OUT endpoint (one transfer). Blocks.
    virtual std::error_code bulk_write(std::span<const std::uint8_t> data,
                                       Milliseconds timeout) = 0;

    /// Receives one transfer from the bulk-IN endpoint into buffer (it ends at a short
    /// packet or when the buffer is full). Returns the number of bytes received. Blocks.
    virtual Result<std::size_t> bulk_read(std::span<std::uint8_t> buffer,
                                          Milliseconds timeout) = 0;

    /// One request/answer pair: bulk_write(out) then bulk_read(in), as one call so that a
    /// backend may have the bulk-IN transfer pending while the bulk-OUT one is in flight
    /// (the device NAKs IN tokens until its answer is ready; this saves a host round trip
    /// per CCID command). The read's timeout counts from the write's completion, or for a
    /// backend that submits both at once from the submission plus write_timeout. When the
    /// write fails, or the read can not be set up, nothing is read and only write_error is
    /// set. Blocks. The default performs the two calls one after the other.
    virtual WriteReadOutcome bulk_write_read(std::span<const std::uint8_t> out,
                                             Milliseconds write_timeout,
                                             std::span<std::uint8_t> in,
                                             Milliseconds read_timeout);

    /// A control transfer on endpoint 0. Direction from setup.bmRequestType: IN fills
    /// data (wLength = data.size()) and returns the bytes received; OUT sends data and
    /// returns data.size(). A refused request is UsbError::pipe. Blocks.
    virtual Result<std::size_t> control(const ControlSetup& setup, std::span<std::uint8_t> data,
                                        Milliseconds timeout) = 0;

    /// Keeps one transfer pending on the interrupt-IN endpoint, re-armed after every
    /// packet, until stop_interrupt_listener(), device loss or close. Non-blocking.
    /// Errors: no_endpoint, already_running, no_device, closed.
    virtual std::error_code start_interrupt_listener(InterruptHandler handler) = 0;

    /// Cancels the listener. Off the event thread it blocks until the handler's final
    /// call has returned; on the event thread it only requests the stop. Idempotent.
    virtual void stop_interrupt_listener() = 0;

    /// Clears a stall of an endpoint (CLEAR_FEATURE ENDPOINT_HALT). Blocks.
    virtual std::error_code clear_halt(Endpoint endpoint) = 0;

    /// Ends every pending bulk and control call with UsbError::cancelled (the listener
    /// keeps running). Non-blocking; the ended calls return shortly after.
    virtual void cancel_pending() = 0;

    /// When enabled, every later bulk-OUT transfer whose length is a non-zero multiple of
    /// the bulk-OUT endpoint's wMaxPacketSize is followed by a zero-length packet. A
    /// transfer ends with a packet shorter than wMaxPacketSize (USB 2.0 5.8.3); some
    /// devices wait for that short packet and take a message of whole packets for the
    /// start of a longer one. Off by default; the reader sets it once at open, before its
    /// first transfer (the zero_length_packet reader quirk). Non-blocking.
    virtual void set_zero_length_packet(bool enabled) = 0;
};

}  // namespace tessera::usb
