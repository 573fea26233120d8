// ISO/IEC 7816-3:2006 Tables 7 and 8 (Fi, fmax, Di) and the timing formulas of 7.1,
// 10.2 and 11.4.3, checked against values computed by hand.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <limits>

#include "iso7816/tables.hpp"
#include "iso7816/timing.hpp"

using namespace tessera::iso7816;
using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST_CASE("Table 7: Fi and fmax for every FI, reserved values rejected") {
    const std::uint16_t fi[16] = {372, 372, 558, 744,  1116, 1488, 1860, 0,
                                  0,   512, 768, 1024, 1536, 2048, 0,    0};
    const std::uint32_t fmax[16] = {4000, 5000, 6000, 8000,  12000, 16000, 20000, 0,
                                    0,    5000, 7500, 10000, 15000, 20000, 0,     0};
    for (std::uint8_t index = 0; index < 16; ++index) {
        INFO("FI = ", int(index));
        if (fi[index] == 0) {
            CHECK_FALSE(fi_from_index(index).has_value());
            CHECK_FALSE(fmax_khz_from_index(index).has_value());
        } else {
            CHECK(fi_from_index(index) == fi[index]);
            CHECK(fmax_khz_from_index(index) == fmax[index]);
        }
    }
    CHECK_FALSE(fi_from_index(16).has_value());
    CHECK_FALSE(fmax_khz_from_index(255).has_value());
}

TEST_CASE("Table 8: Di for every DI, reserved values rejected") {
    const std::uint8_t di[16] = {0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0};
    for (std::uint8_t index = 0; index < 16; ++index) {
        INFO("DI = ", int(index));
        if (di[index] == 0) {
            CHECK_FALSE(di_from_index(index).has_value());
        } else {
            CHECK(di_from_index(index) == di[index]);
        }
    }
    CHECK_FALSE(di_from_index(16).has_value());
}

TEST_CASE("Reverse lookups: the nibble for an Fi or Di value") {
    CHECK(fi_index_of(372) == 1);  // 1, not 0: TA1 = 11 is the default
    CHECK(fi_index_of(558) == 2);
    CHECK(fi_index_of(512) == 9);
    CHECK(fi_index_of(2048) == 0xD);
    CHECK_FALSE(fi_index_of(0).has_value());
    CHECK_FALSE(fi_index_of(373).has_value());
    CHECK(di_index_of(1) == 1);
    CHECK(di_index_of(12) == 8);
    CHECK(di_index_of(20) == 9);
    CHECK(di_index_of(64) == 7);
    CHECK_FALSE(di_index_of(0).has_value());
    CHECK_FALSE(di_index_of(3).has_value());
    CHECK(kDefaultFi == 372);
    CHECK(kDefaultDi == 1);
    CHECK(kDefaultFiDiByte == 0x11);
}

TEST_CASE("Data rate f x D / F") {
    CHECK(bits_per_second({.clock_hz = 3'571'200, .fi = 372, .di = 1}) == 9600);
    CHECK(bits_per_second({.clock_hz = 4'000'000, .fi = 372, .di = 1}) == 10752);  // 10752.7
    CHECK(bits_per_second({.clock_hz = 4'000'000, .fi = 372, .di = 12}) == 129032);
    CHECK(bits_per_second({.clock_hz = 20'000'000, .fi = 512, .di = 32}) == 1'250'000);
    CHECK(bits_per_second({.clock_hz = 4'000'000, .fi = 0, .di = 1}) == 0);
}

TEST_CASE("ETU duration, rounded up to whole microseconds") {
    const LinkRate default_rate{.clock_hz = 4'000'000, .fi = 372, .di = 1};
    CHECK(etu_duration(default_rate, 1) == microseconds(93));  // 372 / 4 MHz
    CHECK(etu_duration(default_rate, 12) == microseconds(1116));
    CHECK(etu_duration(default_rate, 0) == microseconds(0));
    // 372 / 3.5712 MHz = 104.17 us
    CHECK(etu_duration({.clock_hz = 3'571'200, .fi = 372, .di = 1}, 1) == microseconds(105));
    CHECK(etu_duration({.clock_hz = 3'571'200, .fi = 372, .di = 1}, 6) == microseconds(625));
    // 372 / (2 x 4 MHz) = 46.5 us
    CHECK(etu_duration({.clock_hz = 4'000'000, .fi = 372, .di = 2}, 1) == microseconds(47));
    CHECK(etu_duration({.clock_hz = 4'000'000, .fi = 372, .di = 2}, 2) == microseconds(93));
}

