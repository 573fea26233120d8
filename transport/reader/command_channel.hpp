// CommandChannel: runs CCID commands over a UsbPort, one at a time: the I/O half of the
// sans-IO transport::Exchange and transport::AbortExchange (ccid_exchange.hpp).
//
// For each command: bulk-OUT write, bulk-IN reads with the exchange's timeouts (time
// extensions, stale bSeq discarded, total wait capped) into a buffer of the exchange's
// receive_length (which may exceed dwMaxCCIDMessageLength, ccid_response.hpp) rounded up to
// a multiple of the bulk-IN wMaxPacketSize; when the exchange ends with
// abort_required it runs the abort sequence of CCID 5.3.1 (class request ABORT, then
// PC_to_RDR_Abort, 6.1.13) before returning the error, so that the next command never
// reads the aborted command's late answer. A stalled endpoint is cleared (CLEAR_FEATURE
// ENDPOINT_HALT) and the command aborted. UsbError::no_device is final: the channel
// remembers it and fails every later command at once with it.
//
// Threads: not thread-safe. The reader calls it with its command lock held; the
// SequenceCounter inside is the reader's one bSeq source. Ownership: it references the
// port, which must outlive it.
//
// The sans-IO exchange machinery stays in command_channel.cpp; callers see only the
// bounds (ExchangeBounds) and the decoded Response.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "transport/ccid_command.hpp"
#include "transport/ccid_response.hpp"
#include "transport/usb/usb_port.hpp"

namespace tessera::reader {

/// Builds the wire bytes of one PC_to_RDR message for a bSlot / bSeq (ccid_command.hpp).
using CommandEncoder = std::function<Result<Bytes>(transport::Address)>;

/// The bounds of every exchange: transport::ExchangeConfig without the limits, with the
/// same defaults (a test checks they agree).
struct ExchangeBounds {
    std::chrono::milliseconds base_timeout{5'000};
    std::chrono::milliseconds max_total_wait{600'000};
    std::uint32_t max_time_extensions = 600;
    std::uint32_t max_stale_messages = 16;
    std::chrono::milliseconds control_timeout{1'000};  // the ABORT class request
};

struct ChannelCounters {
    std::uint64_t commands = 0;      // commands started
    std::uint64_t aborts = 0;        // abort sequences run
    std::uint64_t stalls_cleared = 0;
};

class CommandChannel {
public:
    /// `interface_number`: wIndex of the ABORT request. `write_timeout` bounds each
    /// bulk-OUT transfer.
    CommandChannel(usb::UsbPort& port, transport::MessageLimits limits, ExchangeBounds bounds,
                   std::uint16_t interface_number, std::chrono::milliseconds write_timeout);
    ~CommandChannel();
    CommandChannel(const CommandChannel&) = delete;
    CommandChannel& operator=(const CommandChannel&) = delete;

    /// Runs one command for `bSlot` and returns the reader's answer; a command the reader
    /// failed (bmCommandStatus 1) is an answer too (Response::slot_error()). `timeout`:
    /// the first wait for the answer (nullopt: the configured base timeout). Errors:
    /// CommandError (encoding), UsbError (no_device, cancelled, io...), ExchangeError
    /// (timeout, limits), MessageError (malformed or mismatched answer).
    Result<transport::Response> run(std::uint8_t bSlot, const CommandEncoder& encode,
                                    std::optional<std::chrono::milliseconds> timeout = std::nullopt);

    /// The abort sequence of CCID 5.3.1 for a slot (also run by run() when needed).
    std::error_code abort(std::uint8_t bSlot);

    bool device_gone() const noexcept { return gone_; }
    const ChannelCounters& counters() const noexcept { return counters_; }

private:
    struct Machinery;  // the exchange configuration, bSeq counter and step driver

    std::unique_ptr<Machinery> machinery_;
    bool gone_ = false;
    ChannelCounters counters_;
};

}  // namespace tessera::reader
