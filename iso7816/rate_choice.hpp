// Choosing the protocol, Fi/Di and clock for a card in a reader: a decision function with
// no I/O (ISO/IEC 7816-3:2006 sections 6.3.1, 8.3 and 9).
//
// Inputs are plain values: what the card's ATR says (TA1, TA2, offered protocols), what
// the reader can do (the CCID class descriptor and its clock / data-rate lists; the
// transport fills ReaderRates), and which protocols the caller accepts. The output is a
// RatePlan the transport carries out:
//
//  * negotiate (no TA2: negotiable mode). Try candidates[0] with a PPS exchange as the
//    very first exchange after the ATR (ISO 7816-3 9.1: a PPS request is only valid
//    then). If the card does not answer or answers wrongly, reset it (deactivation and
//    cold reset, or warm reset) and try the next candidate right after the new ATR. The
//    list is ordered fastest first and each protocol's run ends with Fd = 372, Dd = 1.
//    A candidate with pps_needed == false (Fd/Dd with the card's first offered protocol)
//    needs no PPS at all: the card uses those values when the interface device sends
//    none (6.3.1). It can not fail, so the list ends there when it is present.
//    A partial acceptance (PPS1 left out) ends the negotiation at Fd/Dd: see
//    link_after_pps().
//  * use_specific (TA2 present, specific mode): no PPS (9.1); candidates holds the one
//    link TA2 imposes: its protocol, with TA1's Fi/Di (Fd/Dd when TA1 is absent).
//  * warm_reset: the card is in specific mode at parameters this reader or this request
//    can not use, but TA2 b8 = 0 says a warm reset brings it to negotiable mode. Reset
//    it warm, then plan again from the new ATR with RateRequest::warm_reset_done set.
//    When the card can not change mode (b8 = 1), or a warm reset was already done, the
//    result is an error naming the obstacle.
//
// Candidate generation (negotiable mode). PPS1 may propose F from Fd to Fi and D from Dd
// to Di (9.2). Within that range we keep the pairs whose etu is not shorter, in clock
// cycles, than the one TA1 announces (D / F <= Di / Fi): the card's own pair is its
// fastest, the others are fallbacks for readers that can not run it. Because a card that
// does not support a proposed PPS1 may legitimately answer without PPS1 (Fd/Dd, 9.3),
// this also keeps the card's own pair first whenever the reader can run it. A pair is a
// candidate if some clock f satisfies
//   f <= fmax of the card (CardRates::fmax_khz, else TA1's FI; 5 MHz without TA1) and
//      <= fmax of the proposed FI (Table 7; a conservative bound that only matters for
//      F below the card's Fi),
//   f <= the reader's maximum clock, f among the reader's clocks (its list, or the
//      default and maximum clocks when the list is empty, as CCID 5.1 says),
//   rate = f x D / F <= the reader's maximum data rate (+1%), and
//   rate matches a listed data rate within +-1% (any rate when the list is empty).
// Each pair keeps its highest such clock. The tolerance is kRateTolerancePercent: readers
// list rounded or nominal values (10753 or 10752 for 4 MHz / 372 = 10752.7; 9600 for
// 3.58 MHz / 372 = 9623.7; dwMaxDataRate 344064 for 4 MHz x 32 / 372 = 344086).
// Candidates are sorted fastest first (ties: the card's TA1 pair first) and capped at
// RateRequest::max_pps_candidates per protocol, since each refusal costs a reset and a
// waiting time; Fd/Dd follows them.
//
// Protocol order: the requested protocols the card offers, the card's first offered
// protocol first (it needs no PPS at the default rate), then by ascending T.
//
// Notes (RatePlan::notes) flag, without rejecting, readers below the certification
// minimums (clock 3.5795 MHz, data rate 9600 bps) and links that run on tolerance.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "iso7816/atr.hpp"
#include "base/error.hpp"
#include "iso7816/pps.hpp"
#include "base/result.hpp"
#include "iso7816/timing.hpp"

namespace tessera::iso7816 {

/// Why no plan can be made.
enum class RateChoiceError {
    ok_is_never_used = 0,
    no_common_protocol = 1,           // no requested protocol is offered by the card
    invalid_protocol,                 // TA2 or the first offered protocol names T >= 15
    reserved_fi,                      // TA1's FI is reserved (Table 7)
    reserved_di,                      // TA1's DI is reserved (Table 8)
    reader_without_clock,             // the reader states no usable clock (all zero)
    specific_protocol_not_requested,  // specific mode, its T not requested, b8 = 1
    specific_parameters_unsupported,  // specific mode, reader can not run TA1's F/D, b8 = 1
    specific_implicit_parameters,     // specific mode, TA2 b5 = 1 (values unknown), b8 = 1
};

const char* describe(RateChoiceError error);

}  // namespace tessera::iso7816

TESSERA_ERROR_ENUM(tessera::iso7816, RateChoiceError, "rate_choice");

