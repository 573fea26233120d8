// The protocol and rate decision for a powered card in a CCID slot: who sends the PPS,
// whether PC_to_RDR_SetParameters follows, and what it carries. Pure functions over the
// reader's capabilities (CCID 5.1 class descriptor, dwFeatures) and the card's ATR
// (ISO/IEC 7816-3:2006 8.3, 9); the slot carries the result out (slot.cpp).
//
// The dwFeatures rules (CCID 5.1, Table 5.1-1):
//   character / TPDU level
//     0x40 automatic parameter negotiation  the reader negotiates by itself: the host sends
//                                           no PPS and no SetParameters
//     0x80 automatic PPS                    the reader runs the PPS the parameters of a
//                                           SetParameters ask for: the host sends only
//                                           SetParameters, falling back when it fails
//     neither                               the host sends the PPS bytes in XfrBlock, then
//                                           SetParameters with what the card accepted
//   short / extended APDU level             the host can not send PPS bytes (XfrBlock
//                                           carries APDUs); with 0x80 as above, with 0x40
//                                           nothing, otherwise SetParameters at Fd/Dd only
//   0x02 automatic parameter configuration  the reader configures itself from the ATR: a
//                                           link at the ATR's defaults needs no
//                                           SetParameters
//   0x10 / 0x20 automatic clock / baud rate the reader sets clock and rate itself; without
//                                           them and with a clock list, a link at another
//                                           clock is set by SetDataRateAndClockFrequency
//   0x400 automatic IFSD exchange           the reader sends S(IFS request): the T=1
//                                           engine does not (TPDU / character level)
#pragma once

#include <cstdint>
#include <vector>

#include "iso7816/rate_choice.hpp"
#include "base/result.hpp"
#include "t1/block.hpp"
#include "transport/ccid_message.hpp"
#include "transport/class_descriptor.hpp"
#include "transport/reader/card_parameters.hpp"

namespace tessera::reader {

/// What the host does during protocol setup; see the file comment.
struct SetupPolicy {
    bool host_sends_pps = false;            // PPS bytes through XfrBlock
    bool reader_runs_pps = false;           // automatic PPS: SetParameters triggers it
    bool reader_negotiates_alone = false;   // automatic parameter negotiation
    bool send_set_parameters = true;        // PC_to_RDR_SetParameters after the choice
    bool skip_set_parameters_at_defaults = false;  // automatic parameter configuration
    bool may_set_clock = false;             // PC_to_RDR_SetDataRateAndClockFrequency allowed
    bool host_requests_ifsd = false;        // the T=1 engine sends S(IFS request) first

    /// Whether candidates that change Fi/Di may be tried at all.
    bool can_change_rates() const noexcept { return host_sends_pps || reader_runs_pps; }
};

SetupPolicy setup_policy(const transport::ReaderCapabilities& caps);

/// The reader side of choose_rates(): clocks, data rates and who runs the PPS.
iso7816::ReaderRates reader_rates(const transport::ReaderCapabilities& caps,
                                  const SetupPolicy& policy);

/// The card side of choose_rates(), from its ATR.
iso7816::CardRates card_rates(const CardParameters& card);

/// The candidates the slot may try, in order: the plan's own when the policy can change
/// rates; otherwise the one link that needs no PPS (the card's default protocol at Fd/Dd,
/// or in specific mode the imposed link), else the plan's last Fd/Dd candidate.
std::vector<iso7816::LinkChoice> usable_candidates(const iso7816::RatePlan& plan,
                                                   const SetupPolicy& policy);

/// Whether PC_to_RDR_SetParameters is sent for `link`.
bool needs_set_parameters(const SetupPolicy& policy, const iso7816::LinkChoice& link);

/// abProtocolDataStructure for `link` (CCID 6.1.7): T=0 or T=1 structure with Fi/Di, the
/// card's convention, extra guard time, WI or BWI/CWI, EDC and IFSC from the ATR.
transport::ProtocolData protocol_data_for(const CardParameters& card, const iso7816::LinkChoice& link);

/// The largest T=1 INF that fits one CCID message at TPDU / character level (CCID 6.1.4:
/// a whole block per XfrBlock / DataBlock): dwMaxCCIDMessageLength - 10 (header) - 3
/// (prologue) - EDC size (1 LRC, 2 CRC), within 1..254. IFSD and the INF of the host's
/// I-blocks (min(IFSC, bound), ISO 7816-3 11.4.2) are capped by it (IFSD only when the host
/// asks for it: a reader with automatic IFSD exchange sets its own); e.g. 263-byte
/// messages: 248 with CRC, 249 with LRC; 64-byte messages: 49 / 50.
std::uint8_t t1_inf_bound(const transport::MessageLimits& limits, t1::EdcType edc);

}  // namespace tessera::reader
