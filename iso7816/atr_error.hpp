// Why an Answer-to-Reset was rejected (ISO/IEC 7816-3:2006 section 8).
//
// Structural errors (the bytes do not form an ATR) come first in reading order, then a
// TCK mismatch, then invalid or reserved parameter values. inspect_atr() reports the first
// error found in that order, together with everything decoded (see atr.hpp).
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace tessera::iso7816 {

enum class AtrError {
    ok_is_never_used = 0,
    empty = 1,                   // no byte at all
    invalid_ts,                  // TS is neither 3B nor 3F (8.1)
    missing_t0,                  // TS without the mandatory format byte T0 (8.2.2)
    truncated_interface_bytes,   // T0 / a TDi announces interface bytes that are missing
    truncated_historical_bytes,  // fewer historical bytes than K in T0 (8.2.4)
    missing_tck,                 // TCK required (a TDi indicates T != 0) but absent (8.2.5)
    too_long,                    // the structure announces more than 33 bytes (8.1)
    trailing_bytes,              // bytes after the end of the ATR (TCK or last historical)
    tck_mismatch,                // XOR of T0 .. TCK is not 00 (8.2.5)
    td1_t15,                     // TD1 indicates T=15, invalid in TD1 (8.2.3)
    reserved_fi,                 // FI of TA1 is reserved (Table 7: 7, 8, E, F)
    reserved_di,                 // DI of TA1 is reserved (Table 8: 0, A..F)
    reserved_wi,                 // TC2 = 00, reserved (10.2)
    invalid_ifsc,                // the first TA for T=1 is 00 or FF (11.4.2)
    reserved_bwi,                // BWI in the first TB for T=1 is A..F (11.4.3)
};

/// A short English description of the error, for logs and tools.
const char* describe(AtrError error);

}  // namespace tessera::iso7816

TESSERA_ERROR_ENUM(tessera::iso7816, AtrError, "atr");
