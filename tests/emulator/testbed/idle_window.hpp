// IdleWindow: "nothing happens while idle", measured through the real libusb against the
// testbed. It first waits (bounded, 2 s) for a 100 ms quiet spell, since libusb ends each
// event pass with one more reap that finds nothing and nothing signals its end; then it
// takes the baseline, lets `window` pass, and reads the counters again: the backend's
// (transfers submitted, event-thread wake-ups) and the device's (URBs, ioctls).
//
// Context is anything with counters() returning usb::UsbCounters (the libusb context);
// header-only so that the testbed library does not depend on the libusb backend.
// check_idle() prints the figures under `label` and CHECKs that none moved.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "usb_testbed.hpp"

namespace tessera::emulator {

template <class BackendCounters>
struct IdleWindow {
    BackendCounters backend_before{};
    BackendCounters backend_after{};
    UsbTestbedCounters device_before{};
    UsbTestbedCounters device_after{};
};

template <class Context>
auto measure_idle(const Context& context, const UsbTestbed& testbed, DeviceId id,
                  std::chrono::milliseconds window) {
    using namespace std::chrono_literals;
    IdleWindow<decltype(context.counters())> idle;
    idle.backend_before = context.counters();
    idle.device_before = testbed.counters(id);
    for (const auto deadline = std::chrono::steady_clock::now() + 2s;
         std::chrono::steady_clock::now() < deadline;) {
        std::this_thread::sleep_for(100ms);
        const auto backend_now = context.counters();
        const auto device_now = testbed.counters(id);
        const bool quiet = backend_now.wakeups == idle.backend_before.wakeups &&
                           device_now.ioctls == idle.device_before.ioctls;
        idle.backend_before = backend_now;
        idle.device_before = device_now;
        if (quiet) break;
    }
    std::this_thread::sleep_for(window);  // the thing measured: a window of nothing
    idle.backend_after = context.counters();
    idle.device_after = testbed.counters(id);
    return idle;
}

template <class BackendCounters>
void check_idle(const char* label, const IdleWindow<BackendCounters>& idle) {
    const auto ull = [](auto value) { return static_cast<unsigned long long>(value); };
    std::printf("%s: backend transfers %llu -> %llu, wake-ups %llu -> %llu; "
                "device URBs %llu -> %llu, ioctls %llu -> %llu\n",
                label, ull(idle.backend_before.transfers_submitted),
                ull(idle.backend_after.transfers_submitted), ull(idle.backend_before.wakeups),
                ull(idle.backend_after.wakeups), ull(idle.device_before.urbs_submitted),
                ull(idle.device_after.urbs_submitted), ull(idle.device_before.ioctls),
                ull(idle.device_after.ioctls));
    CHECK(idle.backend_before.transfers_submitted > 0);
    CHECK(idle.backend_after.transfers_submitted == idle.backend_before.transfers_submitted);
    CHECK(idle.backend_after.wakeups == idle.backend_before.wakeups);
    CHECK(idle.device_after.urbs_submitted == idle.device_before.urbs_submitted);
    CHECK(idle.device_after.ioctls == idle.device_before.ioctls);
}

}  // namespace tessera::emulator
