// The step type of the sans-IO protocol engines (t0/, t1/).
//
// An engine never performs I/O. Its driver (the CCID transport, or a test harness with a
// simulated card) calls `start(...)`, then performs what each returned Step asks and feeds
// the outcome back (`on_received(bytes)` or `on_timeout()`), until a Complete or Failed
// step ends the exchange. Engines are single-threaded objects: one exchange at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <system_error>
#include <variant>

#include "base/bytes.hpp"

namespace tessera {

/// Send `bytes` to the card (may be empty: only receive), then receive.
/// T=0 (character level) expects exactly `receive_length` bytes; T=1 expects one block of
/// at most `receive_length` bytes. `timeout` bounds the wait for the answer, derived from
/// the protocol's waiting times (WT, BWT x WTX, CWT) at the current clock and rate.
struct Transmit {
    Bytes bytes;
    std::size_t receive_length = 0;
    std::chrono::microseconds timeout{0};
};

/// The exchange ended with the card's response (response APDU: data then SW1 SW2).
struct Complete {
    Bytes response;
};

/// The exchange ended with an error; the engine must be restarted (or the card reset,
/// when the error says the link is lost).
struct Failed {
    std::error_code error;
};

using Step = std::variant<Transmit, Complete, Failed>;

}  // namespace tessera
