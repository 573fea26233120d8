// The simulated card's side of protocol and parameters selection (ISO/IEC 7816-3:2006
// section 9), with configurable misbehaviour for tests of the interface-device side.
//
// The card checks each request's format itself (PPSS, length, PCK, reserved bit) with the
// reader side's own PPS code (wire/pps_wire): a malformed request gets no answer (9.1). It accepts a PPS only as the first exchange
// after an ATR in negotiable mode; any later PPS, or one in specific mode, gets no
// answer. It reports the protocol and F/D it now uses, as a real card would switch to
// them after sending its response.
//
// What it deliberately does not do: timing (a missing answer is an empty answer, the
// caller decides about waiting times), building its ATR bytes (see atr_builder), or the
// T=0 / T=1 exchanges that follow (card_t0, card_t1 call on_other_exchange()).
// Not thread-safe; one instance per simulated card.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "iso7816/pps.hpp"
#include "iso7816/rate_choice.hpp"
#include "tests/sim/wire/pps_wire.hpp"

namespace tessera::sim {

/// How the card answers a well-formed PPS request.
enum class PpsBehaviour {
    accept,          // echo what it supports (see CardPpsConfig::unsupported for the rest)
    refuse,          // never answer
    partial,         // answer without PPS1, PPS2, PPS3: Fd/Dd with the requested protocol
    wrong_pck,       // echo as `accept` would, with a corrupted PCK
    other_protocol,  // echo as `accept` would, naming another protocol (PCK consistent)
    garbage,         // answer CardPpsConfig::garbage (12 34 56 when left empty)
};

/// How an accepting card answers a PPS1 beyond its abilities.
enum class UnsupportedAnswer {
    no_answer,  // stay mute: the interface device resets
    defaults,   // answer without PPS1 (9.3): Fd/Dd
};

struct CardPpsConfig {
    iso7816::FiDi ta1 = iso7816::kDefaultFiDi;  // what its ATR announces
    std::uint16_t offered_protocols = 0x0001;   // bit T per protocol in its ATR
    std::uint8_t first_offered_protocol = 0;
    std::optional<std::uint8_t> ta2;             // present: specific mode after a cold reset
    iso7816::FiDi implicit_fi_di = iso7816::kDefaultFiDi;  // used when TA2 b5 = 1
    PpsBehaviour behaviour = PpsBehaviour::accept;
    // The card's real limit when it is below TA1 (cards that announce more than they
    // run). It supports F from Fd to this F, D from Dd to this D, with D/F at most this
    // pair's. Absent: TA1 is the limit.
    std::optional<iso7816::FiDi> fastest_supported;
    UnsupportedAnswer unsupported = UnsupportedAnswer::no_answer;
    bool echoes_pps2 = false;  // supports SPU; PPS3 is never echoed (reserved)
    Bytes garbage;  // empty: 12 34 56
};

/// The protocol and rate the card uses now.
struct CardLink {
    std::uint8_t protocol = 0;
    iso7816::FiDi fi_di = iso7816::kDefaultFiDi;
    friend bool operator==(const CardLink&, const CardLink&) = default;
};

class CardPps {
public:
    /// The card starts as after a cold reset.
    explicit CardPps(CardPpsConfig config);

    /// Cold reset: the ATR's mode (specific when TA2 is configured), its protocol and
    /// rates; the PPS window opens in negotiable mode.
    void cold_reset();
    /// Warm reset: as a cold reset, except that a specific-mode card whose TA2 b8 = 0
    /// comes back in negotiable mode (ISO 7816-3 6.3.1) and its ATR then lacks TA2.
    void warm_reset();

    /// The card's answer to `request`; empty when it does not answer. Closes the PPS
    /// window whatever the outcome.
    Bytes answer_pps(ByteView request);
    /// A non-PPS exchange happened: PPS is no longer allowed until the next reset.
    void on_other_exchange() noexcept { pps_window_open_ = false; }

    CardLink link() const noexcept { return link_; }
    bool specific_mode() const noexcept { return specific_; }
    bool pps_window_open() const noexcept { return pps_window_open_; }
    std::size_t pps_requests() const noexcept { return pps_requests_; }
    std::size_t answers() const noexcept { return answers_; }

    /// What the card's current ATR announces (for the driver's rate choice in its tests).
    iso7816::CardRates atr_rates() const;

private:
    bool supports(const wire::Pps& request) const;
    void restart(bool specific);

    CardPpsConfig config_;
    CardLink link_;
    bool specific_ = false;
    bool pps_window_open_ = false;
    std::size_t pps_requests_ = 0;
    std::size_t answers_ = 0;
};

}  // namespace tessera::sim
