// Internals of the libusb backend shared by libusb_context.cpp and libusb_device.cpp.
// Not an interface: include only from those two files.
//
// Ownership. UsbContext holds a ContextCore; each UsbDevice holds a DeviceCore, which
// holds its ContextCore. A TransferState holds its DeviceCore, and while the transfer is
// in flight the DeviceCore holds the TransferState (in_flight_), so nothing libusb may
// still touch is freed: the libusb_transfer and its buffer die with the TransferState,
// after the completion callback. The cycle is broken when the transfer ends.
//
// Locks. DeviceCore::mutex_ guards the device state, in_flight_, listener_ and the
// `submitted` / `cancel_reason` fields of its transfers; TransferState::mutex_ guards the
// outcome. Only clear_halt calls libusb with DeviceCore::mutex_ held (a plain ioctl that
// takes no libusb lock); no lock is held while a user handler runs. Lock order:
// DeviceCore::mutex_ before TransferState::mutex_. ContextCore::devices_mutex_ is never
// held with the other two.
//
// Cancellation. A transfer is added to in_flight_ before libusb_submit_transfer and its
// `submitted` flag is set after; whoever wants it cancelled records a cancel_reason
// under the lock and calls libusb_cancel_transfer only if it was submitted. The submitter
// re-checks cancel_reason after submitting, so a cancel racing with a submission is
// never lost.
#pragma once

#include <libusb.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "transport/usb/libusb_context.hpp"
#include "transport/usb/libusb_device.hpp"

namespace tessera::usb::detail {

class DeviceCore;

struct TransferFree {
    void operator()(libusb_transfer* transfer) const noexcept { libusb_free_transfer(transfer); }
};
using TransferPtr = std::unique_ptr<libusb_transfer, TransferFree>;

enum class TransferKind { bulk_out, bulk_in, interrupt_in, control_in, control_out };

struct TransferState {
    std::shared_ptr<DeviceCore> device;
    TransferPtr transfer;
    std::vector<std::uint8_t> buffer;  // what libusb reads from / writes into
    TransferKind kind = TransferKind::bulk_in;
    CompletionHandler handler;         // one-shot transfers
    InterruptHandler listener;         // the interrupt listener (re-armed transfer)

    // Guarded by DeviceCore::mutex_.
    bool submitted = false;                 // libusb may hold it right now
    bool stop_requested = false;            // listener: do not re-arm
    std::optional<UsbError> cancel_reason;  // why it was (or is to be) cancelled

    std::mutex mutex_;
    std::condition_variable ended_;
    bool done_ = false;
    TransferOutcome outcome_;

    void finish(TransferOutcome outcome);  // sets the outcome, wakes waiters
    bool wait_until_done(Milliseconds timeout);  // zero: unbounded
};

class ContextCore : public std::enable_shared_from_this<ContextCore> {
public:
    explicit ContextCore(UsbContextOptions options);
    ~ContextCore();
    ContextCore(const ContextCore&) = delete;
    ContextCore& operator=(const ContextCore&) = delete;

    std::error_code start();
    void shutdown();

    Result<std::unique_ptr<UsbDevice>> open(const UsbDeviceSelector& selector);
    std::vector<UsbDeviceSummary> devices();
    UsbCounters counters() const;
    bool on_event_thread() const;
    void log(std::string_view line) const;

    // For DeviceCore.
    libusb_context* libusb() const noexcept { return ctx_; }
    void note_submitted();
    /// Runs `task` later on the event thread, outside libusb's event handling (for work
    /// that must not run inside a transfer callback, such as libusb_close).
    void defer(std::function<void()> task);
    Milliseconds close_timeout() const noexcept { return options_.close_timeout; }

private:
    static void LIBUSB_CALL on_pollfd_added(int fd, short events, void* user);
    static void LIBUSB_CALL on_pollfd_removed(int fd, void* user);
    static int LIBUSB_CALL on_hotplug(libusb_context*, libusb_device* device,
                                      libusb_hotplug_event event, void* user);
    void watch(int fd, short events) const;
    void unwatch(int fd) const;
    bool ready_now() const;
    void arm_wait();
    void handle_events();    // one pass over libusb's ready descriptors
    void handle_timeouts();  // the steady_timer fired (platforms without a timerfd)
    void update_timer();
    void run();

