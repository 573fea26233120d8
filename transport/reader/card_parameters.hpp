// CardParameters: what the reader model needs from a card's Answer-to-Reset (ISO/IEC
// 7816-3:2006 8), read once after each activation.
//
// A narrow summary of iso7816::Atr: the slot code keeps the values it acts on (and the
// logical ATR bytes it reports) rather than the whole parse result; only
// card_parameters.cpp sees iso7816/atr.hpp. The values are the parser's usable ones: a
// value the card sent that is reserved or contradictory is already replaced by its ISO
// default (atr_error.hpp, AtrWarning), and `warnings` lists each such replacement.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "iso7816/atr_error.hpp"

namespace tessera::reader {

struct CardParameters {
    Bytes atr;                          // logical bytes TS .. TCK (TS 3B or 3F), as sent
    bool inverse_convention = false;    // TS 3F (8.1)
    std::optional<std::uint8_t> ta1;    // FI/DI (8.3); absent also when reserved (Fd/Dd)
    std::uint32_t fmax_khz = 5000;      // the card's fmax (TA1's FI when defined)
    std::optional<std::uint8_t> ta2;    // specific mode (8.3); absent also when unusable
                                        // (T=15 named, or after a T=15 TD1)
    std::uint16_t offered_protocols = 0x0001;  // bit T per TDi (8.2.3)
    std::uint8_t default_protocol = 0;  // the first TDi's T (not 15), 0 without
    std::uint8_t n = 0;                 // extra guard time, TC1
    std::uint8_t wi = 10;               // TC2 (10.2)
    std::uint8_t ifsc = 32;             // first TA for T=1 (11.4.2)
    std::uint8_t bwi = 4;               // first TB for T=1 (11.4.3)
    std::uint8_t cwi = 13;
    bool crc = false;                   // first TC for T=1 b1 (11.4.4)
    /// Class indicator Y of the first TA for T=15 (8.3): b1 class A (5 V), b2 class B
    /// (3 V), b3 class C (1.8 V). Absent: the card says nothing (usable) about classes.
    std::optional<std::uint8_t> classes;
    /// The values above that are defaults standing in for what the card sent.
    std::vector<iso7816::AtrWarning> warnings;
};

/// Parses an ATR as the reader returned it (direct-convention receiver: an inverse card's
/// TS may arrive as 03). Errors: AtrError (a structurally broken ATR only).
Result<CardParameters> read_card_parameters(ByteView raw_atr);

}  // namespace tessera::reader
