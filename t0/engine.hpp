// The T=0 exchange engine (ISO/IEC 7816-3:2006 section 10, APDU mapping of 12.2).
//
// A sans-IO state machine at character level: it says which bytes to send and exactly how
// many to receive next, and interprets what comes back byte by byte. It never performs I/O,
// never sleeps and never reads a clock; its driver (the CCID transport in character mode, or
// a test harness with a simulated card) performs each Transmit step and feeds the outcome
// back. What it deliberately does not do: GET RESPONSE on 61xx or a resend on 6Cxx (those
// statuses go back to the caller, who decides), extended APDUs (refused: the caller uses
// ENVELOPE / GET RESPONSE), character repetition and parity (the reader's UART does them).
//
// One exchange:
//   start(apdu)       -> Transmit{header CLA INS P1 P2 P3, 1}              (10.3.2)
//   on_received(b)    -> per procedure byte (10.3.3):
//        ACK = INS           all remaining data: Transmit{data, 1} / Transmit{{}, n}
//        ACK = INS ^ FF      the next data byte: Transmit{data[i], 1} / Transmit{{}, 1}
//        NULL 60             Transmit{{}, 1} again (bounded by Config::max_null_bytes)
//        SW1 6X (not 60), 9X Transmit{{}, 1} for SW2, then Complete{data..., SW1, SW2}
//   on_timeout()      -> Failed{T0Error::timeout}
// Transmit::receive_length is always the exact number of bytes needed next (1 procedure
// byte, n data bytes, SW2). A reception may deliver fewer (the engine then asks for the rest
// with an empty Transmit) but never more (Failed{excess_data}). An empty reception counts as
// a timeout.
//
// Timeouts: WT = WI x 960 x Fi / f (10.2) bounds the delay between the leading edges of two
// consecutive characters, so receiving n characters is bounded by
//   receive_timeout(n) = n x WT + 12 etu
// (the 12 etu are the frame of the last character: 10 etu plus 2 etu guard time, 7.2).
//
// NULL bytes: each restarts WT. The engine fails with too_many_null_bytes on the
// (max_null_bytes + 1)-th NULL of an exchange, so an exchange of a card that sends NULLs
// forever ends within (max_null_bytes + 1) x WT + 12 etu of its last data. The default, 1000,
// allows at least 1000 NULL intervals of card work (minutes for cards that send a NULL near
// each WT) and bounds the wait to about 15 min at WI 10, Fi 372, 4 MHz (WT = 0.893 s).
// Callers with a wall-clock budget lower it (max_null_bytes = budget / WT).
//
// Every Failed step leaves the engine in State::failed; start() may follow. Events the
// current state does not accept (e.g. on_received while idle, start during an exchange)
// fail with T0Error::illegal_event; the failure is recorded in last_failure() and logged
// through Config::log with the state and event names.
//
// Threading: none. An Engine is a plain value owned by one slot; call it from one thread
// at a time. It keeps copies of what it needs: the spans passed in need only live during
// the call.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "iso7816/step.hpp"
#include "iso7816/timing.hpp"
#include "t0/error.hpp"
#include "t0/tpdu.hpp"

