#include "t1/error.hpp"

namespace tessera::t1 {

const char* describe(BlockError error) {
    switch (error) {
        case BlockError::ok_is_never_used:
            return "no error";
        case BlockError::too_short:
            return "block shorter than prologue and EDC";
        case BlockError::length_mismatch:
            return "block length does not match LEN";
        case BlockError::len_reserved:
            return "LEN 'FF' is reserved";
        case BlockError::nad_reserved:
            return "NAD 'FF' is reserved";
        case BlockError::edc_mismatch:
            return "EDC mismatch";
        case BlockError::pcb_reserved:
            return "reserved PCB coding";
        case BlockError::inf_too_long:
            return "I-block INF longer than the information field size";
        case BlockError::r_block_with_inf:
            return "R-block with an information field";
        case BlockError::s_block_inf_size:
            return "S-block INF size wrong for its type";
        case BlockError::s_block_value:
            return "S-block parameter out of range";
    }
    return "unknown T=1 block error";
}

const char* describe(Error error) {
    switch (error) {
        case Error::ok_is_never_used:
            return "no error";
        case Error::unexpected_event:
            return "event not allowed in the engine's current state";
        case Error::empty_command:
            return "empty command APDU";
        case Error::command_too_long:
            return "command APDU too long";
        case Error::resynch_failed:
            return "RESYNCH failed: the card must be reset";
        case Error::card_reset_required:
            return "the link to the card is lost: reset the card first";
        case Error::aborted_by_card:
            return "the card aborted the exchange (S(ABORT request))";
        case Error::too_many_card_requests:
            return "too many consecutive S(WTX/IFS) requests from the card";
        case Error::wtx_time_exceeded:
            return "waiting time extensions exceed the allowed total";
        case Error::response_too_long:
            return "chained response longer than allowed";
        case Error::delegated_block_lost:
            return "the card asked again for the I-block the PIN pad reader built";
        case Error::delegated_too_long:
            return "a delegated I-block must carry 1 to IFSC bytes";
        case Error::chain_too_long:
            return "chained response has too many blocks";
    }
    return "unknown T=1 error";
}

bool requires_card_reset(std::error_code error) {
    return error == Error::resynch_failed || error == Error::card_reset_required;
}

}  // namespace tessera::t1
