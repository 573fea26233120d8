// sim::Card and ISO/IEC 7816-3 section 9, protocol and parameters selection: the whole
// negotiation as the core runs it after the card's ATR (card_negotiation.hpp), with the
// fallback order of rate_choice.hpp, and the card's PPS window. (The card's PPS side alone,
// sim::CardPps, is tested in test_card_pps.cpp.) Expected bytes are worked out from the
// specification in the comments beside them, never taken from a run.
#include <doctest/doctest.h>

#include <system_error>
#include <vector>

#include "card_fixtures.hpp"
#include "card_negotiation.hpp"
#include "iso7816/pps.hpp"
#include "iso7816/rate_choice.hpp"

using namespace tessera;
using namespace tessera::card_test;
using iso7816::FiDi;
using iso7816::PpsError;
using sim::CardConfig;
using sim::CardLink;
using sim::PpsBehaviour;

TEST_CASE("PPS accepted: PPS1 = 96 echoed, the card runs 512/32 with T=1") {
    auto card = make_card(t1_card());
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    // PPSS FF, PPS0 11 (PPS1 present, T=1), PPS1 96, PCK = FF ^ 11 ^ 96 = 78.
    CHECK(n.requests == std::vector<Bytes>{hex("FF 11 96 78")});
    CHECK(n.answers == std::vector<Bytes>{hex("FF 11 96 78")});
    REQUIRE(n.link.has_value());
    CHECK(n.link->fi_di == FiDi{9, 6});
    CHECK(n.link->clock_khz == 4000);  // fmax of FI 9 is 5 MHz: not the reader's 8 MHz
    CHECK(card->link() == card_view(*n.link));
    CHECK_FALSE(card->pps_window_open());
}

TEST_CASE("PPS with an inverse-convention T=0 card: PPS1 = 13 accepted") {
    auto card = make_card(inverse_t0_card());
    const Negotiation n = negotiate(*card, scr3310(), wants(kT0));
    CHECK(n.atrs.front() == hex(kInverseAtrWire));
    // PPS0 10 (PPS1, T=0), PCK = FF ^ 10 ^ 13 = FC.
    CHECK(n.requests == std::vector<Bytes>{hex("FF 10 13 FC")});
    CHECK(n.answers == std::vector<Bytes>{hex("FF 10 13 FC")});
    REQUIRE(n.link.has_value());
    CHECK(card->link() == CardLink{0, FiDi{1, 3}});
}

TEST_CASE("PPS refused: reset and the next candidate, as rate_choice orders them, then Fd/Dd") {
    CardConfig config = t1_card();
    config.pps = PpsBehaviour::refuse;
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    // 512/32, 372/20, 372/16 (rate_choice.hpp: fastest first, three per protocol), each
    // refused; then Fd/Dd with the first offered protocol, which needs no PPS (6.3.1).
    // PCKs: FF ^ 11 ^ 19 = F7, FF ^ 11 ^ 15 = FB.
    CHECK(n.requests == std::vector<Bytes>{hex("FF 11 96 78"), hex("FF 11 19 F7"),
                                           hex("FF 11 15 FB")});
    CHECK(n.answers == std::vector<Bytes>{{}, {}, {}});
    CHECK(n.faults == std::vector<std::error_code>(3, PpsError::no_response));
    CHECK(n.cold_resets == 3);
    for (const Bytes& atr : n.atrs) {
        CHECK(atr == hex(kT1Atr));
    }
    REQUIRE(n.link.has_value());
    CHECK_FALSE(n.link->pps_needed);
    CHECK(n.link->fi_di == iso7816::kDefaultFiDi);
    CHECK(card->link() == CardLink{1, iso7816::kDefaultFiDi});
}

TEST_CASE("PPS beyond the card's real limit: no answer, the fallback finds what it runs") {
    CardConfig config = t1_card();
    config.fastest_supported = FiDi{1, 9};  // announces 512/32, runs at most 372/20
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    CHECK(n.requests == std::vector<Bytes>{hex("FF 11 96 78"), hex("FF 11 19 F7")});
    CHECK(n.answers == std::vector<Bytes>{{}, hex("FF 11 19 F7")});
    CHECK(n.cold_resets == 1);
    CHECK(card->link() == CardLink{1, FiDi{1, 9}});
}

