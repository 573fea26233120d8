// The simulated card's PPS side (ISO/IEC 7816-3:2006 section 9), and whole negotiations:
// choose_rates' plan carried out against the card, PPS requests validated, fallback after
// a reset, until both sides agree on the link.
#include <doctest/doctest.h>

#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "iso7816/pps.hpp"
#include "iso7816/rate_choice.hpp"
#include "tests/sim/card_pps.hpp"
#include "tests/support/hex.hpp"
#include "tests/support/reader_rates.hpp"

using namespace tessera;
using namespace tessera::iso7816;
using tessera::sim::CardLink;
using tessera::sim::CardPps;
using tessera::sim::CardPpsConfig;
using tessera::sim::PpsBehaviour;
using tessera::sim::UnsupportedAnswer;

namespace {

using tessera::test::hex;
using tessera::test::kT0;
using tessera::test::kT1;
using tessera::test::scr3310;
using tessera::test::wants;

CardPpsConfig t1_card(std::uint8_t ta1) {
    CardPpsConfig config;
    config.ta1 = FiDi::from_byte(ta1);
    config.offered_protocols = kT1;
    config.first_offered_protocol = 1;
    return config;
}

// The interface device's side, as the transport will run it: plan from the ATR, PPS right
// after the ATR, reset and next candidate on any fault, warm reset out of specific mode.
struct Negotiation {
    std::optional<LinkChoice> link;
    std::error_code error;           // from choose_rates, when it refused
    std::vector<Bytes> requests;     // PPS requests sent
    std::vector<std::error_code> faults;  // validation errors of refused attempts
    std::size_t resets = 0;
    bool warm_reset = false;
};

Negotiation negotiate(CardPps& card, const ReaderRates& reader, RateRequest request) {
    Negotiation result;
    auto plan = choose_rates(card.atr_rates(), reader, request);
    if (plan && plan->kind == PlanKind::warm_reset) {
        card.warm_reset();
        result.warm_reset = true;
        request.warm_reset_done = true;
        plan = choose_rates(card.atr_rates(), reader, request);
    }
    if (!plan) {
        result.error = plan.error();
        return result;
    }
    if (plan->kind == PlanKind::use_specific) {
        result.link = plan->candidates.front();
        return result;
    }
    REQUIRE(plan->kind == PlanKind::negotiate);
    for (std::size_t i = 0; i < plan->candidates.size(); ++i) {
        if (i > 0) {
            card.cold_reset();
            ++result.resets;
        }
        const LinkChoice& candidate = plan->candidates[i];
        if (!candidate.pps_needed) {
            result.link = candidate;
            return result;
        }
        REQUIRE(may_send_pps(card.atr_rates(), 0));
        const PpsRequest pps = pps_request_for(candidate);
        const auto bytes = build_pps_request(pps);
        REQUIRE(bytes.has_value());
        result.requests.push_back(*bytes);
        const Bytes answer = card.answer_pps(*bytes);
        const auto outcome = validate_pps_response(pps, answer);
        if (outcome) {
            result.link = link_after_pps(*plan, candidate, *outcome);
            return result;
        }
        result.faults.push_back(outcome.error());
    }
    return result;
}

CardLink card_view(const LinkChoice& link) { return CardLink{link.protocol, link.fi_di}; }

}  // namespace

TEST_CASE("Card: echoes a valid request and switches to its values") {
    CardPps card(t1_card(0x96));
    CHECK(card.link() == CardLink{1, kDefaultFiDi});
    CHECK(card.pps_window_open());
    CHECK(card.answer_pps(hex("FF 11 96 78")) == hex("FF 11 96 78"));
    CHECK(card.link() == CardLink{1, FiDi{9, 6}});
    CHECK_FALSE(card.pps_window_open());
}

