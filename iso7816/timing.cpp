#include "iso7816/timing.hpp"

#include <algorithm>
#include <limits>

namespace tessera::iso7816 {

namespace {
using std::chrono::microseconds;

// ceil(numerator * 1e6 / denominator) microseconds, saturating.
microseconds ceil_us(unsigned __int128 numerator, unsigned __int128 denominator) {
    if (denominator == 0) {
        return microseconds::max();
    }
    const unsigned __int128 us = (numerator * 1'000'000 + denominator - 1) / denominator;
    const auto max = static_cast<unsigned __int128>(std::numeric_limits<microseconds::rep>::max());
    return microseconds(static_cast<microseconds::rep>(std::min(us, max)));
}
}  // namespace

std::uint32_t bits_per_second(const LinkRate& rate) {
    if (rate.fi == 0) {
        return 0;
    }
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(rate.clock_hz) * rate.di /
                                      rate.fi);
}

microseconds etu_duration(const LinkRate& rate, std::uint64_t etus) {
    // etus x F / (D x f) seconds.
    return ceil_us(static_cast<unsigned __int128>(etus) * rate.fi,
                   static_cast<unsigned __int128>(rate.di) * rate.clock_hz);
}

microseconds t0_waiting_time(const LinkRate& rate, std::uint8_t wi) {
    const unsigned effective_wi = wi == 0 ? 10 : wi;
    return ceil_us(static_cast<unsigned __int128>(effective_wi) * 960 * rate.fi, rate.clock_hz);
}

microseconds t1_block_waiting_time(const LinkRate& rate, std::uint8_t bwi) {
    const unsigned shift = std::min<unsigned>(bwi, 9);
    // 11 etu + 2^BWI x 960 x 372 / f, summed over a common denominator D x f.
    const unsigned __int128 denominator = static_cast<unsigned __int128>(rate.di) * rate.clock_hz;
    const unsigned __int128 numerator =
        static_cast<unsigned __int128>(11) * rate.fi +
        (static_cast<unsigned __int128>(1) << shift) * 960 * 372 * rate.di;
    return ceil_us(numerator, denominator);
}

microseconds t1_character_waiting_time(const LinkRate& rate, std::uint8_t cwi) {
    const unsigned shift = std::min<unsigned>(cwi, 15);
    return etu_duration(rate, 11 + (std::uint64_t{1} << shift));
}

std::chrono::milliseconds ceil_ms(microseconds duration) {
    return std::chrono::ceil<std::chrono::milliseconds>(duration);
}

}  // namespace tessera::iso7816
