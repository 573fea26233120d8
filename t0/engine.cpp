#include "t0/engine.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <utility>

namespace tessera::t0 {

namespace {
constexpr unsigned bit(State state) {
    return 1u << static_cast<unsigned>(state);
}

bool is_sw1(std::uint8_t byte) {
    const std::uint8_t high = byte & 0xF0;
    return (high == 0x60 && byte != kNull) || high == 0x90;  // ISO 7816-3 10.3.3
}

std::string hex_byte(std::uint8_t byte) {
    return to_hex(ByteView(&byte, 1));
}
}  // namespace

const char* to_string(State state) {
    switch (state) {
        case State::idle:
            return "idle";
        case State::await_procedure:
            return "await_procedure";
        case State::receiving_data:
            return "receiving_data";
        case State::await_sw2:
            return "await_sw2";
        case State::complete:
            return "complete";
        case State::failed:
            return "failed";
    }
    return "unknown";
}

const char* to_string(Event event) {
    switch (event) {
        case Event::start:
            return "start";
        case Event::received:
            return "received";
        case Event::timeout:
            return "timeout";
    }
    return "unknown";
}

std::string Diagnostics::message() const {
    std::string text = "t0: ";
    text += describe(error);
    text += " (event '";
    text += to_string(event);
    text += "' in state '";
    text += to_string(state);
    text += "'";
    if (byte) {
        text += ", byte " + hex_byte(*byte);
    }
    if (state != State::idle && state != State::complete && state != State::failed) {
        text += ", INS " + hex_byte(ins);
        text += ", " + std::to_string(data_remaining) + " data bytes left";
        text += ", " + std::to_string(null_bytes) + " NULL bytes";
    }
    text += ")";
    return text;
}

// The transition table: for each state, the events it accepts, the action that handles
// them and the states the action may lead to. Any other (state, event) pair is illegal.
struct Engine::Rule {
    State state;
    Event event;
    Step (Engine::*action)(ByteView);
    unsigned targets;
};

const Engine::Rule Engine::kRules[] = {
    {State::idle, Event::start, &Engine::begin, bit(State::await_procedure) | bit(State::failed)},
    {State::complete, Event::start, &Engine::begin,
     bit(State::await_procedure) | bit(State::failed)},
    {State::failed, Event::start, &Engine::begin, bit(State::await_procedure) | bit(State::failed)},
    {State::await_procedure, Event::received, &Engine::receive,
     bit(State::await_procedure) | bit(State::receiving_data) | bit(State::await_sw2) |
         bit(State::failed)},
    {State::receiving_data, Event::received, &Engine::receive,
     bit(State::receiving_data) | bit(State::await_procedure) | bit(State::failed)},
    {State::await_sw2, Event::received, &Engine::receive,
     bit(State::complete) | bit(State::failed)},
    {State::await_procedure, Event::timeout, &Engine::expire, bit(State::failed)},
    {State::receiving_data, Event::timeout, &Engine::expire, bit(State::failed)},
    {State::await_sw2, Event::timeout, &Engine::expire, bit(State::failed)},
};

Engine::Engine(Config config)
    : config_(std::move(config)),
      waiting_time_(iso7816::t0_waiting_time(config_.rate, config_.wi)) {}

Step Engine::start(ByteView command_apdu) {
    return dispatch(Event::start, command_apdu);
}

Step Engine::on_received(ByteView bytes) {
    return dispatch(Event::received, bytes);
}

Step Engine::on_timeout() {
    return dispatch(Event::timeout, {});
}

void Engine::reset() noexcept {
    state_ = State::idle;
    requested_ = 0;
    remaining_ = 0;
    response_.clear();
    last_failure_.reset();
}

std::chrono::microseconds Engine::receive_timeout(std::size_t n) const noexcept {
    using std::chrono::microseconds;
    constexpr auto max = std::numeric_limits<microseconds::rep>::max();
    const microseconds frame = iso7816::etu_duration(config_.rate, 12);  // ISO 7816-3 7.2
    const auto wt = waiting_time_.count();
    const auto count = static_cast<microseconds::rep>(n);
    if (wt != 0 && count > (max - frame.count()) / wt) {
        return microseconds(max);
    }
    return microseconds(count * wt) + frame;
}

Step Engine::dispatch(Event event, ByteView bytes) {
    for (const Rule& rule : kRules) {
        if (rule.state == state_ && rule.event == event) {
            Step step = (this->*rule.action)(bytes);
            assert((rule.targets & bit(state_)) != 0);
            return step;
        }
    }
    return fail(T0Error::illegal_event, event);
}

Step Engine::begin(ByteView command_apdu) {
    last_failure_.reset();
    null_bytes_ = 0;
    response_.clear();
    sent_ = 0;
    remaining_ = 0;
    auto tpdu = map_command_apdu(command_apdu);
    if (!tpdu) {
        tpdu_ = CommandTpdu{};
        return fail(static_cast<T0Error>(tpdu.error().value()), Event::start);
    }
    tpdu_ = std::move(*tpdu);
    remaining_ = tpdu_.transfer_length;
    response_.reserve(tpdu_.direction == Direction::from_card ? remaining_ + 2 : 2);
    state_ = State::await_procedure;
    // ISO 7816-3 10.3.2: the header goes alone; the card's procedure byte says what next.
    return request(Bytes(tpdu_.header.begin(), tpdu_.header.end()), 1);
}

Step Engine::receive(ByteView bytes) {
    if (bytes.empty()) {
        return expire(bytes);
    }
    if (bytes.size() > requested_) {
        return fail(T0Error::excess_data, Event::received, bytes[requested_]);
    }
    requested_ -= bytes.size();
    switch (state_) {
        case State::receiving_data:
            return on_data(bytes);
        case State::await_procedure:
            return on_procedure_byte(bytes[0]);
        case State::await_sw2:
            return on_sw2(bytes[0]);
        default:
            return fail(T0Error::illegal_event, Event::received);
    }
}

Step Engine::expire(ByteView) {
    return fail(T0Error::timeout, Event::timeout);
}

// ISO 7816-3 10.3.3: one procedure byte, acted on as it arrives.
Step Engine::on_procedure_byte(std::uint8_t byte) {
    if (byte == kNull) {
        return on_null();
    }
    if (is_sw1(byte)) {
        response_.push_back(byte);
        state_ = State::await_sw2;
        return request({}, 1);
    }
    if (byte == tpdu_.ins()) {
        return on_ack(remaining_);
    }
    if (byte == static_cast<std::uint8_t>(tpdu_.ins() ^ 0xFF)) {
        return on_ack(1);
    }
    // With no data left only NULL or SW1 may come: the card owes its status.
    return fail(remaining_ > 0 ? T0Error::invalid_procedure_byte : T0Error::invalid_sw1,
                Event::received, byte);
}

Step Engine::on_ack(std::size_t count) {
    if (remaining_ == 0) {
        if (!config_.accept_ack_without_data) {
            return fail(T0Error::unexpected_ack, Event::received, tpdu_.ins());
        }
        return on_null();
    }
    count = std::min(count, remaining_);
    if (tpdu_.direction == Direction::to_card) {
        const auto first = tpdu_.data.begin() + static_cast<std::ptrdiff_t>(sent_);
        Bytes chunk(first, first + static_cast<std::ptrdiff_t>(count));
        sent_ += count;
        remaining_ -= count;
        return request(std::move(chunk), 1);
    }
    state_ = State::receiving_data;
    return request({}, count);
}

// ISO 7816-3 10.3.3: NULL asks for another WT; the count bounds the exchange's duration.
Step Engine::on_null() {
    ++null_bytes_;
    if (null_bytes_ > config_.max_null_bytes) {
        return fail(T0Error::too_many_null_bytes, Event::received, kNull);
    }
    return request({}, 1);
}

Step Engine::on_data(ByteView bytes) {
    response_.insert(response_.end(), bytes.begin(), bytes.end());
    remaining_ -= bytes.size();
    if (requested_ > 0) {
        return request({}, requested_);
    }
    state_ = State::await_procedure;
    return request({}, 1);
}

Step Engine::on_sw2(std::uint8_t byte) {
    response_.push_back(byte);
    state_ = State::complete;
    return Complete{std::exchange(response_, {})};
}

Step Engine::request(Bytes to_send, std::size_t receive_length) {
    requested_ = receive_length;
    return Transmit{std::move(to_send), receive_length, receive_timeout(receive_length)};
}

Step Engine::fail(T0Error error, Event event, std::optional<std::uint8_t> byte) {
    Diagnostics diagnostics;
    diagnostics.error = error;
    diagnostics.state = state_;
    diagnostics.event = event;
    diagnostics.byte = byte;
    diagnostics.ins = tpdu_.ins();
    diagnostics.data_remaining = remaining_;
    diagnostics.null_bytes = null_bytes_;
    if (config_.log) {
        config_.log(diagnostics.message());
    }
    last_failure_ = diagnostics;
    state_ = State::failed;
    requested_ = 0;
    response_.clear();
    return Failed{make_error_code(error)};
}

}  // namespace tessera::t0
