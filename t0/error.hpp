// Errors of the T=0 layer (ISO/IEC 7816-3:2006 sections 10 and 12.2).
//
// T0Error says why a T=0 exchange ended in a Failed step (t0/engine.hpp) or why a command
// APDU cannot be mapped to a T=0 command TPDU (t0/tpdu.hpp). Values are grouped: the
// caller's command, the API used out of order, and what the card did.
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace tessera::t0 {

enum class T0Error {
    ok_is_never_used = 0,
    // The command APDU (ISO 7816-3 12.2, ISO 7816-4 5.1).
    apdu_too_short = 1,           // fewer than the four header bytes
    apdu_length_mismatch,         // Lc / Le inconsistent with the APDU's size
    extended_length_unsupported,  // extended Lc / Le: T=0 carries short APDUs only; the
                                  // caller uses ENVELOPE / GET RESPONSE at its level
    invalid_class,                // CLA 'FF' is reserved for PPS (10.3.2)
    invalid_instruction,          // INS '6X' / '9X' would collide with SW1 (10.3.2)
    // The API.
    illegal_event,  // start / on_received / on_timeout not allowed in the current state
    // The card (10.3.3 procedure bytes, 10.2 waiting time).
    invalid_procedure_byte,  // neither ACK, NULL nor SW1 while data remained to move
    unexpected_ack,          // an ACK after all data had moved (or for a case 1 command)
    invalid_sw1,             // all data moved, SW1 expected: the byte is not '6X' / '9X'
    excess_data,             // more bytes arrived than requested: more than P3 allows
    timeout,                 // no character within the work waiting time WT
    too_many_null_bytes,     // NULL bytes beyond Config::max_null_bytes
};

/// A short English description of the error, for logs.
const char* describe(T0Error error);

/// True for errors caused by the card's bytes or silence (as opposed to the caller's
/// command or API misuse): the transport may want to reset the card after these.
bool is_card_error(T0Error error);

}  // namespace tessera::t0

TESSERA_ERROR_ENUM(tessera::t0, T0Error, "t0");
