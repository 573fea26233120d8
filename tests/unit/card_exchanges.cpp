#include "card_exchanges.hpp"

#include <doctest/doctest.h>

#include <utility>

namespace tessera::card_test {

using sim::Card;

T0Exchange run_t0(Card& card, ByteView apdu, t0::Config config) {
    t0::Engine engine(std::move(config));
    T0Exchange exchange;
    Step step = engine.start(apdu);
    for (int turn = 0; turn < 10'000; ++turn) {
        const auto* transmit = std::get_if<Transmit>(&step);
        if (transmit == nullptr) {
            break;
        }
        exchange.trace.push_back("> " + to_hex(transmit->bytes));
        card.t0_receive(transmit->bytes);
        const auto burst = card.t0_next_burst();
        exchange.trace.push_back(burst ? "< " + to_hex(*burst) : "< timeout");
        step = burst ? engine.on_received(*burst) : engine.on_timeout();
    }
    REQUIRE_FALSE(std::holds_alternative<Transmit>(step));
    exchange.outcome = std::move(step);
    exchange.failure = engine.last_failure();
    return exchange;
}

namespace {

std::string decode(ByteView bytes, t1::EdcType edc) {
    const auto block = t1::parse_block(bytes, edc);
    return block ? t1::describe_block(*block) : "damaged";
}

}  // namespace

T1Exchange run_t1(Card& card, t1::Engine& engine, ByteView apdu, t1::EdcType edc) {
    T1Exchange exchange;
    Step step = engine.start(apdu);
    for (int turn = 0; turn < 20'000; ++turn) {
        const auto* transmit = std::get_if<Transmit>(&step);
        if (transmit == nullptr) {
            break;
        }
        exchange.trace.push_back("> " + to_hex(transmit->bytes));
        exchange.blocks.push_back("> " + decode(transmit->bytes, edc));
        const auto answer = card.t1_block(transmit->bytes);
        exchange.trace.push_back(answer ? "< " + to_hex(*answer) : "< none");
        exchange.blocks.push_back(answer ? "< " + decode(*answer, edc) : "< none");
        step = answer ? engine.on_received(*answer) : engine.on_timeout();
    }
    REQUIRE_FALSE(std::holds_alternative<Transmit>(step));
    exchange.outcome = std::move(step);
    return exchange;
}

t1::Config t1_device(const iso7816::Atr& atr, const iso7816::LinkChoice& link) {
    t1::Config config;
    config.ifsc = atr.ifsc;
    config.edc = atr.edc == iso7816::Edc::crc ? t1::EdcType::crc : t1::EdcType::lrc;
    config.bwi = atr.bwi;
    config.cwi = atr.cwi;
    config.extra_guard_time = atr.n;
    config.rate = link.link_rate();
    return config;
}

}  // namespace tessera::card_test
