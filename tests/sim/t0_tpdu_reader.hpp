// The interface device's side of one T=0 command at TPDU level (ISO/IEC 7816-3:2006
// 10.3), as a CCID reader at TPDU level runs it against the card (CCID 6.1.4): the
// emulated reader's own procedure-byte handling, sharing no code with the driver's
// t0::Engine, so that the driver's T=0 engine never meets its own mirror image.
//
// The reader sends the header CLA INS P1 P2 P3, then reads the card's bytes one by one as
// its UART delivers them (bursts joined into one stream) and acts on each procedure byte
// (10.3.3):
//   '60'          NULL: the card asks for more time; read the next procedure byte;
//   INS           ACK: all remaining data bytes move at once;
//   INS ^ 'FF'    ACK: the next data byte moves alone;
//   '6X' / '9X'   SW1 (not '60'): read SW2, the command is done.
// The direction follows the TPDU: data after the header goes to the card (P3 = Lc); a
// header alone takes P3 bytes from the card (P3 = 00: 256). A case-1 command is a header
// with P3 = 00 to which the card answers the status at once.
// Anything else (an unknown procedure byte, an ACK when no data is left to move, a silent
// card, a TPDU whose P3 does not match its data) ends the command without an answer: the
// reader's timeout or parity error.
#pragma once

#include <optional>

#include "base/bytes.hpp"
#include "iso7816/convention.hpp"
#include "tests/sim/card_t0.hpp"

namespace tessera::sim {

/// Data + SW1 SW2 (logical bytes), or nullopt. `convention` is the card's: the reader
/// codes what it sends and decodes what it reads with it.
std::optional<Bytes> run_t0_tpdu(CardT0& card, ByteView tpdu, iso7816::Convention convention);

}  // namespace tessera::sim
