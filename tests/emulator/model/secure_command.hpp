// PC_to_RDR_Secure (CCID 6.1.11) in the emulated reader: the PIN pad's part. For a reader
// with a PIN pad it checks the message and its PIN verification / modification data
// structure (pin_structure.hpp), takes the user's entries from the keypad (pin_pad.hpp)
// and formats them into the APDU template (pin_block.hpp). The slot then sends that APDU
// to the card at its exchange level and returns the card's answer in
// RDR_to_PC_DataBlock. A reader without a PIN pad answers CMD_NOT_SUPPORTED.
//
// Supported: wLevelParameter 0000 (the whole structure in one message), bPINOperation 00
// and 01. Modification (6.1.11.8): bConfirmPIN bit 1 asks for the current PIN first (its
// block at data byte bInsertionOffsetOld), then the new PIN (at bInsertionOffsetNew);
// bit 0 asks for the new PIN a second time, and two different entries end the command
// with kErrorPinMismatch. The first entry that ends without a PIN (cancel, timeout) ends
// the command with its bError; later entries are not asked for.
//
// Pure but for the keypad it is handed; no I/O.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.hpp"
#include "tests/emulator/model/pin_pad.hpp"

namespace tessera::emulator {

struct SecureVerdict {
    bool failed = true;
    std::uint8_t bError = 0;  // when failed (CCID 6.2.6)
    Bytes apdu;               // the command APDU for the card, PINs in place
    std::array<std::uint8_t, 3> bTeoPrologue{};  // for a T=1 card at TPDU level
};

/// `message`: the whole PC_to_RDR_Secure message (dwLength already checked); `pad`: the
/// reader's keypad, nullptr for a reader without one; `card_ready`: a powered card is in
/// the slot (checked after the structure, before the user is asked: ICC_MUTE). Records
/// the APDU it builds in the pad's trace.
SecureVerdict answer_secure(ByteView message, PinPad* pad, bool card_ready);

}  // namespace tessera::emulator
