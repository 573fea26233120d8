// The T=0 engine against a faulty simulated card: each fault ends in its typed error,
// within a bounded number of steps; and a sweep that makes the card fail at every step of
// an exchange in turn.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/sim/t0_harness.hpp"
#include "tests/support/text_lines.hpp"

namespace {
using namespace std::chrono_literals;
using tessera::Bytes;
using tessera::sim::CardFault;
using tessera::sim::CardT0Options;
using tessera::sim::Delivery;
using tessera::sim::HarnessOptions;
using tessera::sim::kAllSingleByteAcks;
using tessera::sim::T0Bench;
using tessera::sim::T0Run;
using tessera::t0::Config;
using tessera::t0::T0Error;

constexpr auto kWaitOneByte = 892'800us + 1'116us;  // WT + 12 etu at the defaults

CardT0Options faulty(CardFault fault, std::size_t at = 1, std::size_t single_byte_acks = 0) {
    CardT0Options options;
    options.fault = fault;
    options.fault_at = at;
    options.single_byte_acks = single_byte_acks;
    return options;
}

using tessera::test::lines;

void check_failed(const T0Run& run, T0Error error) {
    CHECK_FALSE(run.gave_up);
    REQUIRE(run.failed());
    CHECK(run.error() == error);
}
}  // namespace

TEST_CASE("T=0 endless NULL bytes end in too_many_null_bytes after the configured count") {
    Config config;
    config.max_null_bytes = 5;
    T0Bench bench(faulty(CardFault::endless_null), config);
    const T0Run run = bench.run("00 B0 00 00 04");
    check_failed(run, T0Error::too_many_null_bytes);
    CHECK(run.trace() == lines({"> 00B0000004 ?1", "< 60", "> ?1", "< 60", "> ?1", "< 60", "> ?1",
                                "< 60", "> ?1", "< 60", "> ?1", "< 60"}));
}

TEST_CASE("T=0 endless NULL bytes end by default within 1001 x (WT + 12 etu)") {
    T0Bench bench(faulty(CardFault::endless_null));
    const T0Run run = bench.run("80 57 00 00");
    check_failed(run, T0Error::too_many_null_bytes);
    CHECK(run.turns.size() == 1001);
    std::chrono::microseconds granted{0};
    for (const auto& turn : run.turns) {
        granted += turn.timeout;
    }
    CHECK(granted == 1001 * kWaitOneByte);
}

TEST_CASE("T=0 endless NULL bytes in the middle of a slow command") {
    Config config;
    config.max_null_bytes = 10;
    T0Bench bench(faulty(CardFault::endless_null, 3), config);
    const T0Run run = bench.run("80 57 02 00");  // two genuine NULLs, then forever
    check_failed(run, T0Error::too_many_null_bytes);
    CHECK(run.turns.size() == 11);
}

TEST_CASE("T=0 mute card: the exchange fails with a timeout after WT") {
    SUBCASE("no procedure byte") {
        T0Bench bench(faulty(CardFault::mute));
        const T0Run run = bench.run("00 B0 00 00 04");
        check_failed(run, T0Error::timeout);
        CHECK(run.trace() == lines({"> 00B0000004 ?1", "< timeout"}));
        CHECK(run.turns.back().timeout == kWaitOneByte);
    }
    SUBCASE("silent after the ACK: the wait for 4 bytes was 4 x WT + 12 etu") {
        T0Bench bench(faulty(CardFault::mute, 2));
        const T0Run run = bench.run("00 B0 00 00 04");
        check_failed(run, T0Error::timeout);
        CHECK(run.trace() == lines({"> 00B0000004 ?1", "< B0", "> ?4", "< timeout"}));
        CHECK(run.turns.back().timeout == 4 * 892'800us + 1'116us);
    }
    SUBCASE("silent after the command data") {
        T0Bench bench(faulty(CardFault::mute, 2));
        const T0Run run = bench.run("00 D6 00 00 02 AA BB");
        check_failed(run, T0Error::timeout);
        CHECK(run.trace() == lines({"> 00D6000002 ?1", "< D6", "> AABB ?1", "< timeout"}));
    }
}

TEST_CASE("T=0 SW1 without SW2: the exchange fails with a timeout") {
    T0Bench bench(faulty(CardFault::no_sw2));
    const T0Run run = bench.run("80 57 00 00");
    check_failed(run, T0Error::timeout);
    CHECK(run.trace() == lines({"> 8057000000 ?1", "< 90", "> ?1", "< timeout"}));
}

TEST_CASE("T=0 invalid procedure byte while data remains") {
    T0Bench bench(faulty(CardFault::invalid_procedure_byte));
    const T0Run run = bench.run("00 B0 00 00 04");
    check_failed(run, T0Error::invalid_procedure_byte);
    CHECK(run.trace() == lines({"> 00B0000004 ?1", "< 42"}));
}