namespace tessera::iso7816 {

/// Tolerance when matching f x D / F against the reader's data rates, in percent.
inline constexpr std::uint32_t kRateTolerancePercent = 1;
/// Certification minimums (Device.Input.SmartCardReader.SupportsMinClockFrequency,
/// SupportsMinDataRateOf9600bps), in kHz x 10 and bps.
inline constexpr std::uint32_t kMinimumClockKhzTimes10 = 35795;
inline constexpr std::uint32_t kMinimumDataRateBps = 9600;
/// fmax when TA1 is absent (ISO 7816-3 8.3, Table 7 for FI = 1).
inline constexpr std::uint32_t kDefaultFmaxKhz = 5000;

// SpecificMode (TA2) is the ATR parser's (atr.hpp).

/// What the card's ATR says about rates and protocols.
struct CardRates {
    std::optional<FiDi> ta1;                 // absent: Fd = 372, Dd = 1, fmax 5 MHz
    /// The card's fmax when it is not (only) TA1's: Atr::fmax_khz, which keeps a defined
    /// FI's fmax when a reserved DI makes TA1 unusable. Absent: from ta1 as above.
    std::optional<std::uint32_t> fmax_khz;
    std::optional<SpecificMode> specific;    // TA2 present: specific mode
    std::uint16_t offered_protocols = 0x0001;  // bit T set for each protocol T offered
    std::uint8_t first_offered_protocol = 0;   // TD1's T (0 without TD1): the default one
};

/// Who performs the PPS exchange.
enum class PpsBy {
    host,    // the driver sends the PPS bytes (CCID TPDU/character readers)
    reader,  // the reader negotiates itself from the parameters it is given (CCID
             // dwFeatures "automatic PPS"); the driver sends no PPS bytes
};

/// What the reader can do (CCID 5.1 class descriptor; GET_CLOCK_FREQUENCIES and
/// GET_DATA_RATES lists).
struct ReaderRates {
    std::uint32_t default_clock_khz = 4000;   // dwDefaultClock
    std::uint32_t max_clock_khz = 4000;       // dwMaximumClock
    std::uint32_t max_data_rate_bps = 10753;  // dwMaxDataRate
    std::vector<std::uint32_t> data_rates_bps;  // empty: any rate up to the maximum
    std::vector<std::uint32_t> clocks_khz;      // empty: the default and maximum clocks
    PpsBy pps_by = PpsBy::host;
};

/// What the caller asks for.
struct RateRequest {
    std::uint16_t protocols = 0x0003;  // bit T for each acceptable protocol (PC/SC mask)
    bool warm_reset_done = false;      // this ATR follows a warm reset made to leave
                                       // specific mode: do not ask for another
    std::size_t max_pps_candidates = 3;  // per protocol, Fd/Dd not counted
};

/// One way to run the link.
struct LinkChoice {
    std::uint8_t protocol = 0;
    FiDi fi_di = kDefaultFiDi;
    std::uint32_t clock_khz = 0;
    std::uint32_t bps = 0;    // clock x D / F, rounded down
    bool pps_needed = true;   // false: Fd/Dd with the card's default protocol (6.3.1)

    /// The link as timing.hpp wants it.
    LinkRate link_rate() const;
    friend bool operator==(const LinkChoice&, const LinkChoice&) = default;
};

enum class PlanKind { negotiate, use_specific, warm_reset };

/// Observations that do not prevent a plan.
enum class RateNote {
    reader_clock_below_minimum,  // dwMaximumClock < 3.5795 MHz
    reader_rate_below_minimum,   // dwMaxDataRate < 9600 bps
    card_ta1_not_reachable,      // TA1's pair is not among the candidates (reader limits)
    default_rate_not_listed,     // Fd/Dd's rate is not within the reader's rates
    no_clock_within_card_fmax,   // every reader clock exceeds fmax: the default clock kept
    specific_implicit_parameters,     // why a warm reset is planned
    specific_parameters_unsupported,  // why a warm reset is planned
    specific_protocol_not_requested,  // why a warm reset is planned
};

const char* describe(RateNote note);

struct RatePlan {
    PlanKind kind = PlanKind::negotiate;
    std::vector<LinkChoice> candidates;  // see the file comment; empty for warm_reset
    bool host_sends_pps = true;          // ReaderRates::pps_by == host
    std::vector<RateNote> notes;

    bool has(RateNote note) const;
};

/// The decision. Deterministic; allocates only the plan.
Result<RatePlan> choose_rates(const CardRates& card, const ReaderRates& reader,
                              const RateRequest& request);

/// The ISO 7816-3 9.1 rule: a PPS request may be sent only to a card in negotiable mode
/// and only as the first exchange after its ATR.
bool may_send_pps(const CardRates& card, std::size_t exchanges_since_atr) noexcept;

/// The PPS request for a candidate: its protocol, and PPS1 unless the candidate is
/// Fd/Dd (then PPS1 is left out, which proposes Fd/Dd, 9.2).
PpsRequest pps_request_for(const LinkChoice& candidate);

/// The link in force after the card accepted `tried` with `outcome` (validated against
/// pps_request_for(tried)): `tried` itself when PPS1 was echoed; otherwise Fd/Dd for the
/// protocol, at the plan's clock for Fd/Dd (9.3).
LinkChoice link_after_pps(const RatePlan& plan, const LinkChoice& tried,
                          const PpsOutcome& outcome);

}  // namespace tessera::iso7816
