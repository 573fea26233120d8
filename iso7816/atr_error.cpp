#include "iso7816/atr_error.hpp"

namespace tessera::iso7816 {

const char* describe(AtrError error) {
    switch (error) {
        case AtrError::ok_is_never_used:
            return "no error";
        case AtrError::empty:
            return "empty ATR";
        case AtrError::invalid_ts:
            return "invalid TS (neither 3B nor 3F)";
        case AtrError::missing_t0:
            return "T0 missing";
        case AtrError::truncated_interface_bytes:
            return "interface bytes truncated";
        case AtrError::truncated_historical_bytes:
            return "historical bytes truncated";
        case AtrError::missing_tck:
            return "TCK missing";
        case AtrError::too_long:
            return "ATR longer than 33 bytes";
        case AtrError::trailing_bytes:
            return "bytes after the end of the ATR";
        case AtrError::tck_mismatch:
            return "TCK mismatch";
    }
    return "unknown ATR error";
}

const char* describe(AtrWarning warning) {
    switch (warning) {
        case AtrWarning::reserved_fi:
            return "reserved FI in TA1 (ISO 7816-3 Table 7): TA1 not used, Fd/Dd without PPS";
        case AtrWarning::reserved_di:
            return "reserved DI in TA1 (ISO 7816-3 Table 8): TA1 not used, Fd/Dd without PPS";
        case AtrWarning::td1_t15:
            return "TD1 indicates T=15 (ISO 7816-3 8.2.3): TA2/TB2 read as global bytes, "
                   "protocols from the later TDs, T=0 when none";
        case AtrWarning::specific_mode_t15:
            return "TA2 names T=15 (ISO 7816-3 8.3): TA2 not used, negotiable mode";
        case AtrWarning::specific_protocol_not_offered:
            return "TA2 names a protocol no TD offers (ISO 7816-3 8.3): TA2's protocol used";
        case AtrWarning::reserved_wi:
            return "reserved WI 00 in TC2 (ISO 7816-3 10.2): WI 10 used";
        case AtrWarning::invalid_ifsc:
            return "invalid IFSC 00 or FF (ISO 7816-3 11.4.2): IFSC 32 used";
        case AtrWarning::reserved_bwi:
            return "reserved BWI A to F (ISO 7816-3 11.4.3): BWI 4 used";
        case AtrWarning::reserved_edc_bits:
            return "reserved bits set in the first TC for T=1 (ISO 7816-3 11.4.4): EDC from b1";
        case AtrWarning::no_class_indicated:
            return "class indicator names no class A, B or C (ISO 7816-3 8.3): not used";
        case AtrWarning::tck_absent:
            return "TCK absent although T=15 is indicated (ISO 7816-3 8.2.5): only T=0 "
                   "offered, accepted unchecked";
    }
    return "unknown ATR warning";
}

}  // namespace tessera::iso7816
