// sim::Card and ISO/IEC 7816-3 section 11, the T=1 protocol: blocks exchanged with
// t1::Engine configured from the ATR and the negotiated link (11.4): S(IFS request)
// first, chaining both ways (11.6.2.3), the card's IFSC and EDC, a reader that set IFSD
// itself. Expected bytes are worked out from the specification in the comments beside
// them, never taken from a run.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "card_exchanges.hpp"
#include "card_fixtures.hpp"
#include "card_negotiation.hpp"
#include "iso7816/atr.hpp"
#include "t1/block.hpp"
#include "t1/engine.hpp"
#include "tests/sim/application.hpp"

using namespace tessera;
using namespace tessera::card_test;
using sim::CardConfig;

TEST_CASE("T=1: S(IFS request FE) is the first block after the ATR and PPS, then SELECT") {
    T1Session session;
    const T1Exchange run = session.run(hex(kSelectAid));
    REQUIRE(run.completed());
    CHECK(run.response() == kSw9000);
    // S(IFS request FE): NAD 00, PCB C1, LEN 01, FE, LRC 3E; the card's response PCB E1.
    // I(0): PCB 00, LEN 0D, the APDU, LRC = 0D ^ A4 ^ 04 ^ 08 ^ A0 ^ 05 ^ 27 ^ 54 ^ 45 ^ 53
    // = 65. The answer I(0): LEN 02, 90 00, LRC = 02 ^ 90 = 92.
    CHECK(join(run.trace) == join({"> 00C101FE3E", "< 00E101FE1E",
                                   "> 00000D00A4040008A00000052754455365", "< 000002900092"}));
    const T1Exchange next = session.run(hex(kSelectAid));  // no second S(IFS request)
    REQUIRE(next.completed());
    CHECK(next.blocks == std::vector<std::string>{"> I(1) 13 bytes", "< I(1) 2 bytes"});
}

TEST_CASE("T=1 READ BINARY of 256 bytes: a chained response at IFSD 254") {
    T1Session session;
    const T1Exchange run = session.run(hex("00 B0 00 00 00"));
    REQUIRE(run.completed());
    CHECK(run.response() == concat(ascending(0, 256), kSw9000));
    CHECK(run.blocks == std::vector<std::string>{"> S(IFS request FE)", "< S(IFS response FE)",
                                                 "> I(0) 5 bytes", "< I(0,M) 254 bytes",
                                                 "> R(1)", "< I(1) 4 bytes"});
}

TEST_CASE("T=1 extended READ BINARY: Le 4096 and Le 65536 (0000)") {
    T1Session session;
    const T1Exchange small = session.run(hex("00 B0 00 00 00 10 00"));
    REQUIRE(small.completed());
    CHECK(small.response() == concat(ascending(0, 4096), kSw9000));
    // 4098 bytes at IFSD 254: 16 full blocks and one of 34 (4098 = 16 x 254 + 34).
    CHECK(small.count("< I(0,M) 254 bytes") + small.count("< I(1,M) 254 bytes") == 16);
    CHECK(small.blocks.back() == "< I(0) 34 bytes");

    const T1Exchange large = session.run(hex("00 B0 00 00 00 00 00"));
    REQUIRE(large.completed());
    CHECK(large.response() == concat(ascending(0, 65536), kSw9000));
    // 65538 = 258 x 254 + 6.
    CHECK(large.count("< I(0,M) 254 bytes") + large.count("< I(1,M) 254 bytes") == 258);
    CHECK((large.blocks.back() == "< I(0) 6 bytes" || large.blocks.back() == "< I(1) 6 bytes"));
}

