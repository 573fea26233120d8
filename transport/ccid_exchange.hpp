// The sans-IO CCID command/response exchange (USB CCID rev 1.1 sections 5.3.1, 6.1, 6.2).
//
// An Exchange runs one PC_to_RDR message to its RDR_to_PC answer. It never performs I/O,
// never sleeps and never reads a clock: its driver (the USB backend, or a test) performs
// each step and feeds the outcome back, in the manner of the protocol engines
// (iso7816/step.hpp):
//
//   start(command)            -> BulkTransfer{command, max_answer_length(answer type), timeout}
//   on_received(message)      -> per message from bulk-IN:
//       empty, or bSeq not the command's (a stale answer, e.g. of an aborted command)
//                                 discarded: BulkTransfer{{}, ...} again, the same timeout
//                                 (at most max_stale_messages per exchange)
//       bSeq ours, bSlot not   -> ExchangeFailed{MessageError::slot_mismatch}
//       malformed              -> ExchangeFailed{the decoder's MessageError}
//       not the answer type    -> ExchangeFailed{MessageError::unexpected_message_type}
//       time extension (bmCommandStatus 2, bError = multiplier m)
//                              -> BulkTransfer{{}, ..., base timeout x m} (m = 0 read as 1)
//                                 (at most max_time_extensions per exchange)
//       otherwise              -> ExchangeDone{response}; a command the reader failed is
//                                 done too: Response::slot_error() says why
//   on_timeout()              -> ExchangeFailed{ExchangeError::timeout}
//
// Timeouts: the first wait is the command's base timeout (start()'s argument, else
// Config::base_timeout: the reader model derives it from the card's waiting times, the
// command's bBWI and the reader's own overhead). Every wait is at least 1 ms (libusb reads
// 0 as "forever") and is cut to what remains of Config::max_total_wait, counted over the
// whole exchange; when nothing remains the exchange fails with wait_time_limit, also when
// a wait cut short this way times out. The total counts the time each read really took
// when the driver passes it to on_received (else the read's whole timeout), so it bounds
// the exchange's wall-clock time.
//
// ExchangeFailed::abort_required is set when the reader may still be working on the
// command (timeout, time extension or wait limits, too many stale messages, an answer for
// another slot, a message too short to read bSeq from): run an AbortExchange on the slot
// before its next command, or the stale answer would arrive later.
//
// AbortExchange (CCID 5.3.1): ControlTransfer{ABORT request} -> on_control_done(), then the
// Exchange of PC_to_RDR_Abort with the same bSlot and bSeq, whose RDR_to_PC_SlotStatus ends
// it; the aborted command's own answer (CMD_ABORTED, older bSeq) is discarded on the way.
//
// Events a state does not accept (on_received before start, start during an exchange) are
// answered with ExchangeFailed{ExchangeError::illegal_event} and change nothing.
//
// Threading: none. An Exchange is a plain value used from one thread at a time (the one
// holding the reader's lock); several slots' exchanges may run side by side, each with its
// own object, sharing the reader's SequenceCounter. Spans passed in need only live during
// the call; steps own their bytes.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <system_error>
#include <variant>

#include "base/bytes.hpp"
#include "transport/ccid_control.hpp"
#include "transport/ccid_error.hpp"
#include "transport/ccid_message.hpp"
#include "transport/ccid_response.hpp"