TEST_CASE("Card: drops PPS2 unless it supports SPU, never echoes PPS3") {
    CardPps plain(t1_card(0x96));
    // Answer FF 11 13 FD: EE ^ 13 = FD
    CHECK(plain.answer_pps(hex("FF 31 13 00 DD")) == hex("FF 11 13 FD"));
    CardPpsConfig config = t1_card(0x96);
    config.echoes_pps2 = true;
    CardPps spu(config);
    CHECK(spu.answer_pps(hex("FF 31 13 00 DD")) == hex("FF 31 13 00 DD"));
    // FF ^ 71 = 8E, 8E ^ 13 = 9D, 9D ^ 00 = 9D, 9D ^ 00 = 9D; answer without PPS3.
    CardPps rfu(config);
    CHECK(rfu.answer_pps(hex("FF 71 13 00 00 9D")) == hex("FF 31 13 00 DD"));
}

TEST_CASE("Card: a malformed request gets no answer and leaves the card at Fd/Dd (9.1)") {
    for (const char* bad : {"FF 11 96 77", "FF 11 96", "FE 11 96 79", "FF 11 96 78 00",
                            "FF 91 96 F8", "FF 0F F0"}) {
        INFO(bad);
        CardPps card(t1_card(0x96));
        CHECK(card.answer_pps(hex(bad)).empty());
        CHECK(card.link() == CardLink{1, kDefaultFiDi});
        // The card then waits for a reset: a correct request is not answered either.
        CHECK(card.answer_pps(hex("FF 11 96 78")).empty());
        card.cold_reset();
        CHECK(card.answer_pps(hex("FF 11 96 78")) == hex("FF 11 96 78"));
    }
}

TEST_CASE("Card: PPS only as the first exchange after the ATR (9.1)") {
    CardPps card(t1_card(0x96));
    card.on_other_exchange();
    CHECK(card.answer_pps(hex("FF 11 96 78")).empty());
    CHECK(card.link() == CardLink{1, kDefaultFiDi});
    card.cold_reset();
    CHECK(card.answer_pps(hex("FF 11 96 78")) == hex("FF 11 96 78"));
    // A second PPS after a successful one is not answered.
    CHECK(card.answer_pps(hex("FF 11 96 78")).empty());
    CHECK(card.link() == CardLink{1, FiDi{9, 6}});
    CHECK(card.pps_requests() == 3);
    CHECK(card.answers() == 1);
}

TEST_CASE("Card: a protocol it does not offer, and values beyond its abilities") {
    CardPps card(t1_card(0x96));
    CHECK(card.answer_pps(hex("FF 10 96 79")).empty());  // T=0 not offered

    CardPpsConfig config = t1_card(0x96);
    config.fastest_supported = FiDi{9, 5};
    CardPps mute(config);
    CHECK(mute.answer_pps(hex("FF 11 96 78")).empty());
    config.unsupported = UnsupportedAnswer::defaults;
    CardPps polite(config);
    CHECK(polite.answer_pps(hex("FF 11 96 78")) == hex("FF 01 FE"));
    CHECK(polite.link() == CardLink{1, kDefaultFiDi});
    // 372/32 is faster than the card's 512/32: refused. EE ^ 16 = F8
    CardPps strict(t1_card(0x96));
    CHECK(strict.answer_pps(hex("FF 11 16 F8")).empty());
    // Reserved FI 7: EE ^ 71 = 9F
    CardPps reserved(t1_card(0x96));
    CHECK(reserved.answer_pps(hex("FF 11 71 9F")).empty());
}

TEST_CASE("Card: each misbehaviour produces the answer it names") {
    const Bytes request = hex("FF 11 96 78");
    const PpsRequest sent{1, FiDi{9, 6}, std::nullopt, std::nullopt};
    struct Case {
        PpsBehaviour behaviour;
        const char* answer;
        std::optional<PpsError> error;
    };
    const Case cases[] = {
        {PpsBehaviour::accept, "FF 11 96 78", std::nullopt},
        {PpsBehaviour::refuse, "", PpsError::no_response},
        {PpsBehaviour::partial, "FF 01 FE", std::nullopt},
        {PpsBehaviour::wrong_pck, "FF 11 96 22", PpsError::bad_pck},        // 78 ^ 5A
        {PpsBehaviour::other_protocol, "FF 10 96 79", PpsError::protocol_mismatch},
        {PpsBehaviour::garbage, "12 34 56", PpsError::bad_ppss},
    };
    for (const auto& c : cases) {
        INFO(c.answer);
        CardPpsConfig config = t1_card(0x96);
        config.offered_protocols = kT0 | kT1;
        config.behaviour = c.behaviour;
        CardPps card(config);
        const Bytes answer = card.answer_pps(request);
        CHECK(answer == hex(c.answer));
        const auto outcome = validate_pps_response(sent, answer);
        if (c.error) {
            CHECK(outcome.error() == *c.error);
        } else {
            CHECK(outcome.has_value());
        }
    }
}