TEST_CASE("T=0 invalid byte where SW1 is due (all data moved)") {
    // Bursts: 1 ACK, 2 data, 3 SW1.
    T0Bench bench(faulty(CardFault::invalid_procedure_byte, 3));
    const T0Run run = bench.run("00 B0 00 00 02");
    check_failed(run, T0Error::invalid_sw1);
    CHECK(run.trace() == lines({"> 00B0000002 ?1", "< B0", "> ?2", "< 0001", "> ?1", "< 42"}));
}

TEST_CASE("T=0 ACK with the wrong INS is an invalid procedure byte") {
    SUBCASE("ACK = INS") {
        T0Bench bench(faulty(CardFault::wrong_ins_ack));
        const T0Run run = bench.run("00 B0 00 00 04");
        check_failed(run, T0Error::invalid_procedure_byte);
        CHECK(run.trace() == lines({"> 00B0000004 ?1", "< B1"}));
    }
    SUBCASE("ACK = INS ^ FF") {
        T0Bench bench(faulty(CardFault::wrong_ins_ack, 1, kAllSingleByteAcks));
        const T0Run run = bench.run("00 D6 00 00 02 AA BB");
        check_failed(run, T0Error::invalid_procedure_byte);
        CHECK(run.trace() == lines({"> 00D6000002 ?1", "< 28"}));
        CHECK(bench.application.selected_file()[0] == 0x00);  // nothing was written
    }
}

TEST_CASE("T=0 card sending more data than P3 allows") {
    SUBCASE("in the same burst: excess_data") {
        T0Bench bench(faulty(CardFault::extra_data));
        const T0Run run = bench.run("00 B0 00 00 04");
        check_failed(run, T0Error::excess_data);
        CHECK(run.trace() == lines({"> 00B0000004 ?1", "< B0", "> ?4", "< 0001020342"}));
    }
    SUBCASE("byte by byte: the extra byte stands where SW1 is due") {
        HarnessOptions reader;
        reader.delivery = Delivery::stream;
        T0Bench bench(faulty(CardFault::extra_data));
        const T0Run run = bench.run("00 B0 00 00 04", reader);
        check_failed(run, T0Error::invalid_sw1);
        CHECK(run.trace() ==
              lines({"> 00B0000004 ?1", "< B0", "> ?4", "< 00010203", "> ?1", "< 42"}));
    }
    SUBCASE("one more ACK after the P3 bytes: unexpected_ack") {
        T0Bench bench(faulty(CardFault::extra_ack));
        const T0Run run = bench.run("00 B0 00 00 02");
        check_failed(run, T0Error::unexpected_ack);
        CHECK(run.trace() == lines({"> 00B0000002 ?1", "< B0", "> ?2", "< 0001", "> ?1", "< B0"}));
    }
    SUBCASE("one more ACK after the Lc bytes: unexpected_ack") {
        T0Bench bench(faulty(CardFault::extra_ack));
        const T0Run run = bench.run("00 D6 00 00 02 AA BB");
        check_failed(run, T0Error::unexpected_ack);
        CHECK(run.trace() == lines({"> 00D6000002 ?1", "< D6", "> AABB ?1", "< D6"}));
    }
}

// --- Fault sweep ---------------------------------------------------------------------------
// For each exchange, the card's bursts are numbered (1 = its first burst for that
// exchange); a fault is then placed at burst 1, 2, ... N and one past the end.

namespace {
struct SweepCase {
    const char* name;
    std::vector<const char*> prelude;  // run cleanly first (e.g. to leave a pending response)
    const char* apdu;
    std::size_t single_byte_acks = 0;
    std::size_t nulls_before_procedure = 0;
};

const std::vector<SweepCase>& sweep_cases() {
    static const std::vector<SweepCase> cases = {
        {"case 1", {}, "80 57 00 00"},
        {"case 1 with NULLs", {}, "80 57 02 00"},
        {"case 2", {}, "00 B0 00 00 04"},
        {"case 2, 256 bytes", {}, "00 B0 00 00 00"},
        {"case 2, one-byte ACKs", {}, "00 B0 00 00 03", kAllSingleByteAcks},
        {"case 2, NULLs and mixed ACKs", {}, "00 B0 00 00 04", 2, 1},
        {"case 3", {}, "00 D6 00 00 03 AA BB CC"},
        {"case 3, mixed ACKs and NULLs", {}, "00 D6 00 00 03 AA BB CC", 1, 1},
        {"case 4", {}, "80 EE 00 00 03 01 02 03 00"},
        {"GET RESPONSE", {"80 EE 00 00 03 01 02 03 00"}, "00 C0 00 00 03"},
        {"6Cxx", {"80 EE 00 00 03 01 02 03 00"}, "00 C0 00 00 05"},
    };
    return cases;
}

struct SweepRun {
    T0Run run;
    std::size_t first_burst = 0;  // the card's burst number of the swept exchange's first
    std::size_t last_burst = 0;   // ... and last burst
};

SweepRun run_case(const SweepCase& c, CardFault fault, std::size_t at, const HarnessOptions& reader,
                  const Config& config = {}) {
    CardT0Options card;
    card.single_byte_acks = c.single_byte_acks;
    card.nulls_before_procedure = c.nulls_before_procedure;
    card.fault = fault;
    card.fault_at = at;
    T0Bench bench(card, config);
    for (const char* apdu : c.prelude) {
        REQUIRE(bench.run(apdu, reader).completed());  // faults are placed after the prelude
    }
    SweepRun result;
    result.first_burst = bench.card.bursts_sent() + 1;
    result.run = bench.run(c.apdu, reader);
    result.last_burst = bench.card.bursts_sent();
    return result;
}
}  // namespace

