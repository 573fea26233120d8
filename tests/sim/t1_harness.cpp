#include "tests/sim/t1_harness.hpp"

#include <utility>

#include "t1/block.hpp"

namespace tessera::sim {

namespace {

std::string decode(ByteView bytes, t1::EdcType edc) {
    const auto block = t1::parse_block(bytes, edc);
    if (!block) {
        return "damaged (" + block.error().message() + ")";
    }
    return t1::describe_block(*block);
}

}  // namespace

std::error_code T1Run::error() const {
    if (const auto* failed = std::get_if<Failed>(&outcome)) {
        return failed->error;
    }
    return {};
}

std::vector<std::string> T1Run::trace() const {
    std::vector<std::string> lines;
    for (const T1Turn& turn : turns) {
        lines.push_back("> " + to_hex(turn.sent));
        lines.push_back(turn.received ? "< " + to_hex(*turn.received) : "< none");
    }
    return lines;
}

std::vector<std::string> T1Run::blocks() const {
    std::vector<std::string> lines;
    for (const T1Turn& turn : turns) {
        lines.push_back("> " + decode(turn.sent, edc));
        lines.push_back(turn.received ? "< " + decode(*turn.received, edc) : "< none");
    }
    return lines;
}

T1Run continue_t1(t1::Engine& engine, CardT1& card, Step step, t1::EdcType edc,
                  std::size_t max_turns) {
    T1Run run;
    run.edc = edc;
    while (const auto* transmit = std::get_if<Transmit>(&step)) {
        if (run.turns.size() >= max_turns) {
            run.gave_up = true;
            break;
        }
        T1Turn turn{transmit->bytes, transmit->receive_length, transmit->timeout, std::nullopt};
        turn.received = card.receive(transmit->bytes);
        Step next = turn.received ? engine.on_received(*turn.received) : engine.on_timeout();
        run.turns.push_back(std::move(turn));
        step = std::move(next);
    }
    run.outcome = std::move(step);
    return run;
}

T1Run run_t1(t1::Engine& engine, CardT1& card, ByteView apdu, t1::EdcType edc,
             std::size_t max_turns) {
    return continue_t1(engine, card, engine.start(apdu), edc, max_turns);
}

}  // namespace tessera::sim