TEST_CASE("T=0 WT = WI x 960 x Fi / f") {
    const LinkRate rate{.clock_hz = 4'000'000, .fi = 372, .di = 1};
    // 10 x 960 = 9600 etu of 93 us = 892.8 ms
    CHECK(t0_waiting_time(rate, 10) == microseconds(892'800));
    CHECK(ceil_ms(t0_waiting_time(rate, 10)) == milliseconds(893));
    CHECK(t0_waiting_time(rate, 1) == microseconds(89'280));
    CHECK(t0_waiting_time(rate, 255) == microseconds(22'766'400));
    CHECK(t0_waiting_time(rate, 0) == t0_waiting_time(rate, 10));
    // WT uses Fi, not the ETU: Di does not change it. 10 x 960 x 512 / 5 MHz = 983.04 ms
    CHECK(t0_waiting_time({.clock_hz = 5'000'000, .fi = 512, .di = 8}, 10) ==
          microseconds(983'040));
    // 960 x 372 / 3.5712 MHz = 100 ms exactly
    CHECK(t0_waiting_time({.clock_hz = 3'571'200, .fi = 372, .di = 1}, 1) == microseconds(100'000));
    // 960 x 558 / 4 MHz = 133.92 ms
    CHECK(t0_waiting_time({.clock_hz = 4'000'000, .fi = 558, .di = 1}, 1) == microseconds(133'920));
    // 960 x 372 / 3.5 MHz = 102.034285.. ms: rounded up
    CHECK(t0_waiting_time({.clock_hz = 3'500'000, .fi = 372, .di = 1}, 1) == microseconds(102'035));
}

TEST_CASE("T=1 BWT = 11 etu + 2^BWI x 960 x 372 / f") {
    const LinkRate rate{.clock_hz = 4'000'000, .fi = 372, .di = 1};
    // 11 x 93 us + 16 x 960 x 372 / 4 MHz = 1023 us + 1 428 480 us
    CHECK(t1_block_waiting_time(rate, 4) == microseconds(1'429'503));
    CHECK(ceil_ms(t1_block_waiting_time(rate, 4)) == milliseconds(1430));
    CHECK(t1_block_waiting_time(rate, 0) == microseconds(1023 + 89'280));
    CHECK(t1_block_waiting_time(rate, 9) == microseconds(1023 + 45'711'360));
    CHECK(t1_block_waiting_time(rate, 10) == t1_block_waiting_time(rate, 9));
    CHECK(t1_block_waiting_time(rate, 255) == t1_block_waiting_time(rate, 9));
    // With Di = 2 the 11 etu shrink to 511.5 us; the 2^BWI term keeps Fd = 372:
    // 511.5 + 1 428 480 = 1 428 991.5 -> rounded up
    CHECK(t1_block_waiting_time({.clock_hz = 4'000'000, .fi = 372, .di = 2}, 4) ==
          microseconds(1'428'992));
    // Fi = 512, Di = 8 at 5 MHz: 11 x 12.8 us + 16 x 960 x 372 / 5 MHz
    // = 140.8 + 1 142 784 = 1 142 924.8 us
    CHECK(t1_block_waiting_time({.clock_hz = 5'000'000, .fi = 512, .di = 8}, 4) ==
          microseconds(1'142'925));
}

TEST_CASE("T=1 CWT = (11 + 2^CWI) etu") {
    const LinkRate rate{.clock_hz = 4'000'000, .fi = 372, .di = 1};
    CHECK(t1_character_waiting_time(rate, 13) == microseconds(8203 * 93));  // 762 879 us
    CHECK(ceil_ms(t1_character_waiting_time(rate, 13)) == milliseconds(763));
    CHECK(t1_character_waiting_time(rate, 0) == microseconds(12 * 93));
    CHECK(t1_character_waiting_time(rate, 15) == microseconds((11 + 32768) * 93));
    CHECK(t1_character_waiting_time(rate, 16) == t1_character_waiting_time(rate, 15));
    // 46.5 us etu: 12 etu = 558 us, 13 etu = 604.5 -> 605 us
    const LinkRate fast{.clock_hz = 4'000'000, .fi = 372, .di = 2};
    CHECK(t1_character_waiting_time(fast, 0) == microseconds(558));
    CHECK(t1_character_waiting_time(fast, 1) == microseconds(605));
}

TEST_CASE("ceil_ms rounds up") {
    CHECK(ceil_ms(microseconds(0)) == milliseconds(0));
    CHECK(ceil_ms(microseconds(1)) == milliseconds(1));
    CHECK(ceil_ms(microseconds(1000)) == milliseconds(1));
    CHECK(ceil_ms(microseconds(1001)) == milliseconds(2));
}

TEST_CASE("Timing saturates instead of dividing by zero or overflowing") {
    CHECK(etu_duration({.clock_hz = 0, .fi = 372, .di = 1}, 1) == microseconds::max());
    CHECK(etu_duration({.clock_hz = 4'000'000, .fi = 372, .di = 0}, 1) == microseconds::max());
    CHECK(t0_waiting_time({.clock_hz = 0, .fi = 372, .di = 1}, 10) == microseconds::max());
    CHECK(t1_block_waiting_time({.clock_hz = 0, .fi = 372, .di = 1}, 4) == microseconds::max());
    CHECK(t1_block_waiting_time({.clock_hz = 4'000'000, .fi = 372, .di = 0}, 4) ==
          microseconds::max());
    CHECK(etu_duration({.clock_hz = 1, .fi = 2048, .di = 1},
                       std::numeric_limits<std::uint64_t>::max()) == microseconds::max());
}