TEST_CASE("T=0 fault sweep: a card failing at step k always ends the exchange in Failed") {
    const CardFault kinds[] = {CardFault::mute, CardFault::truncate, CardFault::extra_byte};
    const Delivery deliveries[] = {Delivery::bursts, Delivery::stream, Delivery::trickle};
    std::size_t runs = 0;
    for (const SweepCase& c : sweep_cases()) {
        for (Delivery delivery : deliveries) {
            HarnessOptions reader;
            reader.delivery = delivery;
            const SweepRun clean = run_case(c, CardFault::none, 1, reader);
            REQUIRE(clean.run.completed());
            for (CardFault kind : kinds) {
                // An extra byte inside a byte stream cannot be seen: T=0 has no framing.
                if (kind == CardFault::extra_byte && delivery != Delivery::bursts) {
                    continue;
                }
                for (std::size_t at = clean.first_burst; at <= clean.last_burst + 1; ++at) {
                    const std::string name = c.name;
                    CAPTURE(name);
                    const std::string fault = tessera::sim::to_string(kind);
                    CAPTURE(fault);
                    CAPTURE(static_cast<int>(delivery));
                    CAPTURE(at);
                    const SweepRun faulty_run = run_case(c, kind, at, reader);
                    ++runs;
                    CHECK_FALSE(faulty_run.run.gave_up);
                    CHECK(faulty_run.run.turns.size() <= clean.run.turns.size() + 1);
                    if (at <= clean.last_burst) {
                        CHECK(faulty_run.run.failed());
                    } else {
                        REQUIRE(faulty_run.run.completed());
                        CHECK(faulty_run.run.response() == clean.run.response());
                    }
                }
            }
        }
    }
    CHECK(runs >= 448);  // 11 exchanges x 3 deliveries x their steps
}

TEST_CASE("T=0 fault sweep: wrong procedure bytes fail, never complete with wrong data") {
    const CardFault kinds[] = {CardFault::invalid_procedure_byte, CardFault::wrong_ins_ack,
                               CardFault::extra_data, CardFault::extra_ack, CardFault::no_sw2};
    for (const SweepCase& c : sweep_cases()) {
        const SweepRun clean = run_case(c, CardFault::none, 1, {});
        REQUIRE(clean.run.completed());
        for (CardFault kind : kinds) {
            std::size_t failures = 0;
            for (std::size_t at = clean.first_burst; at <= clean.last_burst + 1; ++at) {
                const std::string name = c.name;
                CAPTURE(name);
                const std::string fault = tessera::sim::to_string(kind);
                CAPTURE(fault);
                CAPTURE(at);
                const SweepRun faulty_run = run_case(c, kind, at, {});
                CHECK_FALSE(faulty_run.run.gave_up);
                if (faulty_run.run.completed()) {
                    CHECK(faulty_run.run.response() == clean.run.response());
                } else {
                    ++failures;
                }
            }
            // Every exchange ends with SW1 SW2: these two faults always apply.
            if (kind == CardFault::invalid_procedure_byte || kind == CardFault::no_sw2) {
                const std::string name = c.name;
                CAPTURE(name);
                const std::string fault = tessera::sim::to_string(kind);
                CAPTURE(fault);
                CHECK(failures > 0);
            }
        }
    }
}

TEST_CASE("T=0 fault sweep: endless NULLs from step k end within the NULL cap") {
    // A NULL where a data byte or SW2 is due is a legal value of that byte (10.3.3), so the
    // engine may complete; then the response differs from the clean one only by 60 bytes.
    Config config;
    config.max_null_bytes = 50;
    for (const SweepCase& c : sweep_cases()) {
        const SweepRun clean = run_case(c, CardFault::none, 1, {}, config);
        REQUIRE(clean.run.completed());
        const Bytes& expected = clean.run.response();
        for (std::size_t at = clean.first_burst; at <= clean.last_burst; ++at) {
            const std::string name = c.name;
            CAPTURE(name);
            CAPTURE(at);
            const SweepRun faulty_run = run_case(c, CardFault::endless_null, at, {}, config);
            CHECK_FALSE(faulty_run.run.gave_up);
            // NULLs standing for data arrive one per reception: at most one turn per data byte
            // more.
            CHECK(faulty_run.run.turns.size() <= clean.run.turns.size() + expected.size() + 51);
            if (faulty_run.run.completed()) {
                const Bytes& got = faulty_run.run.response();
                REQUIRE(got.size() == expected.size());
                for (std::size_t i = 0; i < got.size(); ++i) {
                    CHECK((got[i] == expected[i] || got[i] == 0x60));
                }
            } else {
                CHECK(faulty_run.run.error() == T0Error::too_many_null_bytes);
            }
        }
    }
}