TEST_CASE("Card: specific mode, and warm reset to negotiable mode when TA2 b8 = 0") {
    CardPpsConfig config = t1_card(0x13);
    config.ta2 = 0x01;
    CardPps card(config);
    CHECK(card.specific_mode());
    CHECK(card.link() == CardLink{1, FiDi{1, 3}});
    CHECK(card.answer_pps(hex("FF 01 FE")).empty());
    CHECK(card.atr_rates().specific.has_value());
    card.warm_reset();
    CHECK_FALSE(card.specific_mode());
    CHECK_FALSE(card.atr_rates().specific.has_value());
    CHECK(card.link() == CardLink{1, kDefaultFiDi});
    card.cold_reset();
    CHECK(card.specific_mode());

    config.ta2 = 0x81;
    CardPps stuck(config);
    stuck.warm_reset();
    CHECK(stuck.specific_mode());

    config.ta2 = 0x11;  // implicit parameters
    config.implicit_fi_di = FiDi{9, 4};
    CardPps implicit(config);
    CHECK(implicit.link() == CardLink{1, FiDi{9, 4}});
}

TEST_CASE("Negotiation accepted: the card's own pair on the first PPS, both sides agree") {
    CardPps card(t1_card(0x96));
    const auto result = negotiate(card, scr3310(), wants(kT1));
    REQUIRE(result.link.has_value());
    CHECK(result.link->fi_di == FiDi{9, 6});
    CHECK(result.link->clock_khz == 4000);
    CHECK(result.link->bps == 250000);
    CHECK(result.requests == std::vector<Bytes>{hex("FF 11 96 78")});
    CHECK(result.resets == 0);
    CHECK(card.link() == card_view(*result.link));
}

TEST_CASE("Negotiation refused, then fallback after a reset to the next slower candidate") {
    // The card announces 512/32 but only runs up to 512/16 and stays mute beyond.
    CardPpsConfig config = t1_card(0x96);
    config.fastest_supported = FiDi{9, 5};
    CardPps card(config);
    const auto result = negotiate(card, scr3310(), wants(kT1, 10));
    REQUIRE(result.link.has_value());
    // 96 (250000), 19 (215053), 15 (172043), 99 (156250), 18 (129032) refused; 95 taken.
    // EE ^ 19 = F7, EE ^ 15 = FB, EE ^ 99 = 77, EE ^ 18 = F6, EE ^ 95 = 7B
    const std::vector<Bytes> expected = {hex("FF 11 96 78"), hex("FF 11 19 F7"),
                                         hex("FF 11 15 FB"), hex("FF 11 99 77"),
                                         hex("FF 11 18 F6"), hex("FF 11 95 7B")};
    CHECK(result.requests == expected);
    CHECK(result.resets == 5);
    CHECK(result.faults == std::vector<std::error_code>(5, PpsError::no_response));
    CHECK(result.link->fi_di == FiDi{9, 5});
    CHECK(result.link->bps == 125000);
    CHECK(card.link() == card_view(*result.link));
}

TEST_CASE("Negotiation refused throughout: Fd/Dd with the default protocol, no PPS, last") {
    CardPpsConfig config = t1_card(0x96);
    config.behaviour = PpsBehaviour::refuse;
    CardPps card(config);
    const auto result = negotiate(card, scr3310(), wants(kT1));
    REQUIRE(result.link.has_value());
    CHECK(result.requests.size() == 3);  // the cap
    CHECK(result.resets == 3);
    CHECK_FALSE(result.link->pps_needed);
    CHECK(result.link->fi_di == kDefaultFiDi);
    CHECK(card.pps_requests() == 3);
    CHECK(card.link() == card_view(*result.link));
}

