// The PPS exchange when the host sends it (ISO/IEC 7816-3:2006 9.2, 9.3), through
// XfrBlock at TPDU or character level (CCID 6.1.4). At TPDU level the request goes in one
// XfrBlock and the reader returns the card's whole answer (readers recognise PPSS FF). At
// character level the host reads PPSS PPS0 first (wLevelParameter 2), then as many bytes
// as PPS0 announces (pps_response_length).
//
// A card that does not answer (ICC_MUTE, nothing) gives PpsError::no_response; a wrong
// answer its PpsError. Either way ISO 7816-3 9.3 says: reset the card before anything
// else. Transport failures come back unchanged.
#pragma once

#include <chrono>

#include "iso7816/pps.hpp"
#include "base/result.hpp"
#include "transport/class_descriptor.hpp"
#include "transport/reader/xfr_channel.hpp"

namespace tessera::reader {

/// True when `error` means "the card refused or broke the PPS" (reset and fall back),
/// as opposed to a reader or USB failure.
bool is_card_pps_refusal(std::error_code error);

Result<iso7816::PpsOutcome> exchange_pps(XfrChannel& channel, transport::ExchangeLevel level,
                                         const iso7816::PpsRequest& request,
                                         std::chrono::milliseconds timeout);

}  // namespace tessera::reader
