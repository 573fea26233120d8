// The T=0 engine against the simulated T=0 card: one test per ISO/IEC 7816-3:2006 rule,
// each checking the exact trace. Trace lines: "> <bytes sent> ?<receive_length>", then
// "< <bytes received>" or "< timeout".
#include <doctest/doctest.h>

#include <string>

#include "iso7816/convention.hpp"
#include "tests/sim/t0_harness.hpp"
#include "tests/support/byte_patterns.hpp"
#include "tests/support/hex.hpp"
#include "tests/support/text_lines.hpp"

namespace {
using namespace std::chrono_literals;
using tessera::Bytes;
using tessera::iso7816::Convention;
using tessera::iso7816::invert_convention;
using tessera::sim::CardT0Options;
using tessera::sim::Delivery;
using tessera::test::hex;
using tessera::sim::HarnessOptions;
using tessera::sim::kAllSingleByteAcks;
using tessera::sim::T0Bench;
using tessera::sim::T0Run;
using tessera::t0::Config;
using tessera::t0::T0Error;

using tessera::test::lines;

std::string pattern_hex(std::size_t first, std::size_t count) {
    return tessera::to_hex(tessera::test::ascending(first, count));
}

void check_clean(const T0Run& run) {
    CHECK_FALSE(run.gave_up);
    CHECK(run.unread.empty());
    REQUIRE(run.completed());
}
}  // namespace

TEST_CASE("T=0 case 1: header with P3 = 00, then SW1 SW2 (12.2.2)") {
    T0Bench bench;
    const T0Run run = bench.run("80 57 00 00");
    check_clean(run);
    CHECK(run.trace() == lines({"> 8057000000 ?1", "< 90", "> ?1", "< 00"}));
    CHECK(run.response() == hex("90 00"));
}

TEST_CASE("T=0 case 2S: header with P3 = Le, ACK, Le data bytes, SW1 SW2 (12.2.3)") {
    T0Bench bench;
    const T0Run run = bench.run("00 B0 00 10 04");
    check_clean(run);
    CHECK(run.trace() ==
          lines({"> 00B0001004 ?1", "< B0", "> ?4", "< 10111213", "> ?1", "< 90", "> ?1", "< 00"}));
    CHECK(run.response() == hex("10 11 12 13 90 00"));
}

TEST_CASE("T=0 case 3S: header with P3 = Lc, ACK, data to the card, SW1 SW2 (12.2.4)") {
    T0Bench bench;
    const T0Run run = bench.run("00 D6 00 20 03 AA BB CC");
    check_clean(run);
    CHECK(run.trace() == lines({"> 00D6002003 ?1", "< D6", "> AABBCC ?1", "< 90", "> ?1", "< 00"}));
    CHECK(run.response() == hex("90 00"));
    const Bytes& ef = bench.application.selected_file();
    CHECK(Bytes(ef.begin() + 0x20, ef.begin() + 0x23) == hex("AA BB CC"));
}

TEST_CASE("T=0 case 4S: P3 = Lc, the card's 61xx goes back to the caller (12.2.5)") {
    T0Bench bench;
    const T0Run echo = bench.run("80 EE 00 00 03 01 02 03 00");
    check_clean(echo);
    CHECK(echo.trace() ==
          lines({"> 80EE000003 ?1", "< EE", "> 010203 ?1", "< 61", "> ?1", "< 03"}));
    CHECK(echo.response() == hex("61 03"));

    // The caller, not the engine, fetches the data.
    const T0Run fetch = bench.run("00 C0 00 00 03");
    check_clean(fetch);
    CHECK(fetch.trace() ==
          lines({"> 00C0000003 ?1", "< C0", "> ?3", "< 010203", "> ?1", "< 90", "> ?1", "< 00"}));
    CHECK(fetch.response() == hex("01 02 03 90 00"));
}

TEST_CASE("T=0 6Cxx goes back to the caller: GET RESPONSE with a wrong Le") {
    T0Bench bench;
    CHECK(bench.run("80 EE 00 00 03 01 02 03 00").response() == hex("61 03"));
    const T0Run wrong = bench.run("00 C0 00 00 05");
    check_clean(wrong);
    CHECK(wrong.trace() == lines({"> 00C0000005 ?1", "< 6C", "> ?1", "< 03"}));
    CHECK(wrong.response() == hex("6C 03"));
    // A shorter Le takes part of the data; 61xx announces the rest.
    CHECK(bench.run("00 C0 00 00 02").response() == hex("01 02 61 01"));
    CHECK(bench.run("00 C0 00 00 01").response() == hex("03 90 00"));
    CHECK(bench.run("00 C0 00 00 01").response() == hex("69 85"));
}

