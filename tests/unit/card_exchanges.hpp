// Exchanges between the core's protocol engines and a sim::Card, recorded as traces:
// T=0 at character level (ISO/IEC 7816-3 section 10) through t0::Engine, and T=1
// (section 11) through t1::Engine, configured from the ATR and link that
// card_negotiation.hpp reached.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "card_fixtures.hpp"
#include "card_negotiation.hpp"
#include "iso7816/atr.hpp"
#include "base/bytes.hpp"
#include "iso7816/rate_choice.hpp"
#include "iso7816/step.hpp"
#include "t0/engine.hpp"
#include "t1/block.hpp"
#include "t1/engine.hpp"
#include "tests/sim/card.hpp"

namespace tessera::card_test {

// ---- T=0 at character level: a faithful reader hands the engine one burst per Transmit

struct T0Exchange {
    std::vector<std::string> trace;  // "> bytes sent", "< burst" or "< timeout"
    Step outcome = Failed{};
    std::optional<t0::Diagnostics> failure;

    bool completed() const { return std::holds_alternative<Complete>(outcome); }
    const Bytes& response() const { return std::get<Complete>(outcome).response; }
    std::error_code error() const {
        const auto* failed = std::get_if<Failed>(&outcome);
        return failed ? failed->error : std::error_code();
    }
};

/// One exchange of `apdu` from a fresh t0::Engine to its end (REQUIREs an end).
T0Exchange run_t0(sim::Card& card, ByteView apdu, t0::Config config = {});

// ---- T=1: the engine's blocks to the card, the card's blocks back ----------------------

struct T1Exchange {
    std::vector<std::string> trace;   // "> 00C101FE3E", "< 00E101FE1E", "< none"
    std::vector<std::string> blocks;  // decoded: "> S(IFS request FE)", "< I(0) 4 bytes"
    Step outcome = Failed{};

    bool completed() const { return std::holds_alternative<Complete>(outcome); }
    const Bytes& response() const { return std::get<Complete>(outcome).response; }
    std::error_code error() const {
        const auto* failed = std::get_if<Failed>(&outcome);
        return failed ? failed->error : std::error_code();
    }
    std::size_t count(std::string_view line) const {
        return static_cast<std::size_t>(std::count(blocks.begin(), blocks.end(), line));
    }
};

/// One exchange of `apdu` through `engine` to its end (REQUIREs an end).
T1Exchange run_t1(sim::Card& card, t1::Engine& engine, ByteView apdu,
                  t1::EdcType edc = t1::EdcType::lrc);

/// The device side configured from the parsed ATR and the negotiated link (11.4).
t1::Config t1_device(const iso7816::Atr& atr, const iso7816::LinkChoice& link);

/// A T=1 card negotiated with the SCR3310 and an engine set up for the link reached.
struct T1Session {
    std::unique_ptr<sim::Card> card;
    Negotiation negotiation;
    std::unique_ptr<t1::Engine> engine;

    explicit T1Session(sim::CardConfig config = t1_card()) : card(make_card(std::move(config))) {
        negotiation = negotiate(*card, scr3310(), wants(kT1));
        REQUIRE(negotiation.link.has_value());
        REQUIRE(negotiation.link->protocol == 1);
        engine = std::make_unique<t1::Engine>(t1_device(negotiation.atr, *negotiation.link));
    }
    T1Exchange run(ByteView apdu) { return run_t1(*card, *engine, apdu); }
};

}  // namespace tessera::card_test
