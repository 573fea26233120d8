// sim::Card: one whole simulated smart card, as a reader's contacts see it.
//
// It puts the pieces of tests/sim together behind one object: the ATR (atr_builder), the
// PPS side (card_pps), card-side T=0 (card_t0) and T=1 (card_t1), and the application
// (application). Test code and the emulated reader (tests/emulator) drive a card through
// it at the level their reader works at:
//   character level  atr_wire(), answer_pps(), t0_receive()/t0_next_burst(), t1_block()
//   TPDU level       t0_tpdu() (the reader's own T=0 procedure handling is played by
//                    run_t0_tpdu(), t0_tpdu_reader.hpp), t1_block()
//   APDU level       apdu() (the reader runs the protocol; the card answers the APDU)
//
// Power: a card is deactivated until cold_reset(). Every exchange function on a
// deactivated card answers nothing (nullopt / empty) and counts as a mute card. The first
// exchange after a reset that is not a PPS closes the PPS window (ISO 7816-3 9.1).
// A reset (cold or warm) clears the card's volatile protocol state: the T=0 side is
// rebuilt, so CardT0Options::fault_at counts bursts from the last reset, and a response
// kept for GET RESPONSE is lost; the T=1 side starts over (CardT1::reset()) with its
// fault plans kept.
// The card's current link (protocol, Fi/Di) follows PPS; link() tells it, and the emulated
// reader compares it with the reader's parameters (a mismatch is a mute card).
//
// Not thread-safe; one instance per simulated card. The application (files, counters)
// survives resets and deactivation, as a real card's EEPROM does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "base/bytes.hpp"
#include "iso7816/pps.hpp"
#include "iso7816/rate_choice.hpp"
#include "base/result.hpp"
#include "tests/sim/application.hpp"
#include "tests/sim/atr_builder.hpp"
#include "tests/sim/card_pps.hpp"
#include "tests/sim/card_t0.hpp"
#include "tests/sim/card_t1.hpp"

namespace tessera::sim {

struct CardConfig {
    /// The ATR; its convention, protocols, TA1, TA2, TC1, WI, IFSC, BWI/CWI and EDC are
    /// what the card then runs (the T=1 side takes ifsc and edc from here).
    AtrConfig atr{};

    // PPS behaviour (card_pps.hpp). offered_protocols, first_offered_protocol, ta1 and
    // ta2 are derived from `atr`.
    PpsBehaviour pps = PpsBehaviour::accept;
    std::optional<iso7816::FiDi> fastest_supported{};
    UnsupportedAnswer unsupported = UnsupportedAnswer::no_answer;
    bool echoes_pps2 = false;

    /// Card-side T=0 options; its convention is taken from `atr`.
    CardT0Options t0{};

    /// T=1 behaviour beyond the ATR: IFS requests, the WTX multiplier of SLOW, and the
    /// IFSD the card starts with (32, or what a reader negotiating IFSD itself sets).
    bool t1_supports_ifs_request = true;
    std::uint8_t t1_wtx_multiplier = 1;
    std::uint8_t t1_initial_ifsd = 32;
    std::vector<T1FaultPlan> t1_faults{};

    /// The application's AID (SELECT by name).
    Bytes aid{0xA0, 0x00, 0x00, 0x05, 0x27, 0x54, 0x45, 0x53};

    /// An ATR sent as it is instead of build_atr(atr), after cold and warm resets: a card
    /// from the field whose ATR holds values the builder does not make (reserved, invalid
    /// or contradictory). Logical bytes, TS matching atr.convention. `atr` still says how
    /// the card runs (protocols, specific mode, TA1, WI, IFSC, ...): there it holds what
    /// an interface device must use with this card.
    std::optional<Bytes> atr_bytes{};
};

/// What a finished T=0 TPDU gives back at TPDU level: data then SW1 SW2, as a TPDU
/// reader returns it in RDR_to_PC_DataBlock, or nothing when the card fell silent or
/// broke the protocol (the reader's timeout / parity error).
using TpduAnswer = std::optional<Bytes>;

class Card {
public:
    /// Errors: what build_atr() rejects in config.atr (invalid_argument, too_long).
    static Result<std::unique_ptr<Card>> create(CardConfig config);

    Card(const Card&) = delete;
    Card& operator=(const Card&) = delete;
    ~Card();

    // --- power (ISO 7816-3 6) -----------------------------------------------------------
    /// Activation and cold reset; returns the ATR (logical bytes, TS 3B/3F).
    const Bytes& cold_reset();
    /// Warm reset (6.3.1): a specific-mode card whose TA2 b8 = 0 comes back negotiable
    /// and its ATR then lacks TA2. Returns the ATR it sends this time. A deactivated card
    /// stays deactivated and returns an empty ATR.
    const Bytes& warm_reset();
    void deactivate();
    bool powered() const noexcept;

    /// The current ATR, logical bytes and as a direct-convention receiver reads them off
    /// the wire (inverse convention: TS arrives as 03, every byte inverted and reversed).
    const Bytes& atr() const noexcept;
    Bytes atr_wire() const;
    iso7816::Convention convention() const noexcept;

    // --- PPS (ISO 7816-3 9) -------------------------------------------------------------
    /// The card's answer to a PPS request (logical bytes); empty when it does not answer.
    Bytes answer_pps(ByteView request);
    /// Protocol and Fi/Di the card uses now; what its ATR announces, for choose_rates.
    CardLink link() const noexcept;
    iso7816::CardRates atr_rates() const;
    bool pps_window_open() const noexcept;

    // --- T=0 (ISO 7816-3 10) ------------------------------------------------------------
    /// Character level: logical bytes from the reader; then the card's bursts one by one
    /// (logical bytes; nullopt when the card has nothing more to say).
    void t0_receive(ByteView bytes);
    std::optional<Bytes> t0_next_burst();
    /// TPDU level: one T=0 TPDU (CLA INS P1 P2 P3 [data]) run to its end against the card
    /// with the reader's procedure-byte handling; returns data + SW1 SW2 (up to 258 bytes).
    /// NULL bytes are absorbed; nullopt when the card breaks the protocol or falls silent.
    TpduAnswer t0_tpdu(ByteView tpdu);

    // --- T=1 (ISO 7816-3 11) ------------------------------------------------------------
    /// One block from the reader; the card's answer block, nullopt when none comes back.
    std::optional<Bytes> t1_block(ByteView block);
    /// Adds a fault plan to the T=1 side (kept across resets, as CardT1 does).
    void add_t1_fault(T1FaultPlan plan);

    // --- APDU level ---------------------------------------------------------------------
    /// A whole command APDU (short or extended) answered by the application: data + SW.
    /// nullopt on a deactivated card. Time units (SLOW) are not simulated here: the reader
    /// at APDU level hides them.
    std::optional<Bytes> apdu(ByteView command);

    CardApplication& application() noexcept;
    const CardConfig& config() const noexcept;
    /// Exchanges answered since construction (PPS, T=0 TPDUs/bursts, T=1 blocks, APDUs).
    std::size_t exchanges() const noexcept;

private:
    struct Parts;
    // Only create() makes the key, so only create() constructs a Card (through
    // std::make_unique, which needs a public constructor).
    struct Key {
        explicit Key() = default;
    };

public:
    /// Use create(). `cold_atr` is build_atr(config.atr) (or config.atr_bytes); `warm_atr`
    /// the ATR the card sends once a warm reset has left specific mode.
    Card(Key key, CardConfig config, Bytes cold_atr, Bytes warm_atr);

private:
    std::unique_ptr<Parts> parts_;
};

}  // namespace tessera::sim
