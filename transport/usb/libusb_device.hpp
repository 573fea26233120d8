// UsbDevice: one opened device with one claimed interface, over libusb (see
// libusb_context.hpp for the event thread). It is a UsbPort (the synchronous contract
// the CCID reader code uses) built on an asynchronous core that is public too:
//
//   submit_bulk_write / submit_bulk_read / submit_interrupt_read / submit_control_*
//     start one transfer and return at once with a Transfer handle, or with the error
//     if it could not be started (no_device, closed, invalid_param, no_memory). An
//     optional CompletionHandler runs on the event thread when it ends; any thread may
//     wait() on the handle or cancel() it.
//
// Threads and locks. Every function is thread-safe. submit_* never block (they only call
// libusb_submit_transfer). Handlers run on the event thread with no UsbDevice lock held
// (libusb's event lock is held: they must not block, must not call blocking functions,
// which return wrong_thread there; they may submit, cancel and close). The handler of a
// started transfer runs exactly once, before the Transfer's waiters are released; the
// handler of a transfer that could not be started never runs (the error is returned).
//
// Device loss. The first sign that the device is gone (a transfer ending with
// LIBUSB_TRANSFER_NO_DEVICE, a submission failing with LIBUSB_ERROR_NO_DEVICE, or the
// libusb hotplug "device left" event) marks the device gone: every pending transfer is
// cancelled and ends with UsbError::no_device, and later submissions fail at once with it.
//
// Close. close() (and the destructor) marks the device closed (later submissions fail
// with UsbError::closed), cancels every pending transfer, waits until all of them have
// completed and their handlers have run (bounded by UsbContextOptions::close_timeout;
// on the event thread it does not wait), then releases the interface and closes the
// handle. Transfers keep what they use alive, so no memory is freed under libusb even if
// the wait times out: the handle is then closed when the last transfer completes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <system_error>
#include <vector>

#include "transport/usb/usb_port.hpp"

namespace tessera::usb {

namespace detail {
class DeviceCore;
struct TransferState;
}  // namespace detail

/// How a transfer ended.
struct TransferOutcome {
    std::error_code error;              // empty on success
    std::size_t actual_length = 0;      // bytes transferred (control: data stage only)
    std::vector<std::uint8_t> data;     // IN transfers: the bytes received
};

/// Runs on the event thread when a transfer ends (see the thread rules above).
using CompletionHandler = std::function<void(const TransferOutcome&)>;

/// A handle on one submitted transfer. Copyable; all copies refer to the same transfer.
/// The transfer runs to its end whether or not handles remain.
class Transfer {
public:
    Transfer() = default;

    bool valid() const noexcept { return state_ != nullptr; }
    /// Non-blocking.
    bool done() const;
    /// Blocks until the transfer has ended and returns its outcome. On the event thread
    /// it does not block: if the transfer has not ended it returns wrong_thread.
    TransferOutcome wait() const;
    /// Blocks at most `timeout`; true if the transfer has ended.
    bool wait_for(Milliseconds timeout) const;
    /// Asks libusb to cancel; the transfer then ends with UsbError::cancelled (or with
    /// its real outcome if it ended first). Non-blocking, idempotent.
    void cancel() const;

private:
    friend class detail::DeviceCore;
    explicit Transfer(std::shared_ptr<detail::TransferState> state) : state_(std::move(state)) {}
    std::shared_ptr<detail::TransferState> state_;
};

class UsbDevice final : public UsbPort {
public:
    ~UsbDevice() override;
    UsbDevice(const UsbDevice&) = delete;
    UsbDevice& operator=(const UsbDevice&) = delete;

    /// See "Close" above. Idempotent.
    void close();
    /// True once the device is known to be gone.
    bool gone() const;

    // Asynchronous core. A timeout of zero means none. `endpoint` is any endpoint
    // address of the claimed interface.
    Result<Transfer> submit_bulk_write(std::uint8_t endpoint, std::vector<std::uint8_t> data,
                               Milliseconds timeout, CompletionHandler handler = {});
    Result<Transfer> submit_bulk_read(std::uint8_t endpoint, std::size_t length, Milliseconds timeout,
                              CompletionHandler handler = {});
    Result<Transfer> submit_interrupt_read(std::uint8_t endpoint, std::size_t length,
                                   Milliseconds timeout, CompletionHandler handler = {});
    /// setup must be device-to-host; wLength = length.
    Result<Transfer> submit_control_in(const ControlSetup& setup, std::uint16_t length,
                               Milliseconds timeout, CompletionHandler handler = {});
    /// setup must be host-to-device; wLength = data.size().
    Result<Transfer> submit_control_out(const ControlSetup& setup, std::vector<std::uint8_t> data,
                                Milliseconds timeout, CompletionHandler handler = {});

    // UsbPort (synchronous; see usb_port.hpp).
    const UsbPortInfo& info() const override;
    std::error_code bulk_write(std::span<const std::uint8_t> data, Milliseconds timeout) override;
    Result<std::size_t> bulk_read(std::span<std::uint8_t> buffer, Milliseconds timeout) override;
    /// Submits the bulk-IN transfer, then the bulk-OUT one, then waits: the answer can
    /// complete in the same event round as the message. The IN's timeout is
    /// read_timeout + write_timeout from its submission.
    WriteReadOutcome bulk_write_read(std::span<const std::uint8_t> out, Milliseconds write_timeout,
                                     std::span<std::uint8_t> in, Milliseconds read_timeout) override;
    Result<std::size_t> control(const ControlSetup& setup, std::span<std::uint8_t> data,
                                Milliseconds timeout) override;
    std::error_code start_interrupt_listener(InterruptHandler handler) override;
    void stop_interrupt_listener() override;
    std::error_code clear_halt(Endpoint endpoint) override;
    void cancel_pending() override;
    /// Applies to submit_bulk_write too: LIBUSB_TRANSFER_ADD_ZERO_PACKET (Linux usbfs).
    void set_zero_length_packet(bool enabled) override;

    /// Made by UsbContext::open only (the core type is internal).
    explicit UsbDevice(std::shared_ptr<detail::DeviceCore> core);

private:
    std::shared_ptr<detail::DeviceCore> core_;
};

}  // namespace tessera::usb