TEST_CASE("Negotiation refused for a non-default protocol: no link at all") {
    CardPpsConfig config = t1_card(0x13);
    config.offered_protocols = kT0 | kT1;
    config.first_offered_protocol = 0;
    config.behaviour = PpsBehaviour::refuse;
    CardPps card(config);
    const auto result = negotiate(card, scr3310(), wants(kT1));
    CHECK_FALSE(result.link.has_value());
    // 13, 12, then Fd/Dd with T=1 which still needs a PPS: FF 01 FE.
    REQUIRE(result.requests.size() == 3);
    CHECK(result.requests.back() == hex("FF 01 FE"));
}

TEST_CASE("Negotiation partially accepted: Fd/Dd with the protocol, no further attempt") {
    CardPpsConfig config = t1_card(0x96);
    config.behaviour = PpsBehaviour::partial;
    CardPps card(config);
    const auto result = negotiate(card, scr3310(), wants(kT1));
    REQUIRE(result.link.has_value());
    CHECK(result.requests.size() == 1);
    CHECK(result.link->protocol == 1);
    CHECK(result.link->fi_di == kDefaultFiDi);
    CHECK(result.link->bps == 10752);
    CHECK(card.link() == card_view(*result.link));
}

TEST_CASE("Negotiation partial for a protocol change: T=1 at Fd/Dd on a T=0-first card") {
    CardPpsConfig config = t1_card(0x18);
    config.offered_protocols = kT0 | kT1;
    config.first_offered_protocol = 0;
    config.behaviour = PpsBehaviour::partial;
    CardPps card(config);
    const auto result = negotiate(card, scr3310(), wants(kT1));
    REQUIRE(result.link.has_value());
    CHECK(result.link->protocol == 1);
    CHECK(result.link->fi_di == kDefaultFiDi);
    CHECK(card.link() == CardLink{1, kDefaultFiDi});
}

TEST_CASE("Negotiation against wrong PCK, another protocol, garbage: reset, end at Fd/Dd") {
    for (const auto behaviour :
         {PpsBehaviour::wrong_pck, PpsBehaviour::other_protocol, PpsBehaviour::garbage}) {
        CardPpsConfig config = t1_card(0x18);
        config.offered_protocols = kT0 | kT1;
        config.behaviour = behaviour;
        CardPps card(config);
        const auto result = negotiate(card, scr3310(), wants(kT1));
        REQUIRE(result.link.has_value());
        CHECK(result.faults.size() == 3);
        CHECK(result.resets == 3);
        CHECK_FALSE(result.link->pps_needed);
        // The reset undid whatever the card believed after its bad answer.
        CHECK(card.link() == card_view(*result.link));
    }
}

TEST_CASE("Negotiation in specific mode: no PPS, TA2's protocol and TA1's values") {
    CardPpsConfig config = t1_card(0x13);
    config.ta2 = 0x81;
    CardPps card(config);
    const auto result = negotiate(card, scr3310(), wants(kT0 | kT1));
    REQUIRE(result.link.has_value());
    CHECK(card.pps_requests() == 0);
    CHECK(result.link->fi_di == FiDi{1, 3});
    CHECK(card.link() == card_view(*result.link));
}

TEST_CASE("Negotiation from specific mode with implicit values: warm reset, then PPS") {
    CardPpsConfig config = t1_card(0x96);
    config.ta2 = 0x11;
    CardPps card(config);
    const auto result = negotiate(card, scr3310(), wants(kT1));
    CHECK(result.warm_reset);
    REQUIRE(result.link.has_value());
    CHECK_FALSE(card.specific_mode());
    CHECK(result.link->fi_di == FiDi{9, 6});
    CHECK(card.link() == card_view(*result.link));

    config.ta2 = 0x91;  // can not change: unusable, and nothing sent
    CardPps stuck(config);
    const auto refused = negotiate(stuck, scr3310(), wants(kT1));
    CHECK_FALSE(refused.link.has_value());
    CHECK(refused.error == RateChoiceError::specific_implicit_parameters);
    CHECK(stuck.pps_requests() == 0);
}
