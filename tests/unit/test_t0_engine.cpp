// The T=0 engine fed by hand, byte by byte (ISO/IEC 7816-3:2006 section 10): procedure
// byte classification, request sizes, waiting-time timeouts, errors and illegal events.
// Exchanges against the simulated card are in test_t0_exchange.cpp.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "t0/engine.hpp"
#include "tests/sim/t0_harness.hpp"
#include "tests/support/hex.hpp"

namespace {
using namespace std::chrono_literals;
using tessera::Bytes;
using tessera::ByteView;
using tessera::Complete;
using tessera::Failed;
using tessera::Step;
using tessera::Transmit;
using tessera::test::hex;
using tessera::t0::Config;
using tessera::t0::Engine;
using tessera::t0::Event;
using tessera::t0::State;
using tessera::t0::T0Error;

// WI 10, Fi 372, Di 1, f = 4 MHz: WT = 10 x 960 x 372 / 4e6 s = 892 800 us; 1 etu = 93 us,
// so a character frame (12 etu) is 1116 us.
constexpr auto kWt = 892'800us;
constexpr auto kFrame = 1'116us;

Transmit transmit(const Step& step) {
    REQUIRE(std::holds_alternative<Transmit>(step));
    return std::get<Transmit>(step);
}

std::error_code failure(const Step& step) {
    REQUIRE(std::holds_alternative<Failed>(step));
    return std::get<Failed>(step).error;
}

Bytes completed(const Step& step) {
    REQUIRE(std::holds_alternative<Complete>(step));
    return std::get<Complete>(step).response;
}

Step feed(Engine& engine, std::string_view text) {
    return engine.on_received(hex(text));
}

// Checks a Transmit that only receives `n` bytes.
void check_receive(const Step& step, std::size_t n) {
    const Transmit t = transmit(step);
    CHECK(t.bytes.empty());
    CHECK(t.receive_length == n);
}
}  // namespace

TEST_CASE("T=0 engine sends the header alone and asks for one procedure byte (10.3.2)") {
    Engine engine;
    const Transmit t = transmit(engine.start(hex("00 D6 00 00 02 AA BB")));
    CHECK(t.bytes == hex("00 D6 00 00 02"));
    CHECK(t.receive_length == 1);
    CHECK(engine.state() == State::await_procedure);
}

TEST_CASE("T=0 timeouts are n x WT plus one character frame (10.2)") {
    SUBCASE("WI 10, Fi 372, Di 1, 4 MHz") {
        Engine engine;
        CHECK(engine.waiting_time() == kWt);
        CHECK(transmit(engine.start(hex("00 B0 00 00 04"))).timeout == kWt + kFrame);
        const Transmit data = transmit(feed(engine, "B0"));
        CHECK(data.receive_length == 4);
        CHECK(data.timeout == 4 * kWt + kFrame);
        CHECK(engine.receive_timeout(256) == 256 * kWt + kFrame);
    }
    SUBCASE("WI 20, Fi 512, Di 8, 5 MHz") {
        // WT = 20 x 960 x 512 / 5e6 s = 1 966 080 us; 12 etu = 12 x 512 / (8 x 5e6) s
        // = 153.6 us, rounded up to 154 us.
        Config config;
        config.rate = {5'000'000, 512, 8};
        config.wi = 20;
        Engine engine(config);
        CHECK(engine.waiting_time() == 1'966'080us);
        CHECK(transmit(engine.start(hex("00 B0 00 00 02"))).timeout == 1'966'234us);
        CHECK(transmit(feed(engine, "B0")).timeout == 2 * 1'966'080us + 154us);
    }
    SUBCASE("WI 0 (invalid in an ATR) is taken as the default 10") {
        Config config;
        config.wi = 0;
        CHECK(Engine(config).waiting_time() == kWt);
    }
    SUBCASE("a zero clock saturates instead of overflowing") {
        Config config;
        config.rate.clock_hz = 0;
        Engine engine(config);
        CHECK(engine.receive_timeout(256) == std::chrono::microseconds::max());
    }
}

TEST_CASE("T=0 classifies every possible procedure byte (10.3.3)") {
    // INS B0, case 2S with 4 bytes to come: INS moves all, INS ^ FF = 4F one byte,
    // 60 is NULL, 6X / 9X are SW1, anything else is invalid.
    for (unsigned value = 0; value < 256; ++value) {
        const auto byte = static_cast<std::uint8_t>(value);
        CAPTURE(value);
        Engine engine;
        (void)engine.start(hex("00 B0 00 00 04"));
        const Step step = engine.on_received(ByteView(&byte, 1));
        const unsigned high = value & 0xF0;
        if (value == 0x60) {
            check_receive(step, 1);
            CHECK(engine.state() == State::await_procedure);
            CHECK(engine.null_bytes() == 1);
        } else if (high == 0x60 || high == 0x90) {
            check_receive(step, 1);
            CHECK(engine.state() == State::await_sw2);
        } else if (value == 0xB0) {
            check_receive(step, 4);
            CHECK(engine.state() == State::receiving_data);
        } else if (value == 0x4F) {
            check_receive(step, 1);
            CHECK(engine.state() == State::receiving_data);
        } else {
            CHECK(failure(step) == T0Error::invalid_procedure_byte);
            CHECK(engine.state() == State::failed);
        }
    }
}

