#include "transport/ccid_exchange.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "transport/ccid_command.hpp"

namespace tessera::transport {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kMinimumWait{1};  // libusb reads a 0 timeout as "forever"

// timeout x multiplier, saturating.
milliseconds multiply(milliseconds timeout, std::uint32_t multiplier) {
    constexpr auto kMax = std::numeric_limits<milliseconds::rep>::max();
    multiplier = std::max<std::uint32_t>(multiplier, 1);
    if (timeout.count() <= 0) {
        return kMinimumWait;
    }
    if (timeout.count() > kMax / static_cast<milliseconds::rep>(multiplier)) {
        return milliseconds(kMax);
    }
    return timeout * multiplier;
}

}  // namespace

const char* to_string(ExchangeState state) noexcept {
    switch (state) {
        case ExchangeState::idle:
            return "idle";
        case ExchangeState::control_pending:
            return "control_pending";
        case ExchangeState::awaiting_response:
            return "awaiting_response";
        case ExchangeState::done:
            return "done";
        case ExchangeState::failed:
            return "failed";
    }
    return "unknown";
}

Exchange::Exchange(ExchangeConfig config) : config_(config) {}

ExchangeStep Exchange::start(ByteView command, std::optional<milliseconds> timeout) {
    if (state_ == ExchangeState::awaiting_response) {
        return ExchangeFailed{make_error_code(ExchangeError::illegal_event), false};
    }
    reset();
    // The command must be one well-formed PC_to_RDR message within the reader's limits.
    const auto header = read_header(command);
    const auto answer = expected_answer(command);
    if (!header || !answer || header->dwLength > config_.limits.max_data_length() ||
        command.size() != kHeaderSize + header->dwLength ||
        header->bSlot > config_.limits.bMaxSlotIndex) {
        return fail(ExchangeError::invalid_command, false);
    }
    expected_ = *answer;
    command_timeout_ = std::max(timeout.value_or(config_.base_timeout), kMinimumWait);
    current_timeout_ = command_timeout_;
    return wait(Bytes(command.begin(), command.end()), current_timeout_);
}

ExchangeStep Exchange::on_received(ByteView message, std::optional<milliseconds> waited) {
    if (state_ != ExchangeState::awaiting_response) {
        return ExchangeFailed{make_error_code(ExchangeError::illegal_event), false};
    }
    total_wait_ += waited ? std::clamp(*waited, milliseconds(0), issued_timeout_) : issued_timeout_;

    if (message.empty()) {
        return discard();  // a zero-length packet between messages
    }
    const auto header = read_header(message);
    if (!header) {
        return fail(MessageError::too_short, true);
    }
    // CCID 6.2: the answer carries the command's bSeq. Another bSeq is a late answer to an
    // earlier (aborted or timed out) command: drop it and keep waiting.
    if (header->bSeq != expected_.bSeq) {
        return discard();
    }
    if (header->bSlot != expected_.bSlot) {
        return fail(MessageError::slot_mismatch, true);
    }
    auto response = decode_response(message, config_.limits);
    if (!response) {
        return fail(response.error(), false);
    }
    if (response->bMessageType != expected_.bMessageType) {
        return fail(MessageError::unexpected_message_type, false);
    }
    if (response->time_extension()) {
        // CCID 6.2.6: the reader needs more time; bError multiplies the waiting time.
        if (time_extensions_ >= config_.max_time_extensions) {
            return fail(ExchangeError::time_extension_limit, true);
        }
        ++time_extensions_;
        current_timeout_ = multiply(command_timeout_, response->time_extension_multiplier());
        return wait({}, current_timeout_);
    }
    state_ = ExchangeState::done;
    return ExchangeDone{std::move(*response)};
}

ExchangeStep Exchange::on_timeout() {
    if (state_ != ExchangeState::awaiting_response) {
        return ExchangeFailed{make_error_code(ExchangeError::illegal_event), false};
    }
    total_wait_ += issued_timeout_;
    if (cut_by_budget_) {
        return fail(ExchangeError::wait_time_limit, true);
    }
    return fail(ExchangeError::timeout, true);
}

