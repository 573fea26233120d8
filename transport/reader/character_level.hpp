// Character level exchanges (CCID 5.1 dwFeatures bits 16..18 clear, 6.1.4): XfrBlock
// carries raw characters and wLevelParameter says how many characters the reader must
// receive before it answers; the host runs T=0 and T=1 byte by byte.
//
// T=0: each Transmit of the t0::Engine is one XfrBlock whose wLevelParameter is the
// step's receive_length (a procedure byte, the data, SW2); characters longer than one
// message (dwMaxCCIDMessageLength - 10, e.g. a 5-byte header + 255 data bytes on a reader
// with 138-byte messages) go in several XfrBlocks, wLevelParameter 0 for all but the last.
// T=1: a block is read in two messages: the block with wLevelParameter 3 (the card's
// prologue NAD PCB LEN), then an empty XfrBlock for LEN + EDC bytes (t1/block.hpp
// block_length). PPS at this level: host_pps.hpp.
// ICC_MUTE is the engines' timeout, XFR_PARITY_ERROR the T=1 parity error; other failures
// end the exchange with the engine reset.
#pragma once

#include <chrono>
#include <cstddef>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "t0/engine.hpp"
#include "t1/engine.hpp"
#include "transport/reader/xfr_channel.hpp"

namespace tessera::reader {

Result<Bytes> transmit_t0_characters(XfrChannel& channel, t0::Engine& engine, ByteView apdu,
                                     std::chrono::milliseconds overhead, std::size_t max_response);

Result<Bytes> transmit_t1_characters(XfrChannel& channel, t1::Engine& engine, t1::EdcType edc,
                                     ByteView apdu, std::chrono::milliseconds overhead,
                                     std::size_t max_response);

}  // namespace tessera::reader
