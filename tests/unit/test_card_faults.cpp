// sim::Card's faults, exposed through CardConfig, against the core's engines: each T=0
// card fault (ISO/IEC 7816-3 section 10) ends in the engine's named error; T=1 faults
// (section 11) are recovered from or end in the engine's bounded error.
#include <doctest/doctest.h>

#include <string>

#include "card_exchanges.hpp"
#include "card_fixtures.hpp"
#include "t0/engine.hpp"
#include "t1/engine.hpp"

using namespace tessera;
using namespace tessera::card_test;
using sim::CardConfig;
using sim::CardFault;
using sim::T1Fault;

TEST_CASE("T=0 card faults end the exchange with the engine's named error") {
    struct Case {
        CardFault fault;
        std::size_t fault_at;
        t0::T0Error error;
    };
    // READ BINARY 16: bursts ACK (1), data (2), SW1 (3), SW2 (4).
    const Case cases[] = {
        {CardFault::mute, 1, t0::T0Error::timeout},
        {CardFault::truncate, 2, t0::T0Error::timeout},         // 15 data bytes, then silence
        {CardFault::extra_byte, 1, t0::T0Error::excess_data},   // ACK + 42 in one burst
        {CardFault::endless_null, 1, t0::T0Error::too_many_null_bytes},
        {CardFault::invalid_procedure_byte, 1, t0::T0Error::invalid_procedure_byte},
        {CardFault::wrong_ins_ack, 1, t0::T0Error::invalid_procedure_byte},  // B1, not B0
        {CardFault::extra_data, 1, t0::T0Error::excess_data},   // 17 bytes for P3 = 16
        {CardFault::extra_ack, 1, t0::T0Error::unexpected_ack},  // B0 after all data
        {CardFault::no_sw2, 1, t0::T0Error::timeout},
    };
    for (const Case& c : cases) {
        const std::string name = sim::to_string(c.fault);
        CAPTURE(name);
        CardConfig config = plain_t0_card();
        config.t0.fault = c.fault;
        config.t0.fault_at = c.fault_at;
        auto card = make_card(config);
        card->cold_reset();
        t0::Config engine_config;
        engine_config.max_null_bytes = 20;
        const T0Exchange run = run_t0(*card, hex("00 B0 00 00 10"), engine_config);
        CHECK(run.error() == c.error);

        // At TPDU level the same card gives no answer (the reader's timeout or error).
        card->cold_reset();
        CHECK_FALSE(card->t0_tpdu(hex("00 B0 00 00 10")).has_value());
    }

    // Without a fault the same exchange completes: the checks above can fail.
    auto healthy = make_card(plain_t0_card());
    healthy->cold_reset();
    CHECK(run_t0(*healthy, hex("00 B0 00 00 10")).completed());
    CHECK(healthy->t0_tpdu(hex("00 B0 00 00 10")) == concat(ascending(0, 16), kSw9000));
}

TEST_CASE("T=1 fault plans from CardConfig: each fires once and the engine recovers") {
    const T1Fault recoverable[] = {
        T1Fault::corrupt_answer, T1Fault::corrupt_received, T1Fault::drop_answer,
        T1Fault::drop_received,  T1Fault::wrong_ns,         T1Fault::desynchronise,
        T1Fault::resynch_request, T1Fault::refuse_ifs,      T1Fault::wtx,
        T1Fault::ifs_request,
    };
    T1Session clean;
    const T1Exchange reference = clean.run(hex("00 B0 00 00 00"));
    REQUIRE(reference.completed());
    for (const T1Fault fault : recoverable) {
        const std::string name = sim::name(fault);
        CAPTURE(name);
        CardConfig config = t1_card();
        config.t1_faults = {{fault, 0, 1, 0x40}};
        T1Session session(config);
        const T1Exchange run = session.run(hex("00 B0 00 00 00"));
        REQUIRE(run.completed());
        CHECK(run.response() == concat(ascending(0, 256), kSw9000));
        CHECK(run.trace != reference.trace);  // the fault did fire
    }
}

TEST_CASE("T=1 fault: the card refuses S(IFS request) with R(other error), the I-block follows") {
    CardConfig config = t1_card();
    config.t1_supports_ifs_request = false;
    T1Session session(config);
    const T1Exchange run = session.run(hex("00 B0 00 00 10"));
    REQUIRE(run.completed());
    // R-block PCB 82 (N(R) 0, other error), LRC 82; IFSD stays 32 (11.4.2).
    CHECK(run.trace.at(1) == "< 00820082");
    CHECK(run.blocks.at(2) == "> I(0) 5 bytes");
    CHECK(session.engine->ifsd() == 32);
}

TEST_CASE("T=1 fault: the card's S(ABORT request) ends the exchange") {
    CardConfig config = t1_card();
    config.t1_faults = {{T1Fault::abort, 1, 1, 0}};
    T1Session session(config);
    const T1Exchange run = session.run(hex(kSelectAid));
    CHECK(run.error() == t1::Error::aborted_by_card);
    CHECK(run.count("< S(ABORT request)") == 1);
    CHECK(run.count("> S(ABORT response)") == 1);
}

TEST_CASE("T=1 fault: endless WTX ends in the engine's bounded error") {
    CardConfig config = t1_card();
    config.t1_faults = {{T1Fault::wtx, 0, sim::kAlways, 0}};
    T1Session session(config);
    const T1Exchange run = session.run(hex(kSelectAid));
    CHECK(run.error() == t1::Error::too_many_card_requests);
    // Config::max_card_requests = 250 consecutive S(WTX request)s answered, then it stops.
    CHECK(run.count("> S(WTX response 01)") == 250);
}

TEST_CASE("T=1 fault: a WTX multiplier from CardConfig, endless, ends on the time bound") {
    CardConfig config = t1_card();
    config.t1_wtx_multiplier = 255;
    config.t1_faults = {{T1Fault::wtx, 0, sim::kAlways, 0}};
    T1Session session(config);
    const T1Exchange run = session.run(hex(kSelectAid));
    CHECK(run.error() == t1::Error::wtx_time_exceeded);
    CHECK(run.count("> S(WTX response FF)") >= 1);
}

TEST_CASE("T=1 fault: endless chaining ends in the engine's bounded error, kept across resets") {
    CardConfig config = t1_card();
    config.t1_faults = {{T1Fault::endless_chaining, 0, sim::kAlways, 0}};
    T1Session session(config);
    const T1Exchange run = session.run(hex("00 B0 00 00 00"));
    CHECK(run.error() == t1::Error::response_too_long);  // max_response_size 65538
    CHECK(run.count("> R(0)") + run.count("> R(1)") > 256);

    // The plan survives a reset (CardT1 keeps its plans), and add_t1_fault adds more.
    session.card->cold_reset();
    session.engine->reset();
    session.card->add_t1_fault({T1Fault::corrupt_answer, 0, 1, 0});
    const T1Exchange again = session.run(hex("00 B0 00 00 00"));
    CHECK(again.error() == t1::Error::response_too_long);
    CHECK(again.count("< damaged") == 1);
}
