// sim::Card and ISO/IEC 7816-3 section 10, the T=0 protocol: exchanges through t0::Engine
// at character level (procedure bytes, ACKs, NULL bytes; 10.3), and the card's own TPDU
// level (t0_tpdu) with 61xx / 6Cxx handed back (10.3.3, 12.2). Expected bytes are worked
// out from the specification in the comments beside them, never taken from a run.
#include <doctest/doctest.h>

#include <string>

#include "card_exchanges.hpp"
#include "card_fixtures.hpp"
#include "card_negotiation.hpp"
#include "t0/engine.hpp"
#include "tests/sim/application.hpp"

using namespace tessera;
using namespace tessera::card_test;
using sim::CardConfig;

// ==== T=0 through t0::Engine at character level (ISO 7816-3 10) ============================

TEST_CASE("T=0 after PPS, inverse convention: SELECT by AID, exact procedure bytes") {
    auto card = make_card(inverse_t0_card());
    const Negotiation n = negotiate(*card, scr3310(), wants(kT0));
    REQUIRE(n.link.has_value());
    t0::Config config;
    config.rate = n.link->link_rate();
    config.wi = n.atr.wi;
    const T0Exchange run = run_t0(*card, hex(kSelectAid), config);
    REQUIRE(run.completed());
    CHECK(run.response() == kSw9000);
    // Header, ACK = INS, the 8 data bytes, SW1, SW2 (10.3.2, 10.3.3); logical bytes.
    CHECK(join(run.trace) == join({"> 00A4040008", "< A4", "> A000000527544553", "< 90",
                                   "> ", "< 00"}));
}

TEST_CASE("T=0 READ BINARY of 256 bytes: P3 = 00, one ACK, 256 data bytes, 90 00") {
    auto card = make_card(plain_t0_card());
    const Negotiation n = negotiate(*card, scr3310(), wants(kT0));
    REQUIRE(n.link.has_value());
    CHECK_FALSE(n.link->pps_needed);  // no TA1: Fd/Dd, no PPS (6.3.1)
    CHECK(n.requests.empty());
    const T0Exchange run = run_t0(*card, hex("00 B0 00 00 00"));
    REQUIRE(run.completed());
    CHECK(run.response() == concat(ascending(0, 256), kSw9000));
    CHECK(join(run.trace) == join({"> 00B0000000", "< B0", "> ", "< " + to_hex(ascending(0, 256)),
                                   "> ", "< 90", "> ", "< 00"}));
}

TEST_CASE("T=0 case 4 ECHO of 255 bytes: 61 FF handed back, GET RESPONSE fetches the data") {
    auto card = make_card(plain_t0_card());
    card->cold_reset();
    const Bytes data = ramp_down(255);
    const T0Exchange echo = run_t0(*card, echo_command(data, false));
    REQUIRE(echo.completed());
    CHECK(echo.response() == hex("61 FF"));  // 12.2.5: case 4S becomes case 3 + 61 La
    CHECK(echo.trace.at(2) == "> " + to_hex(data));

    const T0Exchange get = run_t0(*card, hex("00 C0 00 00 FF"));
    REQUIRE(get.completed());
    CHECK(get.response() == concat(data, kSw9000));
}

TEST_CASE("T=0 UPDATE BINARY then READ BINARY returns what was written") {
    auto card = make_card(inverse_t0_card());
    card->cold_reset();
    const T0Exchange update = run_t0(*card, hex("00 D6 00 10 04 DE AD BE EF"));
    REQUIRE(update.completed());
    CHECK(update.response() == kSw9000);
    const T0Exchange read = run_t0(*card, hex("00 B0 00 0E 08"));
    REQUIRE(read.completed());
    // Offsets 0E, 0F keep the pattern; 10..13 hold DE AD BE EF; 14, 15 the pattern.
    CHECK(read.response() == hex("0E 0F DE AD BE EF 14 15 90 00"));
}

