// ModelPort: a UsbPort served straight from a UsbDeviceModel, in memory, without libusb or
// umockdev; the fast host for tests of the reader code against the emulated CCID reader.
//
// It owns the model. One mutex serialises every call into the model. Following the
// model's contract (usb_device_model.hpp):
//   bulk_write, control, clear_halt   one call into the model each;
//   bulk_read                         asks the model's in(); while it answers `pending`
//                                     the caller waits on a condition variable, bounded
//                                     by its timeout, and asks again after every later
//                                     call into the model that could change it (an OUT
//                                     transfer, a control request, a completed IN, a
//                                     clear_halt, a with_model() change);
//   interrupt listener                its own thread does the same for interrupt-IN and
//                                     calls the handler, without the lock, per packet.
// An answer of `gone` from any call marks the device gone: every waiter (bulk, control,
// listener) ends promptly with UsbError::no_device and every later call fails with it;
// the model is never called again. cancel_pending() ends the bulk and control calls
// waiting at that moment with UsbError::cancelled. A read that times out tells the model
// (cancelled(endpoint)) so that what it was about to send stays queued.
//
// Threads: every UsbPort function may be called from any thread (UsbPort rules). The
// listener thread is the "event thread": blocking calls made from the handler return
// UsbError::wrong_thread. with_model() runs its function under the lock (it must not
// call the port) and wakes the waiters afterwards.
// Lifetime: the destructor stops the listener and wakes every waiter with closed; no other
// thread may be inside a port function by then.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>

#include "base/result.hpp"
#include "tests/emulator/usb_device_model.hpp"
#include "transport/usb/usb_port.hpp"

namespace tessera::emulator {

/// Transfers served, by kind.
struct ModelPortCounters {
    std::size_t bulk_out = 0;
    std::size_t bulk_in = 0;       // completed bulk-IN transfers
    std::size_t control = 0;
    std::size_t interrupt_in = 0;  // packets delivered to the handler
    std::size_t clear_halt = 0;
    std::size_t in_polls = 0;      // calls of the model's in() (pending ones included)
    std::size_t zero_length_packets = 0;  // after whole-packet bulk-OUT transfers
};

/// The endpoints of the first interface of class `interface_class` (0x0B: CCID) in the
/// model's configuration descriptor. Errors: UsbError::bad_descriptor, not_found.
Result<usb::UsbPortInfo> port_info_for(const UsbIdentity& identity,
                                       std::uint8_t interface_class = 0x0B);

class ModelPort final : public usb::UsbPort {
public:
    /// Serves `model` with the endpoints of `info`.
    ModelPort(std::unique_ptr<UsbDeviceModel> model, usb::UsbPortInfo info);
    /// Serves `model` with port_info_for(model->identity()). Errors: as port_info_for.
    static Result<std::unique_ptr<ModelPort>> create(std::unique_ptr<UsbDeviceModel> model,
                                                     std::uint8_t interface_class = 0x0B);
    ~ModelPort() override;
    ModelPort(const ModelPort&) = delete;
    ModelPort& operator=(const ModelPort&) = delete;

    const usb::UsbPortInfo& info() const override { return info_; }
    std::error_code bulk_write(std::span<const std::uint8_t> data, usb::Milliseconds timeout) override;
    Result<std::size_t> bulk_read(std::span<std::uint8_t> buffer, usb::Milliseconds timeout) override;
    Result<std::size_t> control(const usb::ControlSetup& setup, std::span<std::uint8_t> data,
                                usb::Milliseconds timeout) override;
    std::error_code start_interrupt_listener(usb::InterruptHandler handler) override;
    void stop_interrupt_listener() override;
    std::error_code clear_halt(usb::Endpoint endpoint) override;
    void cancel_pending() override;
    /// Counts the zero-length packets it would send (counters()); the model receives
    /// whole transfers either way.
    void set_zero_length_packet(bool enabled) override;

    /// Runs f(model) under the port's lock (f must not call the port), then wakes every
    /// waiter so that pending IN transfers are asked again. Returns f's result. After the
    /// device is gone f still runs (tests may inspect the model) but nothing is woken.
    template <class F>
    auto with_model(F&& f) -> std::invoke_result_t<F, UsbDeviceModel&> {
        using R = std::invoke_result_t<F, UsbDeviceModel&>;
        std::unique_lock lock(mutex_);
        if constexpr (std::is_void_v<R>) {
            std::forward<F>(f)(*model_);
            model_changed(lock);
        } else {
            R result = std::forward<F>(f)(*model_);
            model_changed(lock);
            return result;
        }
    }

    ModelPortCounters counters() const;
    bool gone() const;

private:
    void model_changed(std::unique_lock<std::mutex>& lock);
    std::error_code refuse(bool blocking) const;  // caller holds the lock
    void mark_gone();                              // caller holds the lock
    void listen(usb::InterruptHandler handler);

    const usb::UsbPortInfo info_;
    std::unique_ptr<UsbDeviceModel> model_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::uint64_t generation_ = 0;    // grows after every call that may change an IN answer
    std::uint64_t cancel_epoch_ = 0;  // grows with every cancel_pending()
    bool gone_ = false;
    bool closed_ = false;
    bool stop_listener_ = false;
    bool listener_active_ = false;
    bool zero_length_packet_ = false;
    ModelPortCounters counters_;
    std::thread listener_;
    std::thread::id listener_id_;
};

}  // namespace tessera::emulator
