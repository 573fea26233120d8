// A PC/SC part 10 PIN_VERIFY_STRUCTURE that the IFD handler's tests send: the one OpenSC
// builds for VERIFY (ISO/IEC 7816-4) with an 8-byte ASCII PIN block at the start of the
// data field: 4 to 8 digits, validation on key press.
#pragma once

#include "base/bytes.hpp"

namespace tessera::ifd::test {

inline Bytes verify_structure() {
    Bytes bytes{0x1E, 0x00,             // bTimerOut, bTimerOut2
                0x82,                   // bmFormatString: byte units, position 0, ASCII
                0x08,                   // bmPINBlockString: 8-byte block
                0x00,                   // bmPINLengthFormat
                0x08, 0x04,             // wPINMaxExtraDigit 0x0408: 4 to 8 digits
                0x02,                   // bEntryValidationCondition: key pressed
                0x01,                   // bNumberMessage
                0x09, 0x04,             // wLangId 0x0409
                0x00,                   // bMsgIndex
                0x00, 0x00, 0x00,       // bTeoPrologue
                0x0D, 0x00, 0x00, 0x00};  // ulDataLength 13
    const Bytes apdu{0x00, 0x20, 0x00, 0x01, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    bytes.insert(bytes.end(), apdu.begin(), apdu.end());
    return bytes;
}

}  // namespace tessera::ifd::test
