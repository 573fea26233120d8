// Why an Answer-to-Reset was rejected, and how an accepted one deviates from ISO/IEC
// 7816-3:2006 section 8.
//
// Only a structurally broken ATR is rejected (AtrError): bytes that do not form an ATR
// (bad TS, announced bytes missing, bytes after the end, more than 33 bytes) or whose
// check character says they were not received as sent (TCK wrong, or absent while a T
// other than 0 and 15 is offered: T=1 and the rest; libccid refuses those too).
// inspect_atr() reports the first error in reading order, together with everything
// decoded (see atr.hpp).
//
// An ATR whose structure is complete is valid even when some values in it are reserved,
// invalid or contradictory: cards in the field send such ATRs and work with the ISO
// defaults. Each such value is an AtrWarning, and the parser's derived parameters hold
// the default named below instead of the value sent.
#pragma once

#include <cstddef>
#include <cstdint>
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
    missing_tck,                 // TCK absent although a TDi offers a T other than 0 and
                                 // 15 (8.2.5; see AtrWarning::tck_absent for T=15)
    too_long,                    // the structure announces more than 33 bytes (8.1)
    trailing_bytes,              // bytes after the end of the ATR (TCK or last historical)
    tck_mismatch,                // XOR of T0 .. TCK is not 00 (8.2.5)
};

/// A short English description of the error, for logs and tools.
const char* describe(AtrError error);

/// A value of a valid ATR that can not be used as sent, and what is used instead. In the
/// order the bytes come in.
enum class AtrWarning : std::uint8_t {
    reserved_fi,          // TA1's FI is reserved (Table 7: 7, 8, E, F): TA1 is not used:
                          // Fd = 372, Dd = 1 and no PPS for other values; fmax 5 MHz
    reserved_di,          // TA1's DI is reserved (Table 8: 0, A..F): TA1 is not used:
                          // Fd/Dd and no PPS; fmax from a defined FI still applies
    td1_t15,              // TD1 indicates T=15, which it must not (8.2.3): TA2 and TB2
                          // are read as global bytes (class indicator, SPU), not as the
                          // specific mode byte; the offers are those of the later TDs,
                          // T=0 when none
    specific_mode_t15,    // TA2 names T=15, no transmission protocol (8.3): TA2 is not
                          // used, the card is taken to be in negotiable mode
    specific_protocol_not_offered,  // TA2 names a T that no TDi offers (8.3): TA2's T is
                                    // used, as the card imposes it
    reserved_wi,          // TC2 = 00, reserved (10.2): WI = 10
    invalid_ifsc,         // the first TA for T=1 is 00 or FF, reserved (11.4.2): IFSC = 32
    reserved_bwi,         // BWI of the first TB for T=1 is A..F, reserved (11.4.3): BWI = 4
                          // (its CWI is used)
    reserved_edc_bits,    // b8..b2 of the first TC for T=1 are not 0 (11.4.4): EDC by b1
    no_class_indicated,   // the first TA for T=15 names none of classes A, B, C (8.3):
                          // the class indicator is not used (the class in use is kept)
    tck_absent,           // TCK absent although T=15 is indicated (8.2.5); only T=0 is
                          // offered, whose ATR carries no TCK otherwise: accepted unchecked
};

inline constexpr std::size_t kAtrWarningCount = 11;

/// What deviates and what is used instead, in one line, for logs and tools.
const char* describe(AtrWarning warning);

}  // namespace tessera::iso7816

TESSERA_ERROR_ENUM(tessera::iso7816, AtrError, "atr");
