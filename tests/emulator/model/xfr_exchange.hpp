// PC_to_RDR_XfrBlock (CCID 6.1.4) of one slot, by the reader's exchange level (dwFeatures
// bits 16..18, CCID 5.1), between the host's abData and the simulated card:
//   character   abData goes to the card as bytes; wLevelParameter bytes come back (T=0:
//               the card's bursts; T=1: whole blocks the reader passes once complete;
//               a PPS request while the card's PPS window is open goes to its PPS side);
//   TPDU        T=0: one TPDU to card.t0_tpdu (NULL bytes become time extensions);
//               T=1: one block to card.t1_block; a block starting with PPSS FF is a PPS
//               request for card.answer_pps;
//   short APDU  one command APDU to card.apdu;
//   extended    card.apdu with wLevelParameter chaining both ways (CCID 6.1.4 Table
//               6.1-3; 6.2.1 bChainParameter), responses cut at dwMaxCCIDMessageLength.
// It keeps what spans several messages (character-level bytes not yet read, chains); the
// slot drops that state at every power change. The link check (slot parameters against
// card.link()) is the slot's; this class only exchanges.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"
#include "tests/emulator/wire/ccid_wire.hpp"
#include "tests/sim/card.hpp"
#include "tests/sim/wire/t1_frame.hpp"
#include "transport/class_descriptor.hpp"

namespace tessera::emulator {

/// What the slot knows when an XfrBlock arrives.
struct XfrContext {
    transport::ExchangeLevel level = transport::ExchangeLevel::tpdu;
    std::uint8_t protocol = 0;         // bProtocolNum of the slot's parameters
    sim::wire::Edc edc = sim::wire::Edc::lrc;  // for T=1 framing at character level
    std::size_t max_data_length = 261;   // dwMaxCCIDMessageLength - 10
    /// The longest abData of a short APDU or T=0 TPDU answer the reader sends whole:
    /// max_data_length, or more for a reader that answers beyond dwMaxCCIDMessageLength.
    std::size_t max_answer_length = 261;
};

/// The reader's answer to one XfrBlock (before addressing it).
struct XfrAnswer {
    bool failed = false;
    std::uint8_t bError = 0;  // when failed
    Bytes data;
    std::uint8_t chain = wire::kChainBeginsAndEnds;  // bChainParameter (CCID 6.2.1)
    std::size_t time_extensions = 0;  // the card needed that many time units first
};

class XfrExchange {
public:
    /// Forgets every partial exchange (power on/off, card removed).
    void reset();

    XfrAnswer transfer(sim::Card& card, const XfrContext& context, ByteView abData,
                       std::uint16_t wLevelParameter);

private:
    XfrAnswer character_level(sim::Card& card, const XfrContext& context, ByteView abData,
                              std::uint16_t expected);
    XfrAnswer tpdu_level(sim::Card& card, const XfrContext& context, ByteView abData);
    XfrAnswer short_apdu_level(sim::Card& card, const XfrContext& context, ByteView abData);
    XfrAnswer extended_apdu_level(sim::Card& card, const XfrContext& context, ByteView abData,
                                  std::uint16_t wLevelParameter);
    XfrAnswer run_apdu(sim::Card& card, const XfrContext& context, ByteView command);
    XfrAnswer next_response_part(const XfrContext& context);
    void feed_character_level(sim::Card& card, const XfrContext& context, ByteView abData);

    // Character level: bytes the card sent that the host has not read yet, and bytes of
    // a PPS request or T=1 block the host has not finished sending.
    Bytes card_output_;
    Bytes pps_input_;
    Bytes block_input_;
    // Extended APDU level.
    Bytes command_chain_;
    bool command_chain_open_ = false;
    Bytes response_;
    std::size_t response_sent_ = 0;
    bool response_open_ = false;
};

}  // namespace tessera::emulator
