// ReaderError: the one error vocabulary of the reader and slot model (transport/reader).
//
// Below this layer every module keeps its own error enum (UsbError, CcidError,
// MessageError, ExchangeError, T0Error, t1::Error, AtrError, PpsError, ...). The reader
// model translates them here, once, into what a caller of a card reader can act on: the
// IFD handler maps ReaderError to IFD_* codes, the Windows shim to NTSTATUS. The original
// error stays available for logs (Slot::last_cause()).
#pragma once

#include <system_error>

#include "base/error.hpp"

namespace tessera::reader {

enum class ReaderError {
    ok_is_never_used = 0,
    no_card = 1,       // no card in the slot, or it was removed since it was powered
    card_inactive,     // a card is present but not powered: power_on() first
    card_mute,         // the card did not answer (no ATR, ICC_MUTE, waiting time expired)
    bad_atr,           // the card answered, but with no usable ATR at any voltage
    protocol_error,    // the card or the reader broke ISO 7816-3 / CCID (bad block, bad
                       // message, refused PPS with no fallback left, ...)
    reader_gone,       // the device was unplugged; final for this reader
    reader_failed,     // the reader reported a hardware error or the USB transfer failed
    busy,              // the reader is busy with another command (CMD_SLOT_BUSY)
    timeout,           // the reader did not answer within the bounded wait
    not_supported,     // the request needs what this reader or card can not do
    buffer_too_small,  // the response does not fit the caller's buffer
    invalid_slot,      // slot number beyond bMaxSlotIndex
    invalid_apdu,      // the command APDU is malformed (or too long for any level)
    cancelled,         // the call was stopped or cancelled (shutdown, stop request)
};

/// "no card in the slot", ... for logs.
const char* describe(ReaderError error);

}  // namespace tessera::reader

TESSERA_ERROR_ENUM(tessera::reader, ReaderError, "reader");

namespace tessera::reader {

/// The ReaderError for an error of any lower layer (a ReaderError maps to itself; an
/// empty code stays empty). Unknown categories become reader_failed. The only place
/// where lower-layer errors are translated.
std::error_code to_reader_error(std::error_code cause);

}  // namespace tessera::reader
