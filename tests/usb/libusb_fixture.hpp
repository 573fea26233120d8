// Helpers shared by the libusb backend tests: a testbed with loopback devices, a libusb
// context created after them, and bounded waits.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "loopback_model.hpp"
#include "tests/support/byte_patterns.hpp"
#include "transport/usb/libusb_context.hpp"
#include "usb_testbed.hpp"

namespace tessera::usbtest {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using usb::UsbError;

/// Plugs a LoopbackModel and returns its id and its watch.
struct PluggedLoopback {
    emulator::DeviceId id;
    std::shared_ptr<InRequestWatch> watch;
};

inline PluggedLoopback plug_loopback(emulator::UsbTestbed& testbed, LoopbackOptions options = {}) {
    auto model = std::make_unique<LoopbackModel>(options);
    auto watch = model->watch();
    return {testbed.plug(std::move(model)), std::move(watch)};
}

inline usb::UsbContext make_context() {
    auto context = usb::UsbContext::create();
    REQUIRE_MESSAGE(context, context.error().message());
    return std::move(context).value();
}

inline std::unique_ptr<usb::UsbDevice> open_device(usb::UsbContext& context,
                                                   const emulator::UsbTestbed& testbed,
                                                   emulator::DeviceId id) {
    auto device = context.open(testbed.pcscd_device_name(id));
    REQUIRE_MESSAGE(device, device.error().message());
    return std::move(device).value();
}

/// One testbed, one loopback device, one context, the device opened. Members are
/// destroyed in reverse order: port, context, testbed.
struct OneDevice {
    explicit OneDevice(LoopbackOptions options = {})
        : plugged(plug_loopback(testbed, options)),
          context(make_context()),
          port(open_device(context, testbed, plugged.id)) {}

    template <class F>
    decltype(auto) with_model(F&& f) {
        return testbed.with<LoopbackModel>(plugged.id, std::forward<F>(f));
    }

    emulator::UsbTestbed testbed;
    PluggedLoopback plugged;
    usb::UsbContext context;
    std::unique_ptr<usb::UsbDevice> port;
};

/// Collects what an interrupt listener receives, with bounded waits. Thread-safe.
class ListenerLog {
public:
    usb::InterruptHandler handler() {
        return [this](std::error_code error, std::span<const std::uint8_t> data) {
            std::lock_guard lock(mutex_);
            if (error) {
                ++final_calls_;
                final_error_ = error;
            } else {
                packets_.emplace_back(data.begin(), data.end());
                arrivals_.push_back(Clock::now());
            }
            changed_.notify_all();
        };
    }
    bool wait_packets(std::size_t count, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return packets_.size() >= count; });
    }
    bool wait_final(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return final_calls_ > 0; });
    }
    std::vector<Bytes> packets() const {
        std::lock_guard lock(mutex_);
        return packets_;
    }
    std::vector<Clock::time_point> arrivals() const {
        std::lock_guard lock(mutex_);
        return arrivals_;
    }
    int final_calls() const {
        std::lock_guard lock(mutex_);
        return final_calls_;
    }
    std::error_code final_error() const {
        std::lock_guard lock(mutex_);
        return final_error_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Bytes> packets_;
    std::vector<Clock::time_point> arrivals_;
    int final_calls_ = 0;
    std::error_code final_error_;
};

/// Filler data for transfers (tests/support/byte_patterns.hpp).
using test::pattern;

}  // namespace tessera::usbtest
