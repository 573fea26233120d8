// ISO/IEC 7816-3 timing: elementary time unit and waiting times, as durations for a
// given clock frequency. All results are rounded up (a timeout must never be shorter
// than the specification allows) and saturate instead of overflowing.
#pragma once

#include <chrono>
#include <cstdint>

namespace tessera::iso7816 {

/// The link parameters that timing depends on: card clock f (Hz) and the Fi/Di in force.
struct LinkRate {
    std::uint32_t clock_hz = 4'000'000;
    std::uint16_t fi = 372;
    std::uint8_t di = 1;
};

/// Data rate in bits per second: f x D / F (ISO 7816-3 7.1).
std::uint32_t bits_per_second(const LinkRate& rate);

/// Duration of `etus` elementary time units, 1 etu = (F / D) x (1 / f) (ISO 7816-3 7.1).
std::chrono::microseconds etu_duration(const LinkRate& rate, std::uint64_t etus);

/// T=0 waiting time WT = WI x 960 x Fi / f (ISO 7816-3 10.2). WI = 0 is invalid in an ATR
/// and treated here as the default 10.
std::chrono::microseconds t0_waiting_time(const LinkRate& rate, std::uint8_t wi);

/// T=1 block waiting time BWT = 11 etu + 2^BWI x 960 x Fd / f, Fd = 372
/// (ISO 7816-3 11.4.3); bwi is 0..9 (greater values are clamped to 9).
std::chrono::microseconds t1_block_waiting_time(const LinkRate& rate, std::uint8_t bwi);

/// T=1 character waiting time CWT = (11 + 2^CWI) etu (ISO 7816-3 11.4.3); cwi 0..15.
std::chrono::microseconds t1_character_waiting_time(const LinkRate& rate, std::uint8_t cwi);

/// Round a duration up to whole milliseconds (for APIs that take ms timeouts).
std::chrono::milliseconds ceil_ms(std::chrono::microseconds duration);

}  // namespace tessera::iso7816