TEST_CASE("PPS beyond the card's limit, answered without PPS1: defaults (9.3)") {
    CardConfig config = t1_card();
    config.fastest_supported = FiDi{1, 9};
    config.unsupported = sim::UnsupportedAnswer::defaults;
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    // PPS0 01 (T=1, no PPS1), PCK = FF ^ 01 = FE.
    CHECK(n.answers == std::vector<Bytes>{hex("FF 01 FE")});
    REQUIRE(n.link.has_value());
    CHECK(n.link->fi_di == iso7816::kDefaultFiDi);
    CHECK(card->link() == CardLink{1, iso7816::kDefaultFiDi});
}

TEST_CASE("PPS partial answer: PPS1 left out, both sides at Fd/Dd (9.3)") {
    CardConfig config = t1_card();
    config.pps = PpsBehaviour::partial;
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    CHECK(n.requests == std::vector<Bytes>{hex("FF 11 96 78")});
    CHECK(n.answers == std::vector<Bytes>{hex("FF 01 FE")});
    CHECK(n.cold_resets == 0);
    REQUIRE(n.link.has_value());
    CHECK(n.link->fi_di == iso7816::kDefaultFiDi);
    CHECK(n.link->protocol == 1);
    CHECK(card->link() == CardLink{1, iso7816::kDefaultFiDi});
}

TEST_CASE("PPS answer with a wrong PCK: rejected, reset, every candidate again, then Fd/Dd") {
    CardConfig config = t1_card();
    config.pps = PpsBehaviour::wrong_pck;
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    // The echo with PCK ^ 5A: 78 -> 22, F7 -> AD, FB -> A1.
    CHECK(n.answers == std::vector<Bytes>{hex("FF 11 96 22"), hex("FF 11 19 AD"),
                                          hex("FF 11 15 A1")});
    CHECK(n.faults == std::vector<std::error_code>(3, PpsError::bad_pck));
    CHECK(n.cold_resets == 3);
    REQUIRE(n.link.has_value());
    CHECK(card->link() == CardLink{1, iso7816::kDefaultFiDi});  // the reset undid 512/32
}

TEST_CASE("PPS answers naming another protocol or garbage are rejected") {
    CardConfig other = t1_card();
    other.pps = PpsBehaviour::other_protocol;
    auto card = make_card(other);
    Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    // PPS0 10 (T=0), PCK = FF ^ 10 ^ 96 = 79.
    CHECK(n.answers.front() == hex("FF 10 96 79"));
    CHECK(n.faults.front() == PpsError::protocol_mismatch);

    CardConfig garbage = t1_card();
    garbage.pps = PpsBehaviour::garbage;
    auto noisy = make_card(garbage);
    n = negotiate(*noisy, scr3310(), wants(kT1));
    CHECK(n.answers.front() == hex("12 34 56"));
    CHECK(n.faults.front() == PpsError::bad_ppss);
}

TEST_CASE("PPS2 is echoed only by a card that supports SPU") {
    for (const bool echoes : {false, true}) {
        CardConfig config = t1_card();
        config.echoes_pps2 = echoes;
        auto card = make_card(config);
        card->cold_reset();
        // PPS0 31 (PPS1, PPS2, T=1), PPS1 96, PPS2 00: PCK = FF ^ 31 ^ 96 = 58.
        // Without PPS2: PPS0 11, PCK 78.
        CHECK(card->answer_pps(hex("FF 31 96 00 58")) ==
              (echoes ? hex("FF 31 96 00 58") : hex("FF 11 96 78")));
    }
}

TEST_CASE("the first exchange that is not a PPS closes the PPS window (9.1)") {
    auto card = make_card(t1_card());
    const Bytes request = hex("FF 11 96 78");

    card->cold_reset();
    CHECK(card->pps_window_open());
    CHECK(card->t1_block(hex("00 C1 01 FE 3E")) == hex("00 E1 01 FE 1E"));
    CHECK_FALSE(card->pps_window_open());
    CHECK(card->answer_pps(request).empty());
    CHECK(card->link() == CardLink{1, iso7816::kDefaultFiDi});

    card->cold_reset();
    CHECK(card->apdu(hex(kSelectAid)) == kSw9000);
    CHECK(card->answer_pps(request).empty());

    card->cold_reset();
    card->t0_receive(hex("00 B0 00 00 01"));
    CHECK(card->answer_pps(request).empty());

    card->cold_reset();
    CHECK(card->t0_tpdu(hex("00 B0 00 00 01")) == hex("00 90 00"));
    CHECK(card->answer_pps(request).empty());

    card->cold_reset();  // the window opens again with each ATR
    CHECK(card->answer_pps(request) == request);
}