TEST_CASE("T=0 ACK = INS sends all remaining data, INS ^ FF the next byte only (10.3.3)") {
    Engine engine;
    (void)engine.start(hex("00 D6 00 00 04 11 22 33 44"));
    const Transmit one = transmit(feed(engine, "29"));
    CHECK(one.bytes == hex("11"));
    CHECK(one.receive_length == 1);
    const Transmit next = transmit(feed(engine, "29"));
    CHECK(next.bytes == hex("22"));
    const Transmit rest = transmit(feed(engine, "D6"));
    CHECK(rest.bytes == hex("33 44"));
    CHECK(rest.receive_length == 1);
    check_receive(feed(engine, "90"), 1);
    CHECK(completed(feed(engine, "00")) == hex("90 00"));
    CHECK(engine.state() == State::complete);
}

TEST_CASE("T=0 receives 256 data bytes and SW1 SW2 in one exchange: 258 bytes") {
    Engine engine;
    CHECK(transmit(engine.start(hex("00 B0 00 00 00"))).bytes == hex("00B0000000"));
    check_receive(feed(engine, "B0"), 256);
    Bytes data(256);
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<std::uint8_t>(i);
    }
    check_receive(engine.on_received(data), 1);
    check_receive(feed(engine, "90"), 1);
    const Bytes response = completed(feed(engine, "00"));
    REQUIRE(response.size() == 258);
    CHECK(Bytes(response.begin(), response.begin() + 256) == data);
    CHECK(response[256] == 0x90);
    CHECK(response[257] == 0x00);
}

TEST_CASE("T=0 accepts a reception in pieces and asks for exactly the rest") {
    Engine engine;
    (void)engine.start(hex("00 B0 00 00 04"));
    (void)feed(engine, "B0");
    const Transmit rest = transmit(feed(engine, "00"));
    CHECK(rest.bytes.empty());
    CHECK(rest.receive_length == 3);
    CHECK(rest.timeout == 3 * kWt + kFrame);
    check_receive(feed(engine, "01 02"), 1);
    check_receive(feed(engine, "03"), 1);
    check_receive(feed(engine, "90"), 1);
    CHECK(completed(feed(engine, "00")) == hex("00 01 02 03 90 00"));
}

TEST_CASE("T=0 returns 61xx and 6Cxx to the caller without GET RESPONSE or resend") {
    Engine engine;
    (void)engine.start(hex("80 EE 00 00 02 01 02 00"));
    CHECK(transmit(feed(engine, "EE")).bytes == hex("01 02"));
    (void)feed(engine, "61");
    CHECK(completed(feed(engine, "02")) == hex("61 02"));

    (void)engine.start(hex("00 B0 00 00 10"));
    (void)feed(engine, "6C");
    CHECK(completed(feed(engine, "08")) == hex("6C 08"));
}

TEST_CASE("T=0 ends with the status when SW1 comes before all data moved") {
    Engine engine;
    (void)engine.start(hex("00 A4 04 00 02 A0 00"));
    (void)feed(engine, "6A");
    CHECK(completed(feed(engine, "82")) == hex("6A 82"));

    (void)engine.start(hex("00 B0 00 00 04"));
    (void)feed(engine, "4F");
    (void)feed(engine, "00");
    (void)feed(engine, "4F");
    (void)feed(engine, "01");
    (void)feed(engine, "62");
    CHECK(completed(feed(engine, "82")) == hex("00 01 62 82"));
}

TEST_CASE("T=0 rejects an ACK once all data moved") {
    SUBCASE("case 1: nothing to move") {
        Engine engine;
        (void)engine.start(hex("80 57 00 00"));
        CHECK(failure(feed(engine, "57")) == T0Error::unexpected_ack);
    }
    SUBCASE("case 2: ACK again after the Le bytes") {
        Engine engine;
        (void)engine.start(hex("00 B0 00 00 02"));
        (void)feed(engine, "B0");
        (void)feed(engine, "00 01");
        CHECK(failure(feed(engine, "4F")) == T0Error::unexpected_ack);
    }
    SUBCASE("case 3: ACK again after the Lc bytes") {
        Engine engine;
        (void)engine.start(hex("00 D6 00 00 01 AA"));
        (void)feed(engine, "D6");
        CHECK(failure(feed(engine, "D6")) == T0Error::unexpected_ack);
    }
    SUBCASE("tolerated when configured, counted like a NULL") {
        Config config;
        config.accept_ack_without_data = true;
        config.max_null_bytes = 1;
        Engine engine(config);
        (void)engine.start(hex("00 D6 00 00 01 AA"));
        (void)feed(engine, "D6");
        const Transmit again = transmit(feed(engine, "D6"));
        CHECK(again.bytes.empty());
        CHECK(again.receive_length == 1);
        CHECK(engine.null_bytes() == 1);
        CHECK(failure(feed(engine, "29")) == T0Error::too_many_null_bytes);
    }
}

