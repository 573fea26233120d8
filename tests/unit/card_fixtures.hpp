// What the sim::Card tests (test_card_*.cpp) share: the simulated cards with their ATRs
// worked out byte by byte (ISO/IEC 7816-3 section 8), a slow reader beside tests/support's
// SCR3310, and the application's command APDUs (tests/sim/application.hpp).
#pragma once

#include <cstddef>
#include <memory>

#include "base/bytes.hpp"
#include "iso7816/rate_choice.hpp"
#include "tests/sim/card.hpp"
#include "tests/support/byte_patterns.hpp"
#include "tests/support/hex.hpp"
#include "tests/support/reader_rates.hpp"
#include "tests/support/text_lines.hpp"

namespace tessera::card_test {

using test::ascending;
using test::concat;
using test::hex;
using test::join;
using test::kT0;
using test::kT1;
using test::scr3310;
using test::wants;

inline const Bytes kSw9000{0x90, 0x00};

/// The card sim::Card::create makes of `config`; REQUIREs that it accepts it.
std::unique_ptr<sim::Card> make_card(sim::CardConfig config);

// ---- The cards -----------------------------------------------------------------------

// A T=1 card: TA1 = 96 (Fi 512, Di 32), IFSC 254, BWI 4, CWI 5, historical "TESS".
// ISO 7816-3 8.2: TS 3B; T0 94 (TA1, TD1; K = 4); TA1 96; TD1 81 (TD2; T=1);
// TD2 31 (TA3, TB3; T=1); TA3 FE (IFSC); TB3 45 (BWI 4, CWI 5); 54 45 53 53; TCK = XOR of
// T0 .. last historical byte = 18 (8.2.5).
inline constexpr const char* kT1Atr = "3B 94 96 81 31 FE 45 54 45 53 53 18";
sim::CardConfig t1_card();

// A T=0 card in inverse convention: TA1 = 13 (Fi 372, Di 4), historical 01 02.
// Logical: TS 3F; T0 12 (TA1; K = 2); TA1 13; 01 02; no TCK (only T=0, 8.2.5).
// On the wire, each byte bit-reversed and complemented (8.1): 3F -> 03, 12 -> B7,
// 13 -> 37, 01 -> 7F, 02 -> BF.
inline constexpr const char* kInverseAtr = "3F 12 13 01 02";
inline constexpr const char* kInverseAtrWire = "03 B7 37 7F BF";
sim::CardConfig inverse_t0_card();

// A direct-convention T=0 card without TA1: 3B 00, nothing to negotiate.
sim::CardConfig plain_t0_card();

// A specific-mode T=1 card: TA1 = 18 (Fi 372, Di 12), TA2 = 01 if `can_change`, else 81.
// TS 3B; T0 90 (TA1, TD1; K = 0); TA1 18; TD1 11 (TA2; T=1); TA2; TCK.
sim::CardConfig specific_t1_card(bool can_change);

// ---- The reader side ------------------------------------------------------------------

// A 4 MHz reader that runs at most 115200 bps.
iso7816::ReaderRates slow_reader();

// ---- Command APDUs of the application (application.hpp) --------------------------------

inline constexpr const char* kSelectAid = "00 A4 04 00 08 A0 00 00 05 27 54 45 53";

/// `count` bytes counting down from FF: data unlike the EFs' ascending content.
Bytes ramp_down(std::size_t count);

/// ECHO (80 EE) of `data`: short (Lc, Le 00 = 256) or extended (Lc 3 bytes, Le 0000).
Bytes echo_command(const Bytes& data, bool extended);

}  // namespace tessera::card_test
