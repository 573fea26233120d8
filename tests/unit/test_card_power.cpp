// sim::Card and ISO/IEC 7816-3 section 6, card operating procedures: cold and warm reset
// (a warm reset to leave specific mode, 6.3.1), deactivation, and what survives them.
// Expected bytes are worked out from the specification in the comments beside them,
// never taken from a run.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "card_exchanges.hpp"
#include "card_fixtures.hpp"
#include "card_negotiation.hpp"
#include "iso7816/rate_choice.hpp"

using namespace tessera;
using namespace tessera::card_test;
using iso7816::FiDi;
using sim::CardConfig;
using sim::CardLink;
using sim::PpsBehaviour;

TEST_CASE("warm reset of a specific-mode card with TA2 b8 = 0: negotiable, ATR without TA2") {
    auto card = make_card(specific_t1_card(true));
    // TA2 = 01 (b8 = 0: can change; b5 = 0: Fi/Di of TA1; T=1).
    // TCK = 90 ^ 18 ^ 11 ^ 01 = 98. Without TA2: TD1 01, TCK = 90 ^ 18 ^ 01 = 89.
    CHECK(card->cold_reset() == hex("3B 90 18 11 01 98"));
    CHECK(card->link() == CardLink{1, FiDi{1, 8}});  // TA2: TA1's 372/12 at once
    CHECK_FALSE(card->pps_window_open());

    // The reader can not run 372/12 at 4 MHz (129032 bps > 115200): warm reset (6.3.1).
    const Negotiation n = negotiate(*card, slow_reader(), wants(kT1));
    CHECK(n.warm_reset);
    REQUIRE(n.atrs.size() == 2);
    CHECK(n.atrs[0] == hex("3B 90 18 11 01 98"));
    CHECK(n.atrs[1] == hex("3B 90 18 01 89"));
    CHECK_FALSE(n.atr.specific_mode.has_value());
    // Negotiable now: 372/8 (86021 bps) first; PCK = FF ^ 11 ^ 14 = FA.
    CHECK(n.requests.front() == hex("FF 11 14 FA"));
    CHECK(n.answers.front() == hex("FF 11 14 FA"));
    CHECK(card->link() == CardLink{1, FiDi{1, 4}});

    // Another warm reset keeps it negotiable; a cold reset brings specific mode back.
    CHECK(card->warm_reset() == hex("3B 90 18 01 89"));
    CHECK(card->pps_window_open());
    CHECK(card->cold_reset() == hex("3B 90 18 11 01 98"));
    CHECK_FALSE(card->pps_window_open());
}

TEST_CASE("warm reset of a specific-mode card with TA2 b8 = 1: stays specific, PPS unanswered") {
    auto card = make_card(specific_t1_card(false));
    // TA2 = 81; TCK = 90 ^ 18 ^ 11 ^ 81 = 18.
    CHECK(card->cold_reset() == hex("3B 90 18 11 81 18"));
    CHECK(card->warm_reset() == hex("3B 90 18 11 81 18"));
    CHECK(card->link() == CardLink{1, FiDi{1, 8}});
    CHECK_FALSE(card->pps_window_open());
    CHECK(card->answer_pps(hex("FF 11 18 F6")).empty());  // FF ^ 11 ^ 18 = F6

    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    REQUIRE(n.link.has_value());
    CHECK(n.requests.empty());  // specific mode: no PPS (9.1)
    CHECK(card_view(*n.link) == card->link());

    const Negotiation refused = negotiate(*card, slow_reader(), wants(kT1));
    CHECK(refused.error == iso7816::RateChoiceError::specific_parameters_unsupported);
}

TEST_CASE("warm reset of a negotiable card: the same ATR, the PPS window open again") {
    auto card = make_card(t1_card());
    card->cold_reset();
    CHECK(card->answer_pps(hex("FF 11 96 78")) == hex("FF 11 96 78"));
    CHECK(card->warm_reset() == hex(kT1Atr));
    CHECK(card->link() == CardLink{1, iso7816::kDefaultFiDi});
    CHECK(card->pps_window_open());
}

TEST_CASE("a deactivated card is mute: no ATR, no answer to anything") {
    auto card = make_card(t1_card());
    const auto check_mute = [&card] {
        CHECK_FALSE(card->powered());
        CHECK(card->atr().empty());
        CHECK(card->atr_wire().empty());
        CHECK(card->warm_reset().empty());
        CHECK_FALSE(card->powered());
        CHECK_FALSE(card->pps_window_open());
        CHECK(card->answer_pps(hex("FF 11 96 78")).empty());
        card->t0_receive(hex("00 B0 00 00 01"));
        CHECK_FALSE(card->t0_next_burst().has_value());
        CHECK_FALSE(card->t0_tpdu(hex("00 B0 00 00 01")).has_value());
        CHECK_FALSE(card->t1_block(hex("00 C1 01 FE 3E")).has_value());
        CHECK_FALSE(card->apdu(hex(kSelectAid)).has_value());
    };
    check_mute();  // never activated
    CHECK(card->exchanges() == 0);

    card->cold_reset();
    CHECK(card->powered());
    CHECK(card->apdu(hex(kSelectAid)) == kSw9000);
    CHECK(card->exchanges() == 1);
    card->deactivate();
    check_mute();
    CHECK(card->exchanges() == 1);
}

TEST_CASE("the application's state survives resets and deactivation") {
    auto card = make_card(t1_card());
    card->cold_reset();
    CHECK(card->apdu(hex("00 D6 00 00 02 C0 DE")) == kSw9000);
    card->deactivate();
    card->cold_reset();
    CHECK(card->apdu(hex("00 B0 00 00 03")) == hex("C0 DE 02 90 00"));
    // Written through T=1, read back through T=0 after a warm reset: one application.
    T1Session session;
    REQUIRE(session.run(hex("00 D6 00 40 01 77")).completed());
    session.card->warm_reset();
    CHECK(session.card->t0_tpdu(hex("00 B0 00 3F 03")) == hex("3F 77 41 90 00"));
    CHECK(session.card->application().selected_file().at(0x40) == 0x77);
}

TEST_CASE("a reset forgets a T=0 response kept for GET RESPONSE") {
    auto card = make_card(plain_t0_card());
    card->cold_reset();
    CHECK(card->t0_tpdu(hex("80 EE 00 00 01 5A")) == hex("61 01"));
    card->warm_reset();
    CHECK(card->t0_tpdu(hex("00 C0 00 00 01")) == hex("69 85"));  // nothing pending
}

TEST_CASE("exchanges() counts what the card answered") {
    auto card = make_card(plain_t0_card());
    card->cold_reset();
    CHECK(card->exchanges() == 0);
    CHECK(card->t0_tpdu(hex("00 B0 00 00 01")).has_value());
    CHECK(card->apdu(hex(kSelectAid)).has_value());
    card->t0_receive(hex("00 B0 00 00 01"));
    CHECK(card->t0_next_burst() == hex("B0"));
    CHECK(card->exchanges() == 3);
    CHECK(card->config().atr.protocols == std::vector<std::uint8_t>{0});

    CardConfig refusing = t1_card();
    refusing.pps = PpsBehaviour::refuse;
    auto silent = make_card(refusing);
    silent->cold_reset();
    CHECK(silent->answer_pps(hex("FF 11 96 78")).empty());
    CHECK(silent->exchanges() == 0);  // no answer, nothing counted
}
