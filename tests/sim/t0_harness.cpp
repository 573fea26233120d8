#include "tests/sim/t0_harness.hpp"

#include <algorithm>
#include <deque>

namespace tessera::sim {

std::error_code T0Run::error() const {
    if (const auto* failed = std::get_if<Failed>(&outcome)) {
        return failed->error;
    }
    return {};
}

std::string T0Run::trace() const {
    std::string text;
    for (const T0Turn& turn : turns) {
        if (!text.empty()) {
            text += '\n';
        }
        text += "> ";
        if (!turn.sent.empty()) {
            text += to_hex(turn.sent) + " ";
        }
        text += "?" + std::to_string(turn.receive_length) + "\n< ";
        text += turn.timed_out ? std::string("timeout") : to_hex(turn.received);
    }
    return text;
}

Bytes T0Run::ifd_bytes() const {
    Bytes bytes;
    for (const T0Turn& turn : turns) {
        bytes.insert(bytes.end(), turn.sent.begin(), turn.sent.end());
    }
    return bytes;
}

Bytes T0Run::card_bytes() const {
    Bytes bytes;
    for (const T0Turn& turn : turns) {
        bytes.insert(bytes.end(), turn.received.begin(), turn.received.end());
    }
    return bytes;
}

namespace {
// The card's answer to one Transmit, as on the wire.
Bytes collect(CardT0& card, std::deque<std::uint8_t>& stream, std::size_t wanted,
              Delivery delivery) {
    if (delivery == Delivery::bursts) {
        return card.next_burst().value_or(Bytes{});
    }
    if (delivery == Delivery::trickle) {
        wanted = std::min<std::size_t>(wanted, 1);
    }
    while (stream.size() < wanted) {
        auto burst = card.next_burst();
        if (!burst) {
            break;
        }
        stream.insert(stream.end(), burst->begin(), burst->end());
    }
    const std::size_t n = std::min(wanted, stream.size());
    Bytes bytes(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(n));
    stream.erase(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(n));
    return bytes;
}
}  // namespace

T0Run run_t0(t0::Engine& engine, CardT0& card, ByteView apdu, const HarnessOptions& options) {
    T0Run run;
    std::deque<std::uint8_t> stream;
    Step step = engine.start(apdu);
    while (const auto* transmit = std::get_if<Transmit>(&step)) {
        if (run.turns.size() == options.max_turns) {
            run.gave_up = true;
            break;
        }
        T0Turn turn;
        turn.sent = transmit->bytes;
        turn.receive_length = transmit->receive_length;
        turn.timeout = transmit->timeout;
        card.receive(iso7816::convert_for_convention(turn.sent, options.convention));
        turn.wire_received = collect(card, stream, turn.receive_length, options.delivery);
        turn.received = iso7816::convert_for_convention(turn.wire_received, options.convention);
        turn.timed_out = turn.received.empty();
        step = turn.timed_out ? engine.on_timeout() : engine.on_received(turn.received);
        run.turns.push_back(std::move(turn));
    }
    run.outcome = std::move(step);
    run.unread.assign(stream.begin(), stream.end());
    return run;
}

}  // namespace tessera::sim
