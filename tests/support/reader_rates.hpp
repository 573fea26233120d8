// Rate-choice inputs shared by the tests of iso7816::choose_rates and of the simulated
// cards' PPS: the protocol bits of a request and the reader most tests negotiate with.
#pragma once

#include <cstddef>
#include <cstdint>

#include "iso7816/rate_choice.hpp"

namespace tessera::test {

/// Bits of RateRequest::protocols and CardRates::offered_protocols (bit T for T=T).
inline constexpr std::uint16_t kT0 = 0x0001;
inline constexpr std::uint16_t kT1 = 0x0002;

/// SCM SCR3310: dwDefaultClock 4 MHz, dwMaximumClock 8 MHz, dwMaxDataRate 344105, no
/// clock or data rate lists.
iso7816::ReaderRates scr3310();

/// A request for the protocols in `protocols` (kT0 | kT1), at most
/// `max_pps_candidates` PPS attempts per protocol (RateRequest's default otherwise).
iso7816::RateRequest wants(std::uint16_t protocols,
                           std::size_t max_pps_candidates = iso7816::RateRequest{}.max_pps_candidates);

}  // namespace tessera::test