TEST_CASE("T=0 GET CHALLENGE: the application's bytes, unchanged by the protocol") {
    auto card = make_card(plain_t0_card());
    card->cold_reset();
    sim::CardApplication reference;  // a second, fresh application: the same sequence
    const Bytes command = hex("00 84 00 00 08");
    const T0Exchange first = run_t0(*card, command);
    REQUIRE(first.completed());
    CHECK(first.response() == reference.process(command));
    CHECK(first.response().size() == 10);
    const T0Exchange second = run_t0(*card, command);
    REQUIRE(second.completed());
    CHECK(second.response() == reference.process(command));
    CHECK(second.response() != first.response());
}

TEST_CASE("T=0 options: single-byte ACKs and NULL bytes before each procedure byte") {
    CardConfig config = plain_t0_card();
    config.t0.single_byte_acks = 2;
    config.t0.nulls_before_procedure = 1;
    auto card = make_card(config);
    card->cold_reset();
    const T0Exchange run = run_t0(*card, hex("00 D6 00 00 03 0A 0B 0C"));
    REQUIRE(run.completed());
    // NULL, ACK INS ^ FF = 29 for one byte, twice; then NULL, ACK D6 for the rest (10.3.3).
    CHECK(join(run.trace) == join({"> 00D6000003", "< 60", "> ", "< 29", "> 0A", "< 60", "> ",
                                   "< 29", "> 0B", "< 60", "> ", "< D6", "> 0C", "< 60", "> ",
                                   "< 90", "> ", "< 00"}));
}

// ==== TPDU level (t0_tpdu) ===================================================================

TEST_CASE("t0_tpdu: cases 1 to 4 at TPDU level, NULL bytes absorbed") {
    CardConfig config = plain_t0_card();
    config.t0.nulls_before_procedure = 2;
    auto card = make_card(config);
    card->cold_reset();
    // Case 1: SLOW with P1 = 3 asks for three NULLs before 90 00.
    CHECK(card->t0_tpdu(hex("80 57 03 00 00")) == kSw9000);
    // Case 2: READ BINARY 16.
    CHECK(card->t0_tpdu(hex("00 B0 00 20 10")) == concat(ascending(0x20, 16), kSw9000));
    // Case 3: UPDATE BINARY 2 bytes, then read back.
    CHECK(card->t0_tpdu(hex("00 D6 00 20 02 AA BB")) == kSw9000);
    CHECK(card->t0_tpdu(hex("00 B0 00 1F 04")) == hex("1F AA BB 22 90 00"));
    // Case 4 at TPDU level: the command's data, then 61 La handed back (12.2.5).
    CHECK(card->t0_tpdu(hex("80 EE 00 00 03 01 02 03")) == hex("61 03"));
    CHECK(card->t0_tpdu(hex("00 C0 00 00 03")) == hex("01 02 03 90 00"));
}

TEST_CASE("t0_tpdu: 6Cxx and 61xx go back to the caller, never resent by the card side") {
    auto card = make_card(plain_t0_card());
    card->cold_reset();
    CHECK(card->t0_tpdu(hex("80 EE 00 00 05 11 22 33 44 55")) == hex("61 05"));
    // GET RESPONSE with Le above La: 6C 05 (10.3.3, application: Le > La).
    CHECK(card->t0_tpdu(hex("00 C0 00 00 08")) == hex("6C 05"));
    // Le below La: Le bytes and 61 with the rest.
    CHECK(card->t0_tpdu(hex("00 C0 00 00 02")) == hex("11 22 61 03"));
    CHECK(card->t0_tpdu(hex("00 C0 00 00 03")) == hex("33 44 55 90 00"));
    // The small EF (300 bytes): 32 bytes asked at offset 288, 12 remain -> 6C 0C.
    CHECK(card->t0_tpdu(hex("00 A4 00 00 02 01 02")) == kSw9000);
    CHECK(card->t0_tpdu(hex("00 B0 01 20 20")) == hex("6C 0C"));
    CHECK(card->t0_tpdu(hex("00 B0 01 20 0C")) == concat(ascending(288, 12), kSw9000));
}

TEST_CASE("t0_tpdu with an inverse-convention card answers logical bytes") {
    auto card = make_card(inverse_t0_card());
    card->cold_reset();
    CHECK(card->t0_tpdu(hex(kSelectAid)) == kSw9000);
    CHECK(card->t0_tpdu(hex("00 B0 00 00 00")) == concat(ascending(0, 256), kSw9000));
}
