// What a CCID reader does with a card on its own when its dwFeatures say so (CCID 5.1):
//   0x40 automatic parameter negotiation: right after the ATR the reader runs PPS
//        (ISO 7816-3 9) for the fastest link both the card and the reader allow,
//        resetting the card and trying the next candidate when the card refuses;
//   0x80 automatic PPS according to the current parameters: on SetParameters the reader
//        runs PPS for the link the host asked for;
//   0x400 automatic IFSD exchange: the reader sends S(IFS request) to a T=1 card as its
//        first block (ISO 7816-3 11.4.2).
// The card is driven through sim::Card; nothing here keeps state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "iso7816/pps.hpp"
#include "tests/emulator/model/slot_parameters.hpp"
#include "tests/sim/card.hpp"

namespace tessera::emulator {

/// The link the reader and card agreed on.
struct AgreedLink {
    std::uint8_t protocol = 0;
    iso7816::FiDi fi_di = iso7816::kDefaultFiDi;
};

/// dwFeatures 0x40 after a reset, by the model's own rule (not the driver's rate choice):
/// the card's first offered protocol the reader runs (dwProtocols), at the card's TA1 when
/// reader_runs() it, else at Fd / Dd; PPS (ISO 7816-3 9) when that differs from the
/// defaults, a cold reset and the next candidate when the card refuses. A specific-mode
/// card (TA2) keeps its protocol and TA1 when the reader runs them, or is warm reset into
/// negotiable mode when TA2 b8 = 0 allows it. nullopt when nothing fits the card; the card
/// is then left as after its last reset.
std::optional<AgreedLink> negotiate_fastest_link(sim::Card& card, const ReaderRateLimits& limits);

/// dwFeatures 0x80: one PPS exchange for `wanted` (PPS1 left out for Fd/Dd). True when
/// the card now runs `wanted`; false when it refused (the card is then cold reset, as
/// ISO 7816-3 9.3 asks of the interface device).
bool request_link(sim::Card& card, AgreedLink wanted);

/// dwFeatures 0x400: S(IFS request ifsd) with NAD 0 and the card's EDC; true when the
/// card answered with the matching S(IFS response).
bool exchange_ifsd(sim::Card& card, std::uint8_t ifsd);

}  // namespace tessera::emulator
