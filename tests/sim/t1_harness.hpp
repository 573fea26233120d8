// Test harness: pumps a t1::Engine against a simulated T=1 card (CardT1) and records the
// block trace.
//
// The harness plays the block-level reader: each Transmit's bytes go to the card; the
// card's answer goes to engine.on_received(), no answer to engine.on_timeout(). The run
// stops at Complete or Failed, or after max_turns Transmits (gave_up: a test failure,
// never a hang).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "base/bytes.hpp"
#include "iso7816/step.hpp"
#include "t1/edc.hpp"
#include "t1/engine.hpp"
#include "tests/sim/card_t1.hpp"

namespace tessera::sim {

/// One Transmit and the card's answer.
struct T1Turn {
    Bytes sent;
    std::size_t receive_length = 0;
    std::chrono::microseconds timeout{0};
    std::optional<Bytes> received;  // nullopt: no answer, the engine saw a timeout
};

struct T1Run {
    t1::EdcType edc = t1::EdcType::lrc;
    std::vector<T1Turn> turns;
    Step outcome = Failed{};  // Complete or Failed (a Transmit when gave_up)
    bool gave_up = false;

    bool completed() const { return std::holds_alternative<Complete>(outcome); }
    bool failed() const { return std::holds_alternative<Failed>(outcome); }
    /// Precondition: completed().
    const Bytes& response() const { return std::get<Complete>(outcome).response; }
    /// The Failed error, or an empty error_code.
    std::error_code error() const;

    /// Exact wire trace, one line per block: "> 00C101FE3E" (device to card),
    /// "< 00E101FE1E" (card to device), "< none" (no answer).
    std::vector<std::string> trace() const;
    /// The same trace decoded: "> S(IFS request FE)", "< I(0) 4 bytes", "< none",
    /// "< damaged (EDC mismatch)".
    std::vector<std::string> blocks() const;
};

/// Runs one exchange of `apdu`: engine.start(apdu), then card and engine in turn.
T1Run run_t1(t1::Engine& engine, CardT1& card, ByteView apdu, t1::EdcType edc,
             std::size_t max_turns = 100'000);

/// Runs the engine from `first` (a Step it already returned) to the end.
T1Run continue_t1(t1::Engine& engine, CardT1& card, Step first, t1::EdcType edc,
                  std::size_t max_turns = 100'000);

}  // namespace tessera::sim