TEST_CASE("T=1 extended ECHO of 4096 bytes: chaining both ways") {
    T1Session session;
    const Bytes data = ramp_down(4096);
    const Bytes command = echo_command(data, true);
    REQUIRE(command.size() == 4 + 3 + 4096 + 2);
    const T1Exchange run = session.run(command);
    REQUIRE(run.completed());
    CHECK(run.response() == concat(data, kSw9000));
    // Command 4105 bytes at IFSC 254: 16 chained blocks of 254, the last of 41, each chained
    // block acknowledged by R(N(R)) (11.6.2.3).
    CHECK(run.count("> I(0,M) 254 bytes") + run.count("> I(1,M) 254 bytes") == 16);
    CHECK(run.count("> I(0) 41 bytes") + run.count("> I(1) 41 bytes") == 1);
    CHECK(run.count("< R(0)") + run.count("< R(1)") == 16);
    // Response 4098 bytes: 16 chained blocks acknowledged by the device, then 34 bytes.
    CHECK(run.count("< I(0,M) 254 bytes") + run.count("< I(1,M) 254 bytes") == 16);
    CHECK(run.count("> R(0)") + run.count("> R(1)") == 16);
}

TEST_CASE("T=1 short ECHO, UPDATE then READ back, GET CHALLENGE") {
    T1Session session;
    const Bytes data = ramp_down(255);
    const T1Exchange echo = session.run(echo_command(data, false));
    REQUIRE(echo.completed());
    CHECK(echo.response() == concat(data, kSw9000));  // case 4 at T=1: data + 90 00 at once

    const T1Exchange update = session.run(hex("00 D6 01 00 03 CA FE 01"));
    REQUIRE(update.completed());
    CHECK(update.response() == kSw9000);
    const T1Exchange read = session.run(hex("00 B0 00 FF 05"));
    REQUIRE(read.completed());
    CHECK(read.response() == hex("FF CA FE 01 03 90 00"));  // 00FF, 0100..0102, 0103

    sim::CardApplication reference;
    const Bytes challenge = hex("00 84 00 00 10");
    const T1Exchange random = session.run(challenge);
    REQUIRE(random.completed());
    CHECK(random.response() == reference.process(challenge));
}

TEST_CASE("T=1: the card enforces the IFSC its ATR announces (11.4.2)") {
    CardConfig config = t1_card();
    config.atr.ifsc = 32;
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    REQUIRE(n.link.has_value());
    CHECK(n.atr.ifsc == 32);
    t1::Engine engine(t1_device(n.atr, *n.link));
    const T1Exchange obeying = run_t1(*card, engine, echo_command(ramp_down(40), false));
    REQUIRE(obeying.completed());
    CHECK(obeying.count("> I(0,M) 32 bytes") == 1);  // 46 bytes: 32, then 14

    t1::Config wrong = t1_device(n.atr, *n.link);
    wrong.ifsc = 254;  // a device that ignores the ATR
    wrong.request_ifsd = false;
    t1::Engine careless(wrong);
    card->cold_reset();
    const T1Exchange ignored = run_t1(*card, careless, echo_command(ramp_down(40), false));
    // The 46-byte I-block is invalid for the card: R(N(R) 0) other error, PCB 82, LRC 82.
    CHECK(ignored.trace.at(1) == "< 00820082");
}

TEST_CASE("T=1 with CRC: the card's EDC is the ATR's") {
    CardConfig config = t1_card();
    config.atr.edc = iso7816::Edc::crc;
    T1Session session(config);
    CHECK(session.negotiation.atr.edc == iso7816::Edc::crc);
    const T1Exchange run = run_t1(*session.card, *session.engine, hex(kSelectAid),
                                  t1::EdcType::crc);
    REQUIRE(run.completed());
    CHECK(run.blocks.front() == "> S(IFS request FE)");
    CHECK(run.blocks.at(1) == "< S(IFS response FE)");
    CHECK(run.trace.front().size() == std::string("> 00C101FE").size() + 4);  // two EDC bytes
}

TEST_CASE("T=1 starting IFSD from CardConfig: a reader that negotiated IFSD itself") {
    CardConfig config = t1_card();
    config.t1_initial_ifsd = 254;
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    REQUIRE(n.link.has_value());
    t1::Config device = t1_device(n.atr, *n.link);
    device.request_ifsd = false;
    t1::Engine engine(device);
    const T1Exchange run = run_t1(*card, engine, hex("00 B0 00 00 00"));
    REQUIRE(run.completed());
    CHECK(run.blocks == std::vector<std::string>{"> I(0) 5 bytes", "< I(0,M) 254 bytes",
                                                 "> R(1)", "< I(1) 4 bytes"});
}
