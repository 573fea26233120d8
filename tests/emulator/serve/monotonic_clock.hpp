// The emulator's timestamps: CLOCK_MONOTONIC in nanoseconds. The clock is the same for
// every process of the machine, so a client can subtract the time the emulator printed
// for a change from the time it saw the change and get the notification latency.
#pragma once

#include <time.h>

#include <cstdint>

namespace tessera::emulator::serve {

/// Nanoseconds of CLOCK_MONOTONIC. Thread-safe, never fails on Linux.
inline std::uint64_t monotonic_ns() noexcept {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(now.tv_nsec);
}

}  // namespace tessera::emulator::serve