TEST_CASE("T=0 6Cxx goes back to the caller: case 2 Le beyond the available data") {
    T0Bench bench;
    CHECK(bench.run("00 A4 00 00 02 01 02").response() == hex("90 00"));  // small EF
    const T0Run wrong = bench.run("00 B0 01 20 14");  // 12 bytes remain at offset 288
    check_clean(wrong);
    CHECK(wrong.trace() == lines({"> 00B0012014 ?1", "< 6C", "> ?1", "< 0C"}));
    const T0Run right = bench.run("00 B0 01 20 0C");
    check_clean(right);
    CHECK(right.response().size() == 14);
    CHECK(tessera::to_hex(right.response()) == pattern_hex(0x20, 12) + "9000");
}

TEST_CASE(
    "T=0 receives 256 data bytes plus SW1 SW2 = 258 bytes in one exchange "
    "(Supports258And259BytePackets)") {
    T0Bench bench;
    const T0Run run = bench.run("00 B0 00 00 00");
    check_clean(run);
    const std::string data = pattern_hex(0, 256);
    CHECK(run.trace() == "> 00B0000000 ?1\n< B0\n> ?256\n< " + data + "\n> ?1\n< 90\n> ?1\n< 00");
    REQUIRE(run.response().size() == 258);
    CHECK(tessera::to_hex(run.response()) == data + "9000");
}

TEST_CASE("T=0 sends 255 command data bytes in one exchange") {
    T0Bench bench;
    Bytes update = hex("00 D6 01 00 FF");
    Bytes payload(255);
    for (std::size_t i = 0; i < payload.size(); ++i) {
        payload[i] = static_cast<std::uint8_t>(0xFF - i);
    }
    update.insert(update.end(), payload.begin(), payload.end());
    const T0Run run = tessera::sim::run_t0(bench.engine, bench.card, update);
    check_clean(run);
    REQUIRE(run.turns.size() == 3);
    CHECK(run.turns[0].sent == hex("00 D6 01 00 FF"));
    CHECK(run.turns[1].sent == payload);
    CHECK(run.response() == hex("90 00"));
    const T0Run back = bench.run("00 B0 01 00 FF");
    check_clean(back);
    CHECK(Bytes(back.response().begin(), back.response().end() - 2) == payload);

    // Case 4S with 255 bytes: 61 FF, then GET RESPONSE FF.
    Bytes echo = hex("80 EE 00 00 FF");
    echo.insert(echo.end(), payload.begin(), payload.end());
    echo.push_back(0x00);
    CHECK(tessera::sim::run_t0(bench.engine, bench.card, echo).response() == hex("61 FF"));
    const T0Run fetched = bench.run("00 C0 00 00 FF");
    check_clean(fetched);
    CHECK(Bytes(fetched.response().begin(), fetched.response().end() - 2) == payload);
}

TEST_CASE("T=0 ACK = INS ^ FF moves one byte at a time (10.3.3)") {
    CardT0Options card;
    card.single_byte_acks = kAllSingleByteAcks;
    SUBCASE("from the card") {
        T0Bench bench(card);
        const T0Run run = bench.run("00 B0 00 00 03");
        check_clean(run);
        CHECK(run.trace() ==
              lines({"> 00B0000003 ?1", "< 4F", "> ?1", "< 00", "> ?1", "< 4F", "> ?1", "< 01",
                     "> ?1", "< 4F", "> ?1", "< 02", "> ?1", "< 90", "> ?1", "< 00"}));
        CHECK(run.response() == hex("00 01 02 90 00"));
    }
    SUBCASE("to the card") {
        T0Bench bench(card);
        const T0Run run = bench.run("00 D6 00 00 03 AA BB CC");
        check_clean(run);
        CHECK(run.trace() == lines({"> 00D6000003 ?1", "< 29", "> AA ?1", "< 29", "> BB ?1", "< 29",
                                    "> CC ?1", "< 90", "> ?1", "< 00"}));
    }
}

TEST_CASE("T=0 mixes INS ^ FF and INS ACKs in one transfer (10.3.3)") {
    CardT0Options card;
    card.single_byte_acks = 1;
    SUBCASE("from the card") {
        T0Bench bench(card);
        const T0Run run = bench.run("00 B0 00 00 04");
        check_clean(run);
        CHECK(run.trace() == lines({"> 00B0000004 ?1", "< 4F", "> ?1", "< 00", "> ?1", "< B0",
                                    "> ?3", "< 010203", "> ?1", "< 90", "> ?1", "< 00"}));
    }
    SUBCASE("to the card") {
        T0Bench bench(card);
        const T0Run run = bench.run("00 D6 00 00 04 AA BB CC DD");
        check_clean(run);
        CHECK(run.trace() == lines({"> 00D6000004 ?1", "< 29", "> AA ?1", "< D6", "> BBCCDD ?1",
                                    "< 90", "> ?1", "< 00"}));
        const Bytes& ef = bench.application.selected_file();
        CHECK(Bytes(ef.begin(), ef.begin() + 4) == hex("AA BB CC DD"));
    }
}