void Exchange::reset() noexcept {
    state_ = ExchangeState::idle;
    expected_ = {};
    command_timeout_ = current_timeout_ = issued_timeout_ = milliseconds(0);
    cut_by_budget_ = false;
    total_wait_ = milliseconds(0);
    time_extensions_ = 0;
    stale_messages_ = 0;
}

ExchangeStep Exchange::wait(Bytes to_send, milliseconds timeout) {
    const milliseconds remaining = config_.max_total_wait > total_wait_
                                       ? config_.max_total_wait - total_wait_
                                       : milliseconds(0);
    if (remaining < kMinimumWait) {
        // Once the command is out, the reader may still be working on it.
        return fail(ExchangeError::wait_time_limit, state_ == ExchangeState::awaiting_response);
    }
    cut_by_budget_ = timeout > remaining;
    issued_timeout_ = std::max(std::min(timeout, remaining), kMinimumWait);
    state_ = ExchangeState::awaiting_response;
    // Room for the longest answer the reader may give (ccid_response.hpp), which can exceed
    // dwMaxCCIDMessageLength; decode_response() checks dwLength against the same bound.
    return BulkTransfer{std::move(to_send), max_answer_length(config_.limits, expected_.bMessageType),
                        issued_timeout_};
}

ExchangeStep Exchange::discard() {
    if (stale_messages_ >= config_.max_stale_messages) {
        return fail(ExchangeError::too_many_stale_responses, true);
    }
    ++stale_messages_;
    return wait({}, current_timeout_);
}

ExchangeStep Exchange::fail(std::error_code error, bool abort_required) {
    state_ = ExchangeState::failed;
    return ExchangeFailed{error, abort_required};
}

AbortExchange::AbortExchange(ExchangeConfig config) : exchange_(config) {}

ExchangeStep AbortExchange::start(std::uint8_t bSlot, std::uint8_t bSeq,
                                  std::uint16_t interface_number) {
    if (state() == ExchangeState::control_pending || state() == ExchangeState::awaiting_response) {
        return ExchangeFailed{make_error_code(ExchangeError::illegal_event), false};
    }
    reset();
    auto command = encode_abort(exchange_.config().limits, {bSlot, bSeq});
    if (!command) {
        return ExchangeFailed{command.error(), false};
    }
    command_ = std::move(*command);
    control_pending_ = true;
    return ControlTransfer{abort_request(bSlot, bSeq, interface_number),
                           exchange_.config().control_timeout};
}

ExchangeStep AbortExchange::on_control_done(std::error_code error) {
    if (!control_pending_) {
        return ExchangeFailed{make_error_code(ExchangeError::illegal_event), false};
    }
    control_pending_ = false;
    control_error_ = error;
    return finish(exchange_.start(command_));
}

ExchangeStep AbortExchange::on_received(ByteView message, std::optional<milliseconds> waited) {
    if (control_pending_) {
        return ExchangeFailed{make_error_code(ExchangeError::illegal_event), false};
    }
    return finish(exchange_.on_received(message, waited));
}

ExchangeStep AbortExchange::on_timeout() {
    if (control_pending_) {
        return ExchangeFailed{make_error_code(ExchangeError::illegal_event), false};
    }
    return finish(exchange_.on_timeout());
}

void AbortExchange::reset() noexcept {
    exchange_.reset();
    control_pending_ = false;
    command_.clear();
    control_error_ = {};
}

ExchangeState AbortExchange::state() const noexcept {
    return control_pending_ ? ExchangeState::control_pending : exchange_.state();
}

ExchangeStep AbortExchange::finish(ExchangeStep step) {
    if (auto* failed = std::get_if<ExchangeFailed>(&step)) {
        failed->abort_required = false;
    }
    return step;
}

}  // namespace tessera::transport