    UsbContextOptions options_;
    libusb_context* ctx_ = nullptr;
    int epoll_fd_ = -1;  // owned by epoll_
    bool timer_by_fd_ = true;  // libusb_pollfds_handle_timeouts: no steady_timer needed
    std::optional<libusb_hotplug_callback_handle> hotplug_;

    mutable boost::asio::io_context io_{1};
    boost::asio::posix::stream_descriptor epoll_{io_};
    boost::asio::steady_timer timer_{io_};
    bool timer_armed_ = false;  // event thread only
    bool stopping_ = false;     // event thread only: shutdown has begun
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::thread thread_;

    std::atomic<std::uint64_t> submitted_{0};
    std::atomic<std::uint64_t> wakeups_{0};

    std::mutex devices_mutex_;
    bool stopped_ = false;
    std::vector<std::weak_ptr<DeviceCore>> devices_;
};

class DeviceCore : public std::enable_shared_from_this<DeviceCore> {
public:
    /// Takes over `handle` (its interface `info.interface` already claimed).
    DeviceCore(std::shared_ptr<ContextCore> context, libusb_device_handle* handle,
               UsbPortInfo info);
    ~DeviceCore();
    DeviceCore(const DeviceCore&) = delete;
    DeviceCore& operator=(const DeviceCore&) = delete;

    const UsbPortInfo& info() const noexcept { return info_; }
    /// For matching hotplug events only; never dereferenced.
    const libusb_device* device_key() const noexcept { return device_key_; }
    ContextCore& context() const noexcept { return *context_; }

    Result<Transfer> submit(TransferKind kind, std::uint8_t endpoint,
                            std::vector<std::uint8_t> buffer, Milliseconds timeout,
                            CompletionHandler handler);
    std::error_code start_listener(InterruptHandler handler);
    void stop_listener();
    std::error_code clear_halt(std::uint8_t endpoint);
    void cancel(TransferState& state);
    void cancel_pending();
    void mark_gone();
    /// Returns true once the handle is released (false: transfers still pending after
    /// the close timeout; the handle is then released when the last one completes).
    bool close();
    bool gone() const;
    /// LIBUSB_TRANSFER_ADD_ZERO_PACKET on every later bulk-OUT transfer (UsbPort).
    void set_zero_length_packet(bool enabled) noexcept { zero_length_packet_.store(enabled); }

    static void LIBUSB_CALL on_transfer_done(libusb_transfer* transfer);

private:
    enum class State { open, gone, closed };

    std::error_code check_usable_locked() const;
    std::error_code submit_prepared(const std::shared_ptr<TransferState>& state, bool rearm);
    UsbError stop_reason_locked(const TransferState& state) const;
    bool listener_should_stop(const TransferState& state) const;
    void complete(TransferState& state);
    void complete_listener(const std::shared_ptr<TransferState>& state, TransferOutcome outcome);
    void end_transfer(const std::shared_ptr<TransferState>& state);
    TransferOutcome outcome_of(TransferState& state);
    std::vector<std::shared_ptr<TransferState>> request_cancel_locked(UsbError reason,
                                                                       bool with_listener);
    void release_handle();

    std::shared_ptr<ContextCore> context_;
    const libusb_device* const device_key_;
    const UsbPortInfo info_;

    mutable std::mutex mutex_;
    std::condition_variable drained_;
    State state_ = State::open;
    bool lost_ = false;  // the device is known to be gone
    libusb_device_handle* handle_ = nullptr;  // null once released
    libusb_device* device_ = nullptr;         // referenced until the handle is released
    bool release_when_drained_ = false;
    std::unordered_map<TransferState*, std::shared_ptr<TransferState>> in_flight_;
    std::shared_ptr<TransferState> listener_;
    std::atomic<bool> zero_length_packet_{false};
};

}  // namespace tessera::usb::detail
