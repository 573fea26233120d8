// XfrChannel: one slot's PC_to_RDR_XfrBlock / RDR_to_PC_DataBlock pair (CCID 6.1.4, 6.2.1),
// the only thing the exchange-level code (tpdu_level, character_level, apdu_level,
// host_pps) needs from the reader. The slot implements it over its reader's command
// channel; tests implement it with a script.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "iso7816/timing.hpp"
#include "transport/ccid_response.hpp"

namespace tessera::reader {

class XfrChannel {
public:
    virtual ~XfrChannel() = default;

    /// Sends abData in one PC_to_RDR_XfrBlock with wLevelParameter and returns the
    /// RDR_to_PC_DataBlock that answers it. `timeout` bounds the reader's answer (time
    /// extensions may lengthen it, within the exchange's cap). Errors: a command the
    /// reader failed comes back as its CcidError (ICC_MUTE, XFR_PARITY_ERROR, ...); an
    /// absent card as ReaderError::no_card; transport failures as their own codes
    /// (UsbError, ExchangeError, MessageError). Blocks; one call at a time.
    virtual Result<transport::Response> xfr_block(ByteView abData, std::uint16_t wLevelParameter,
                                                  std::chrono::milliseconds timeout) = 0;

    /// The largest abData of one message: dwMaxCCIDMessageLength - 10.
    virtual std::size_t max_data_length() const = 0;
};

/// The USB wait for a card wait: the card's time rounded up to ms plus the reader's own
/// overhead (USB, its firmware).
inline std::chrono::milliseconds usb_timeout(std::chrono::microseconds card_wait,
                                             std::chrono::milliseconds overhead) {
    return iso7816::ceil_ms(card_wait) + overhead;
}

}  // namespace tessera::reader
