// TPDU level exchanges (CCID 5.1 dwFeatures 0x10000, 6.1.4 wLevelParameter 0): the reader
// moves whole TPDUs; the host runs the protocol.
//
// T=0 (ISO 7816-3 10, 12.2): the command APDU mapped onto one TPDU (t0/tpdu.hpp), header
// and data in one XfrBlock; the reader handles the procedure bytes and answers data + SW1
// SW2. 61xx / 6Cxx go back to the caller: no GET RESPONSE is sent here.
// T=1 (ISO 7816-3 11): each block of the t1::Engine in one XfrBlock, the card's block in
// the DataBlock. ICC_MUTE from the reader is the engine's timeout, XFR_PARITY_ERROR its
// parity error; other failures end the exchange (the engine is reset, the slot decides).
#pragma once

#include <chrono>
#include <cstddef>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "t1/engine.hpp"
#include "transport/reader/xfr_channel.hpp"

namespace tessera::reader {

/// Errors: T0Error from the mapping (invalid APDU, extended length), buffer_too_small,
/// protocol_error (answer shorter than SW1 SW2 or longer than the TPDU allows),
/// XfrChannel errors.
Result<Bytes> transmit_t0_tpdu(XfrChannel& channel, ByteView apdu,
                               std::chrono::milliseconds timeout, std::size_t max_response);

/// Runs one T=1 transmission of `apdu` through `engine`, each Transmit step as one
/// XfrBlock with a timeout of the step's card wait plus `overhead`. Errors: t1::Error,
/// buffer_too_small, XfrChannel errors other than ICC_MUTE / parity.
Result<Bytes> transmit_t1_blocks(XfrChannel& channel, t1::Engine& engine, ByteView apdu,
                                 std::chrono::milliseconds overhead, std::size_t max_response);

/// Goes on with a T=1 transmission from the engine's `step`, as transmit_t1_blocks()
/// does after start(): for an exchange begun elsewhere (a PIN pad reader's I-block,
/// t1::Engine::start_delegated()).
Result<Bytes> continue_t1_blocks(XfrChannel& channel, t1::Engine& engine, Step step,
                                 std::chrono::milliseconds overhead, std::size_t max_response);

}  // namespace tessera::reader
