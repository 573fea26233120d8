#include "t0/error.hpp"

namespace tessera::t0 {

const char* describe(T0Error error) {
    switch (error) {
        case T0Error::ok_is_never_used:
            return "no error";
        case T0Error::apdu_too_short:
            return "command APDU shorter than its four header bytes";
        case T0Error::apdu_length_mismatch:
            return "command APDU length fields do not match its size";
        case T0Error::extended_length_unsupported:
            return "extended-length APDU cannot be carried by T=0";
        case T0Error::invalid_class:
            return "CLA 'FF' is reserved for PPS";
        case T0Error::invalid_instruction:
            return "INS '6X' or '9X' is invalid in T=0";
        case T0Error::illegal_event:
            return "event not allowed in the engine's current state";
        case T0Error::invalid_procedure_byte:
            return "invalid procedure byte from the card";
        case T0Error::unexpected_ack:
            return "ACK from the card after all data had moved";
        case T0Error::invalid_sw1:
            return "status expected from the card, byte is not SW1 ('6X' / '9X')";
        case T0Error::excess_data:
            return "the card sent more bytes than requested";
        case T0Error::timeout:
            return "work waiting time WT exceeded";
        case T0Error::too_many_null_bytes:
            return "the card sent more NULL bytes than allowed";
    }
    return "unknown T=0 error";
}

bool is_card_error(T0Error error) {
    switch (error) {
        case T0Error::invalid_procedure_byte:
        case T0Error::unexpected_ack:
        case T0Error::invalid_sw1:
        case T0Error::excess_data:
        case T0Error::timeout:
        case T0Error::too_many_null_bytes:
            return true;
        default:
            return false;
    }
}

}  // namespace tessera::t0
