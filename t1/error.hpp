// Errors of the T=1 layer (ISO/IEC 7816-3 section 11).
//
// BlockError: why a received block was rejected by the codec (t1/block.hpp). The engine
// never returns these to its caller; it turns them into R-blocks (11.6.3). They are
// std::error_codes so the codec can be used and tested on its own.
//
// Error: why an exchange ended in a Failed step (t1/engine.hpp).
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace tessera::t1 {

enum class BlockError {
    ok_is_never_used = 0,
    too_short = 1,        // fewer bytes than a prologue and an EDC
    length_mismatch,      // byte count differs from 3 + LEN + EDC size
    len_reserved,         // LEN = 'FF' (11.3.2.3)
    nad_reserved,         // NAD = 'FF' (11.3.2.1)
    edc_mismatch,         // LRC / CRC does not match (11.3.4)
    pcb_reserved,         // a PCB coding that 11.3.2.2 does not define
    inf_too_long,         // I-block INF longer than the receiver's IFS (11.4.2)
    r_block_with_inf,     // R-blocks carry no INF (11.3.2.2)
    s_block_inf_size,     // S-block INF size wrong for its type (11.3.2.2)
    s_block_value,        // IFS outside 1..254, or WTX multiplier 0
};

/// A short English description of the error, for logs.
const char* describe(BlockError error);

enum class Error {
    ok_is_never_used = 0,
    unexpected_event = 1,  // API used out of order (e.g. on_received with no exchange)
    empty_command,         // start() with an empty APDU
    command_too_long,      // start() with more than kMaxCommandSize bytes
    resynch_failed,        // RESYNCH unanswered after the allowed attempts: reset the card
    card_reset_required,   // a previous exchange ended in resynch_failed; call reset()
    aborted_by_card,       // the card sent S(ABORT request) (11.6.2.3)
    too_many_card_requests,  // consecutive S(WTX / IFS request)s beyond the bound
    wtx_time_exceeded,     // the waiting time granted through WTX passed the bound
    response_too_long,     // the chained response exceeds max_response_size
    chain_too_long,        // the chained response exceeds max_response_blocks
    delegated_block_lost,  // the card asked again for an I-block another party sent
    delegated_too_long,    // start_delegated() with 0 or more than IFSC bytes
};

/// A short English description of the error, for logs.
const char* describe(Error error);

/// True when the card must be reset (new ATR, then Engine::reset()) before the next
/// exchange: the link is lost.
bool requires_card_reset(std::error_code error);

}  // namespace tessera::t1

TESSERA_ERROR_ENUM(tessera::t1, BlockError, "t1 block");
TESSERA_ERROR_ENUM(tessera::t1, Error, "t1");
