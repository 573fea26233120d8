// The interface device's side of ISO/IEC 7816-3 sections 8 and 9 as the core runs it,
// against a sim::Card: the wire ATR read (convention from TS, 8.1) and parsed (8.2), the
// rates chosen (iso7816::choose_rates) and the PPS exchange with its fallback (9).
#pragma once

#include <cstddef>
#include <optional>
#include <system_error>
#include <vector>

#include "iso7816/atr.hpp"
#include "base/bytes.hpp"
#include "iso7816/rate_choice.hpp"
#include "tests/sim/card.hpp"

namespace tessera::card_test {

/// What a reader reads off the contacts: the convention from the first byte, then the
/// decoded ATR (REQUIREs both; CHECKs that the ATR names the same convention).
iso7816::Atr read_atr(const Bytes& wire);

/// The rate-choice view of a parsed ATR.
iso7816::CardRates rates_of(const iso7816::Atr& atr);

struct Negotiation {
    std::vector<Bytes> atrs;  // every wire ATR read, in order
    iso7816::Atr atr;         // the last one, parsed
    std::optional<iso7816::LinkChoice> link;
    std::error_code error;
    std::vector<Bytes> requests;
    std::vector<Bytes> answers;
    std::vector<std::error_code> faults;
    std::size_t cold_resets = 0;
    bool warm_reset = false;
};

/// Cold reset, ATR, plan, PPS (or none), and on a refused or wrong answer a new cold reset
/// and the plan's next candidate; a warm reset first when the plan says so.
Negotiation negotiate(sim::Card& card, const iso7816::ReaderRates& reader,
                      iso7816::RateRequest request);

/// The link as the card sees it.
sim::CardLink card_view(const iso7816::LinkChoice& link);

}  // namespace tessera::card_test
