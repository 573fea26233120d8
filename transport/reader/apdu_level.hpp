// Short and extended APDU level exchanges (CCID 5.1 dwFeatures 0x20000 / 0x40000, 6.1.4):
// the reader runs T=0 / T=1 itself and XfrBlock carries whole APDUs.
//
// Short APDU level: the command APDU in one XfrBlock (wLevelParameter 0), the response in
// one DataBlock. Extended APDUs are refused with ReaderError::not_supported (the reader
// could not carry them, and ENVELOPE is not attempted).
//
// Extended APDU level, CCID 6.1.4 Table 6.1-3 and 6.2.1: a command longer than one
// message's abData (dwMaxCCIDMessageLength - 10) goes in parts, wLevelParameter 0001
// (begins, continues), 0003 (continues) ... 0002 (ends); the reader answers every part but
// the last with an empty DataBlock whose bChainParameter is 10 ("send the next part").
// A response in parts comes with bChainParameter 01 (begins, continues), 03 ..., 02 (ends);
// the host asks for each next part with an empty XfrBlock, wLevelParameter 0010.
// Responses are bounded by `max_response` (the caller's buffer, at most 65536 + 2) and by
// kMaxResponseParts messages; an empty middle part is a protocol error, so a reader can
// not chain forever.
#pragma once

#include <chrono>
#include <cstddef>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "transport/reader/xfr_channel.hpp"

namespace tessera::reader {

/// Largest response APDU: 65536 data bytes + SW1 SW2.
inline constexpr std::size_t kMaxResponseApdu = 65536 + 2;
/// Largest command APDU: extended case 4, 4 + 3 + 65535 + 2 bytes.
inline constexpr std::size_t kMaxCommandApdu = 65544;
inline constexpr std::size_t kMaxResponseParts = 4096;

/// True for an extended-length command APDU (ISO 7816-4 5.1: a 00 byte after the header
/// followed by more bytes).
bool is_extended_apdu(ByteView apdu) noexcept;

/// Errors: ReaderError::invalid_apdu (under 4 bytes), not_supported (extended, or larger
/// than one message), buffer_too_small, protocol_error (no SW, chained answer), and
/// XfrChannel errors.
Result<Bytes> transmit_short_apdu(XfrChannel& channel, ByteView apdu,
                                  std::chrono::milliseconds timeout, std::size_t max_response);

/// Errors: as transmit_short_apdu, protocol_error for a chain the reader breaks.
Result<Bytes> transmit_extended_apdu(XfrChannel& channel, ByteView apdu,
                                     std::chrono::milliseconds timeout, std::size_t max_response);

}  // namespace tessera::reader
