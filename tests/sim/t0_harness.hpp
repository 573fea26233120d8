// Test harness: pumps a T=0 engine against a simulated T=0 card and records the trace.
//
// The harness plays the character-level reader: for each Transmit it encodes the bytes for
// the wire convention, hands them to the card, then collects the card's answer and decodes
// it for the engine. How the card's bursts reach the engine is a setting:
//   bursts   one burst per Transmit, whatever its size (a reader returning what the card
//            sent in one go: a burst longer than asked for reaches the engine as such)
//   stream   the card's bytes form one stream; each Transmit takes at most receive_length
//            bytes from it (a UART); bytes not taken stay for the next Transmit
//   trickle  like stream, but one byte per reception (partial deliveries)
// No byte from the card within a Transmit -> on_timeout(). The run stops at Complete or
// Failed, or after max_turns Transmits (gave_up: a test failure, never a hang).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "iso7816/convention.hpp"
#include "iso7816/step.hpp"
#include "t0/engine.hpp"
#include "tests/sim/card_t0.hpp"
#include "tests/support/hex.hpp"

namespace tessera::sim {

enum class Delivery { bursts, stream, trickle };

struct HarnessOptions {
    Delivery delivery = Delivery::bursts;
    iso7816::Convention convention = iso7816::Convention::direct;  // the reader's setting
    std::size_t max_turns = 100'000;
};

/// One Transmit and its outcome.
struct T0Turn {
    Bytes sent;  // logical bytes the engine sent
    std::size_t receive_length = 0;
    std::chrono::microseconds timeout{0};
    Bytes wire_received;  // the card's bytes as on the wire
    Bytes received;       // decoded, as fed to the engine; empty on timeout
    bool timed_out = false;
};

struct T0Run {
    std::vector<T0Turn> turns;
    Step outcome = Failed{};  // Complete or Failed (Transmit when gave_up)
    bool gave_up = false;
    Bytes unread;  // stream / trickle: card bytes left in the stream at the end

    bool completed() const { return std::holds_alternative<Complete>(outcome); }
    bool failed() const { return std::holds_alternative<Failed>(outcome); }
    /// Precondition: completed().
    const Bytes& response() const { return std::get<Complete>(outcome).response; }
    /// The Failed error, or an empty error_code.
    std::error_code error() const;
    /// The trace, one line per event: "> 00B0000004 ?1" (sent, then receive_length),
    /// "< B0" (received, decoded) or "< timeout"; lines joined by '\n'.
    std::string trace() const;
    /// All bytes the engine sent, in order.
    Bytes ifd_bytes() const;
    /// All card bytes the engine received (decoded), in order.
    Bytes card_bytes() const;
};

/// Runs one exchange of `apdu` from start() to its end.
T0Run run_t0(t0::Engine& engine, CardT0& card, ByteView apdu, const HarnessOptions& options = {});

/// An application, a T=0 card in front of it and an engine: one simulated slot.
struct T0Bench {
    explicit T0Bench(CardT0Options card_options = {}, t0::Config config = {})
        : card(application, card_options), engine(std::move(config)) {}

    T0Run run(std::string_view apdu_hex, const HarnessOptions& options = {}) {
        return run_t0(engine, card, test::hex(apdu_hex), options);
    }

    CardApplication application;
    CardT0 card;
    t0::Engine engine;
};

}  // namespace tessera::sim