TEST_CASE("T=0 wants SW1 (6X / 9X) once all data moved") {
    for (const char* byte : {"00", "42", "FF", "A0", "5F"}) {
        CAPTURE(byte);
        Engine engine;
        (void)engine.start(hex("00 B0 00 00 01"));
        (void)feed(engine, "B0");
        (void)feed(engine, "AB");
        CHECK(failure(feed(engine, byte)) == T0Error::invalid_sw1);
    }
    Engine case1;
    (void)case1.start(hex("80 57 00 00"));
    CHECK(failure(feed(case1, "42")) == T0Error::invalid_sw1);
}

TEST_CASE("T=0 takes any SW2 value (10.3.3)") {
    for (unsigned value = 0; value < 256; ++value) {
        const auto sw2 = static_cast<std::uint8_t>(value);
        Engine engine;
        (void)engine.start(hex("80 57 00 00"));
        (void)feed(engine, "90");
        CHECK(completed(engine.on_received(ByteView(&sw2, 1))) == Bytes{0x90, sw2});
    }
}

TEST_CASE("T=0 fails when more bytes arrive than were asked for") {
    Engine engine;
    (void)engine.start(hex("00 B0 00 00 02"));
    CHECK(failure(feed(engine, "B0 00")) == T0Error::excess_data);
    REQUIRE(engine.last_failure());
    CHECK(engine.last_failure()->byte == 0x00);

    (void)engine.start(hex("00 B0 00 00 02"));
    (void)feed(engine, "B0");
    CHECK(failure(feed(engine, "00 01 90")) == T0Error::excess_data);
    CHECK(engine.last_failure()->byte == 0x90);
}

TEST_CASE("T=0 fails on a timeout and on an empty reception") {
    Engine engine;
    (void)engine.start(hex("00 B0 00 00 02"));
    (void)feed(engine, "B0");
    CHECK(failure(engine.on_timeout()) == T0Error::timeout);
    CHECK(engine.state() == State::failed);

    (void)engine.start(hex("00 B0 00 00 02"));
    CHECK(failure(engine.on_received({})) == T0Error::timeout);
    CHECK(engine.last_failure()->event == Event::timeout);
}

TEST_CASE("T=0 bounds NULL bytes by max_null_bytes") {
    Config config;
    config.max_null_bytes = 3;
    Engine engine(config);
    (void)engine.start(hex("80 57 05 00"));
    for (int i = 0; i < 3; ++i) {
        check_receive(feed(engine, "60"), 1);
    }
    CHECK(failure(feed(engine, "60")) == T0Error::too_many_null_bytes);
    CHECK(engine.null_bytes() == 4);

    // The count is per exchange.
    (void)engine.start(hex("80 57 05 00"));
    CHECK(engine.null_bytes() == 0);
    for (int i = 0; i < 3; ++i) {
        (void)feed(engine, "60");
    }
    (void)feed(engine, "90");
    CHECK(completed(feed(engine, "00")) == hex("90 00"));
}

TEST_CASE("T=0 default NULL cap is 1000") {
    Engine engine;
    CHECK(engine.config().max_null_bytes == 1000);
    (void)engine.start(hex("80 57 05 00"));
    Step step;
    int nulls = 0;
    do {
        step = feed(engine, "60");
        ++nulls;
    } while (std::holds_alternative<Transmit>(step) && nulls < 5000);
    CHECK(nulls == 1001);
    CHECK(failure(step) == T0Error::too_many_null_bytes);
}

TEST_CASE("T=0 start() refuses bad command APDUs with typed errors") {
    Engine engine;
    CHECK(failure(engine.start(hex("00 B0"))) == T0Error::apdu_too_short);
    CHECK(failure(engine.start(hex("00 D6 00 00 05 AA"))) == T0Error::apdu_length_mismatch);
    CHECK(failure(engine.start(hex("00 B0 00 00 00 01 00"))) ==
          T0Error::extended_length_unsupported);
    CHECK(failure(engine.start(hex("FF B0 00 00 01"))) == T0Error::invalid_class);
    CHECK(failure(engine.start(hex("00 6C 00 00 01"))) == T0Error::invalid_instruction);
    CHECK(engine.state() == State::failed);
    CHECK(std::holds_alternative<Transmit>(engine.start(hex("00 B0 00 00 01"))));
}

