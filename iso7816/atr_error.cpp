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
        case AtrError::td1_t15:
            return "TD1 indicates T=15";
        case AtrError::reserved_fi:
            return "reserved FI in TA1";
        case AtrError::reserved_di:
            return "reserved DI in TA1";
        case AtrError::reserved_wi:
            return "reserved WI 00 in TC2";
        case AtrError::invalid_ifsc:
            return "invalid IFSC (00 or FF)";
        case AtrError::reserved_bwi:
            return "reserved BWI (A to F)";
    }
    return "unknown ATR error";
}

}  // namespace tessera::iso7816
