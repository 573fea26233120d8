// PC_to_RDR_Secure (CCID 6.1.11) in the emulated reader: the place where a PIN pad
// (bPINSupport, PIN verification / modification data structures 6.1.11.7 / 6.1.11.8)
// will be modelled. For now every reader answers CMD_NOT_SUPPORTED, as a reader without
// a PIN pad does; a PIN pad model replaces answer_secure() with one that reads the
// structure, "enters" a configured PIN into abPINApdu and runs it on the card.
#pragma once

#include <cstdint>

#include "iso7816/bytes.hpp"

namespace tessera::emulator {

struct SecureVerdict {
    bool failed = true;
    std::uint8_t bError = 0;  // CMD_NOT_SUPPORTED
    Bytes data;               // the card's response when not failed
};

/// `message`: the whole PC_to_RDR_Secure message.
SecureVerdict answer_secure(ByteView message);

}  // namespace tessera::emulator