namespace tessera::transport {

/// Defaults of ExchangeConfig. The total wait, 10 minutes, outlasts a PIN entry (bTimeOut
/// up to 255 s) followed by minutes of card work (on-card key generation); 600 time
/// extensions allow one a second for as long. Both end a reader that asks forever.
inline constexpr std::chrono::milliseconds kDefaultBaseTimeout{5'000};
inline constexpr std::chrono::milliseconds kDefaultMaxTotalWait{600'000};
inline constexpr std::uint32_t kDefaultMaxTimeExtensions = 600;
inline constexpr std::uint32_t kDefaultMaxStaleMessages = 16;
inline constexpr std::chrono::milliseconds kDefaultControlTimeout{1'000};

struct ExchangeConfig {
    MessageLimits limits;  // the reader's bMaxSlotIndex and dwMaxCCIDMessageLength
    std::chrono::milliseconds base_timeout = kDefaultBaseTimeout;
    std::chrono::milliseconds max_total_wait = kDefaultMaxTotalWait;
    std::uint32_t max_time_extensions = kDefaultMaxTimeExtensions;
    std::uint32_t max_stale_messages = kDefaultMaxStaleMessages;         // wrong bSeq or empty
    std::chrono::milliseconds control_timeout = kDefaultControlTimeout;  // ABORT request
};

/// Perform `setup` on the default control pipe (no data stage) within `timeout`, then call
/// on_control_done() with its outcome.
struct ControlTransfer {
    SetupPacket setup;
    std::chrono::milliseconds timeout{0};
};

/// Write `bytes` to bulk-OUT (nothing when empty), then read one message of at most
/// `receive_length` bytes from bulk-IN within `timeout`; then call on_received() with it,
/// or on_timeout(). `receive_length` is max_answer_length() of the expected answer: at least
/// kMinAnswerLength, so it may exceed dwMaxCCIDMessageLength; the driver may read into a
/// larger buffer (a multiple of the endpoint's wMaxPacketSize), decoding checks the bound.
struct BulkTransfer {
    Bytes bytes;
    std::size_t receive_length = 0;
    std::chrono::milliseconds timeout{0};
};

/// The exchange ended with the reader's answer (which may report a failed command).
struct ExchangeDone {
    Response response;
};

/// The exchange ended without a valid answer.
struct ExchangeFailed {
    std::error_code error;
    bool abort_required = false;  // the reader may still be busy with the command
};

using ExchangeStep = std::variant<ControlTransfer, BulkTransfer, ExchangeDone, ExchangeFailed>;

enum class ExchangeState {
    idle,               // nothing started (or reset())
    control_pending,    // AbortExchange: waiting for the ABORT request's outcome
    awaiting_response,  // a BulkTransfer is out; waiting for on_received / on_timeout
    done,               // ended with ExchangeDone
    failed,             // ended with ExchangeFailed
};

const char* to_string(ExchangeState state) noexcept;

/// bSeq allocation for one reader: 0, 1, ... 255, 0, ... (CCID 6.1: the host numbers its
/// messages; a response carries its command's bSeq). One counter per reader, shared by
/// its slots so that concurrently busy slots never share a bSeq. Guarded by the reader's
/// lock; not thread-safe itself.
class SequenceCounter {
  public:
    explicit SequenceCounter(std::uint8_t first = 0) noexcept : next_(first) {}
    /// The next bSeq; wraps from 255 to 0.
    std::uint8_t next() noexcept { return next_++; }
    std::uint8_t peek() const noexcept { return next_; }

  private:
    std::uint8_t next_;
};

class Exchange {
  public:
    explicit Exchange(ExchangeConfig config = {});

    /// Begins the exchange of `command`, a complete PC_to_RDR message (ccid_command.hpp).
    /// `timeout` replaces Config::base_timeout for this command. Allowed unless an
    /// exchange is running. Errors: ExchangeError::invalid_command (no header, not a
    /// command type, size not 10 + dwLength, beyond the limits).
    ExchangeStep start(ByteView command,
                       std::optional<std::chrono::milliseconds> timeout = std::nullopt);

    /// One message read from bulk-IN for the last BulkTransfer. `waited`: how long the
    /// read took, when the driver measured it.
    ExchangeStep on_received(ByteView message,
                             std::optional<std::chrono::milliseconds> waited = std::nullopt);

    /// The last BulkTransfer's read timed out.
    ExchangeStep on_timeout();

    /// Abandons any exchange (e.g. the device went away): back to idle.
    void reset() noexcept;

    ExchangeState state() const noexcept { return state_; }
    const ExchangeConfig& config() const noexcept { return config_; }
    /// What the running (or last) exchange waits for.
    const Expected& expected() const noexcept { return expected_; }
    std::uint32_t time_extensions() const noexcept { return time_extensions_; }
    std::uint32_t stale_messages() const noexcept { return stale_messages_; }
    /// Wait time counted against max_total_wait so far.
    std::chrono::milliseconds total_wait() const noexcept { return total_wait_; }

  private:
    ExchangeStep wait(Bytes to_send, std::chrono::milliseconds timeout);
    ExchangeStep discard();
    ExchangeStep fail(std::error_code error, bool abort_required);

    ExchangeConfig config_;
    ExchangeState state_ = ExchangeState::idle;
    Expected expected_;
    std::chrono::milliseconds command_timeout_{0};  // this command's base timeout
    std::chrono::milliseconds current_timeout_{0};  // the wait in force (after extensions)
    std::chrono::milliseconds issued_timeout_{0};   // the last BulkTransfer's timeout
    bool cut_by_budget_ = false;                    // issued_timeout_ was cut to the budget
    std::chrono::milliseconds total_wait_{0};
    std::uint32_t time_extensions_ = 0;
    std::uint32_t stale_messages_ = 0;
};

/// The abort sequence of CCID 5.3.1 for one slot. Its failures never set abort_required:
/// a reader that does not complete an abort needs a USB reset.
class AbortExchange {
  public:
    explicit AbortExchange(ExchangeConfig config = {});

    /// ControlTransfer{ABORT, wValue = bSeq << 8 | bSlot, wIndex = interface_number}.
    /// `bSeq` is a fresh number from the reader's SequenceCounter. Errors:
    /// CommandError::slot_out_of_range, ExchangeError::illegal_event during an abort.
    ExchangeStep start(std::uint8_t bSlot, std::uint8_t bSeq, std::uint16_t interface_number);

    /// The ABORT request's outcome (empty: success). The sequence goes on with
    /// PC_to_RDR_Abort either way: readers that stall the request may still honour it, and
    /// their SlotStatus tells. The error is kept in control_error().
    ExchangeStep on_control_done(std::error_code error = {});

    ExchangeStep on_received(ByteView message,
                             std::optional<std::chrono::milliseconds> waited = std::nullopt);
    ExchangeStep on_timeout();
    void reset() noexcept;

    ExchangeState state() const noexcept;
    std::error_code control_error() const noexcept { return control_error_; }
    const Exchange& exchange() const noexcept { return exchange_; }

  private:
    ExchangeStep finish(ExchangeStep step);

    Exchange exchange_;
    bool control_pending_ = false;
    Bytes command_;
    std::error_code control_error_;
};

}  // namespace tessera::transport
