#include "t0/tpdu.hpp"

#include "t0/error.hpp"

namespace tessera::t0 {

namespace {
// ISO 7816-4 5.1: extended length fields start with a 00 byte and need seven bytes or more;
// a well-formed one is refused as unsupported, anything else as a length mismatch.
T0Error classify_zero_first_body(ByteView body) {
    if (body.size() == 3) {
        return T0Error::extended_length_unsupported;  // case 2E: 00 Le1 Le2
    }
    if (body.size() < 3) {
        return T0Error::apdu_length_mismatch;
    }
    const std::size_t lc = static_cast<std::size_t>(body[1]) << 8 | body[2];
    if (lc != 0 && (body.size() == 3 + lc || body.size() == 5 + lc)) {
        return T0Error::extended_length_unsupported;  // case 3E / 4E
    }
    return T0Error::apdu_length_mismatch;
}
}  // namespace

Result<CommandTpdu> map_command_apdu(ByteView apdu) {
    if (apdu.size() < 4) {
        return T0Error::apdu_too_short;
    }
    CommandTpdu tpdu;
    tpdu.header = {apdu[0], apdu[1], apdu[2], apdu[3], 0x00};
    const ByteView body = apdu.subspan(4);
    if (body.empty()) {
        tpdu.apdu_case = ApduCase::case1;  // ISO 7816-3 12.2.2: P3 = 00
    } else if (body.size() == 1) {
        tpdu.apdu_case = ApduCase::case2s;  // ISO 7816-3 12.2.3: P3 = Le
        tpdu.header[4] = body[0];
        tpdu.direction = Direction::from_card;
        tpdu.transfer_length = body[0] == 0 ? kMaxResponseData : body[0];
    } else if (body[0] == 0) {
        return classify_zero_first_body(body);
    } else {
        const std::size_t lc = body[0];
        if (body.size() == 1 + lc) {
            tpdu.apdu_case = ApduCase::case3s;  // ISO 7816-3 12.2.4: P3 = Lc
        } else if (body.size() == 2 + lc) {
            tpdu.apdu_case = ApduCase::case4s;  // ISO 7816-3 12.2.5: P3 = Lc, Le not sent
        } else {
            return T0Error::apdu_length_mismatch;
        }
        tpdu.header[4] = body[0];
        tpdu.data.assign(body.begin() + 1, body.begin() + 1 + static_cast<std::ptrdiff_t>(lc));
        tpdu.direction = Direction::to_card;
        tpdu.transfer_length = lc;
    }
    // ISO 7816-3 10.3.2: CLA 'FF' is PPSS; INS '6X' / '9X' cannot be told from SW1.
    if (tpdu.header[0] == kInvalidCla) {
        return T0Error::invalid_class;
    }
    const std::uint8_t ins_high = tpdu.ins() & 0xF0;
    if (ins_high == 0x60 || ins_high == 0x90) {
        return T0Error::invalid_instruction;
    }
    return tpdu;
}

}  // namespace tessera::t0