TEST_CASE("T=0 illegal events become typed errors logged by state and event name") {
    std::vector<std::string> log;
    Config config;
    config.log = [&log](std::string_view line) { log.emplace_back(line); };
    Engine engine(config);

    CHECK(failure(engine.on_received(hex("90"))) == T0Error::illegal_event);
    REQUIRE(log.size() == 1);
    CHECK(log[0].find("event 'received' in state 'idle'") != std::string::npos);
    CHECK(engine.state() == State::failed);

    CHECK(failure(engine.on_timeout()) == T0Error::illegal_event);
    CHECK(log.back().find("event 'timeout' in state 'failed'") != std::string::npos);

    (void)engine.start(hex("00 B0 00 00 01"));
    CHECK(failure(engine.start(hex("00 B0 00 00 01"))) == T0Error::illegal_event);
    CHECK(log.back().find("event 'start' in state 'await_procedure'") != std::string::npos);
    CHECK(engine.state() == State::failed);

    (void)engine.start(hex("80 57 00 00"));
    (void)feed(engine, "90");
    (void)feed(engine, "00");
    CHECK(engine.state() == State::complete);
    CHECK(failure(feed(engine, "00")) == T0Error::illegal_event);
    CHECK(log.back().find("event 'received' in state 'complete'") != std::string::npos);
}

TEST_CASE("T=0 diagnostics name the offending byte and where it came") {
    std::string last;
    Config config;
    config.log = [&last](std::string_view line) { last = line; };
    Engine engine(config);
    (void)engine.start(hex("00 B0 00 00 04"));
    CHECK(failure(feed(engine, "42")) == T0Error::invalid_procedure_byte);
    REQUIRE(engine.last_failure());
    const auto& d = *engine.last_failure();
    CHECK(d.error == T0Error::invalid_procedure_byte);
    CHECK(d.state == State::await_procedure);
    CHECK(d.event == Event::received);
    CHECK(d.byte == 0x42);
    CHECK(d.ins == 0xB0);
    CHECK(d.data_remaining == 4);
    CHECK(last == d.message());
    CHECK(last ==
          "t0: invalid procedure byte from the card (event 'received' in state "
          "'await_procedure', byte 42, INS B0, 4 data bytes left, 0 NULL bytes)");
    (void)engine.start(hex("00 B0 00 00 04"));
    CHECK_FALSE(engine.last_failure());
}

TEST_CASE("T=0 reset() abandons an exchange") {
    Engine engine;
    (void)engine.start(hex("00 B0 00 00 04"));
    (void)feed(engine, "B0");
    engine.reset();
    CHECK(engine.state() == State::idle);
    CHECK(failure(feed(engine, "00")) == T0Error::illegal_event);
    engine.reset();
    (void)engine.start(hex("80 57 00 00"));
    (void)feed(engine, "90");
    CHECK(completed(feed(engine, "00")) == hex("90 00"));
}

TEST_CASE("T=0 survives random card bytes: always ends, never more than 258 bytes") {
    std::mt19937 random(7816);
    const std::vector<Bytes> commands = {
        hex("80 57 00 00"), hex("00 B0 00 00 00"), hex("00 B0 00 00 05"),
        hex("00 D6 00 00 03 01 02 03"), hex("80 EE 00 00 02 01 02 00")};
    Config config;
    config.max_null_bytes = 20;
    std::size_t completes = 0;
    for (int round = 0; round < 5000; ++round) {
        Engine engine(config);
        Step step = engine.start(commands[random() % commands.size()]);
        int steps = 0;
        while (const auto* t = std::get_if<Transmit>(&step)) {
            REQUIRE(++steps < 600);
            REQUIRE(t->receive_length >= 1);
            REQUIRE(t->receive_length <= 256);
            // Mostly plausible bytes (procedure values, the INS), sometimes too many.
            Bytes bytes(1 + random() % (t->receive_length + (random() % 8 == 0 ? 1 : 0)));
            for (auto& b : bytes) {
                static constexpr std::uint8_t kLikely[] = {0x60, 0x90, 0x61, 0x6C, 0xB0, 0x4F,
                                                           0xD6, 0x29, 0xEE, 0x11, 0x00};
                b = random() % 2 ? kLikely[random() % sizeof kLikely]
                                 : static_cast<std::uint8_t>(random());
            }
            step = random() % 50 == 0 ? engine.on_timeout() : engine.on_received(bytes);
        }
        if (const auto* done = std::get_if<Complete>(&step)) {
            ++completes;
            CHECK(done->response.size() >= 2);
            CHECK(done->response.size() <= 258);
            CHECK(engine.state() == State::complete);
        } else {
            CHECK(engine.state() == State::failed);
        }
    }
    CHECK(completes > 0);
}