namespace tessera::t0 {

inline constexpr std::uint8_t kNull = 0x60;     // ISO 7816-3 10.3.3
inline constexpr std::uint8_t kDefaultWi = 10;  // ISO 7816-3 10.2, TC2 absent

/// Receives one line of text per failure ("t0: ..."); called synchronously from the
/// engine's own calls. Empty: no logging.
using LogSink = std::function<void(std::string_view)>;

struct Config {
    iso7816::LinkRate rate{};             // clock f and Fi / Di in force (after PPS)
    std::uint8_t wi = kDefaultWi;         // waiting time integer, TC2 (10.2); 0 is treated as 10
    std::uint32_t max_null_bytes = 1000;  // NULLs allowed per exchange; see above
    /// An ACK when no data remains is rejected (unexpected_ack) unless this is set; when set
    /// it moves nothing and counts against max_null_bytes like a NULL.
    bool accept_ack_without_data = false;
    LogSink log;
};

/// The engine's declared states.
enum class State {
    idle,             // no exchange yet (or after reset())
    await_procedure,  // waiting for a procedure byte: ACK, NULL or SW1
    receiving_data,   // an ACK asked for data from the card; receiving it
    await_sw2,        // SW1 received; waiting for SW2
    complete,         // the last exchange ended with Complete
    failed,           // the last exchange ended with Failed
};

/// The events the driver feeds in.
enum class Event { start, received, timeout };

const char* to_string(State state);
const char* to_string(Event event);

/// What went wrong in the last failed exchange, for logs and bug reports.
struct Diagnostics {
    T0Error error = T0Error::ok_is_never_used;
    State state = State::idle;  // the state the event arrived in
    Event event = Event::start;
    std::optional<std::uint8_t> byte;  // the offending card byte, if one was
    std::uint8_t ins = 0;
    std::size_t data_remaining = 0;  // data bytes not yet moved when it failed
    std::uint32_t null_bytes = 0;

    /// One line: "t0: <error> (event 'received' in state 'await_procedure', byte 42, ...)".
    std::string message() const;
};

class Engine {
  public:
    explicit Engine(Config config = {});

    /// Begins an exchange for a short command APDU (cases 1, 2S, 3S, 4S). Allowed in idle,
    /// complete and failed; returns the header Transmit, or Failed with apdu_too_short,
    /// apdu_length_mismatch, extended_length_unsupported, invalid_class,
    /// invalid_instruction (or illegal_event during an exchange).
    Step start(ByteView command_apdu);

    /// Feeds bytes received for the last Transmit (at most its receive_length).
    Step on_received(ByteView bytes);

    /// The last Transmit's timeout expired with its receive_length not reached.
    Step on_timeout();

    /// Abandons any exchange (e.g. the transport failed or the card was reset): back to idle.
    void reset() noexcept;

    State state() const noexcept { return state_; }
    const Config& config() const noexcept { return config_; }
    /// WT for the configured rate and WI (ISO 7816-3 10.2).
    std::chrono::microseconds waiting_time() const noexcept { return waiting_time_; }
    /// The timeout given to a Transmit that receives n characters (saturating).
    std::chrono::microseconds receive_timeout(std::size_t n) const noexcept;
    /// NULL bytes (and tolerated empty ACKs) seen in the current or last exchange.
    std::uint32_t null_bytes() const noexcept { return null_bytes_; }
    /// Set when the last exchange failed; cleared by start() and reset().
    const std::optional<Diagnostics>& last_failure() const noexcept { return last_failure_; }

  private:
    struct Rule;
    static const Rule kRules[];

    Step dispatch(Event event, ByteView bytes);
    // Actions of the transition table.
    Step begin(ByteView command_apdu);
    Step receive(ByteView bytes);
    Step expire(ByteView unused);
    // Character-level handling inside receive().
    Step on_procedure_byte(std::uint8_t byte);
    Step on_ack(std::size_t count);
    Step on_null();
    Step on_data(ByteView bytes);
    Step on_sw2(std::uint8_t byte);

    Step request(Bytes to_send, std::size_t receive_length);
    Step fail(T0Error error, Event event, std::optional<std::uint8_t> byte = std::nullopt);

    Config config_;
    std::chrono::microseconds waiting_time_;
    State state_ = State::idle;
    CommandTpdu tpdu_;
    std::size_t sent_ = 0;       // command data bytes already sent (to_card)
    std::size_t remaining_ = 0;  // data bytes still to move in either direction
    std::size_t requested_ = 0;  // bytes still due for the last Transmit
    Bytes response_;
    std::uint32_t null_bytes_ = 0;
    std::optional<Diagnostics> last_failure_;
};

}  // namespace tessera::t0