TEST_CASE("T=0 NULL bytes ask for another WT, then the exchange goes on (10.3.3)") {
    SUBCASE("NULLs before each procedure byte") {
        CardT0Options card;
        card.nulls_before_procedure = 2;
        T0Bench bench(card);
        const T0Run run = bench.run("00 B0 00 00 02");
        check_clean(run);
        CHECK(run.trace() ==
              lines({"> 00B0000002 ?1", "< 60", "> ?1", "< 60", "> ?1", "< B0", "> ?2", "< 0001",
                     "> ?1", "< 60", "> ?1", "< 60", "> ?1", "< 90", "> ?1", "< 00"}));
        CHECK(bench.engine.null_bytes() == 4);
    }
    SUBCASE("a slow command: the card sends P1 NULLs before its status") {
        T0Bench bench;
        const T0Run run = bench.run("80 57 03 00");
        check_clean(run);
        CHECK(run.trace() == lines({"> 8057030000 ?1", "< 60", "> ?1", "< 60", "> ?1", "< 60",
                                    "> ?1", "< 90", "> ?1", "< 00"}));
        // Each NULL restarts WT: every wait is one WT and one character frame.
        for (const auto& turn : run.turns) {
            CHECK(turn.timeout == 892'800us + 1'116us);
        }
    }
}

TEST_CASE("T=0 Transmit timeouts follow WT for the configured WI, Fi and clock (10.2)") {
    // WI 50, Fi 744, Di 1, f = 8 MHz: WT = 50 x 960 x 744 / 8e6 s = 4 464 000 us;
    // 12 etu = 12 x 744 / 8e6 s = 1116 us.
    Config config;
    config.rate = {8'000'000, 744, 1};
    config.wi = 50;
    T0Bench bench({}, config);
    const T0Run run = bench.run("00 B0 00 00 04");
    check_clean(run);
    REQUIRE(run.turns.size() == 4);
    CHECK(run.turns[0].timeout == 4'464'000us + 1'116us);
    CHECK(run.turns[1].timeout == 4 * 4'464'000us + 1'116us);
    CHECK(run.turns[2].timeout == 4'464'000us + 1'116us);
    CHECK(run.turns[3].timeout == 4'464'000us + 1'116us);
}

TEST_CASE("T=0 with an inverse-convention card through the wire transform (8.1)") {
    CardT0Options card;
    card.convention = Convention::inverse;
    HarnessOptions reader;
    reader.convention = Convention::inverse;
    T0Bench bench(card);
    const T0Run run = bench.run("00 B0 00 00 04", reader);
    check_clean(run);
    CHECK(run.response() == hex("00 01 02 03 90 00"));
    // On the wire the ACK B0 travels as F2 and SW1 SW2 90 00 as F6 FF.
    REQUIRE(run.turns.size() == 4);
    CHECK(run.turns[0].wire_received == hex("F2"));
    CHECK(run.turns[2].wire_received == hex("F6"));
    CHECK(run.turns[3].wire_received == hex("FF"));
    for (const auto& turn : run.turns) {
        Bytes decoded = turn.wire_received;
        for (auto& b : decoded) {
            b = invert_convention(b);
        }
        CHECK(decoded == turn.received);
    }
    // Case 3 through the inverse wire: the card decodes what the reader encoded.
    const T0Run update = bench.run("00 D6 00 00 02 5A A5", reader);
    check_clean(update);
    const Bytes& ef = bench.application.selected_file();
    CHECK(Bytes(ef.begin(), ef.begin() + 2) == hex("5A A5"));
}

TEST_CASE("T=0 fails when the reader does not decode an inverse-convention card") {
    CardT0Options card;
    card.convention = Convention::inverse;
    T0Bench bench(card);
    const T0Run run = bench.run("00 B0 00 00 04");  // reader left in direct convention
    CHECK_FALSE(run.gave_up);
    CHECK(run.failed());
}

TEST_CASE("T=0 gives the same result however the reader splits the card's bytes") {
    for (Delivery delivery : {Delivery::bursts, Delivery::stream, Delivery::trickle}) {
        CAPTURE(static_cast<int>(delivery));
        HarnessOptions reader;
        reader.delivery = delivery;
        CardT0Options card;
        card.single_byte_acks = 2;
        card.nulls_before_procedure = 1;
        T0Bench bench(card);
        const T0Run read = bench.run("00 B0 00 00 06", reader);
        check_clean(read);
        CHECK(read.response() == hex("00 01 02 03 04 05 90 00"));
        const T0Run echo = bench.run("80 EE 00 00 04 0A 0B 0C 0D 00", reader);
        check_clean(echo);
        CHECK(echo.response() == hex("61 04"));
        CHECK(bench.run("00 C0 00 00 04", reader).response() == hex("0A 0B 0C 0D 90 00"));
    }
}

TEST_CASE("T=0 asks for exactly the missing bytes when they arrive one at a time") {
    HarnessOptions reader;
    reader.delivery = Delivery::trickle;
    T0Bench bench;
    const T0Run run = bench.run("00 B0 00 00 03", reader);
    check_clean(run);
    CHECK(run.trace() == lines({"> 00B0000003 ?1", "< B0", "> ?3", "< 00", "> ?2", "< 01", "> ?1",
                                "< 02", "> ?1", "< 90", "> ?1", "< 00"}));
}
