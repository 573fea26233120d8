// Fault sweep over a T=1 exchange chained in both directions: each fault of the simulated
// card is injected at each block of the exchange in turn, firing once, twice, three times
// or forever. Every run must end, either with the correct response or with a Failed step,
// never with wrong data; transmission faults that stop must be recovered; and the next
// exchange (after a card reset when the error asks for one) must return correct data.
#include <doctest/doctest.h>

#include <ostream>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "t1/engine.hpp"
#include "tests/sim/card_t1.hpp"
#include "tests/sim/t1_harness.hpp"
#include "tests/support/hex.hpp"

using namespace tessera;
using sim::T1Fault;
using test::hex;

namespace {

// ECHO of 250 bytes with Le 00: a 256-byte command (8 blocks at IFSC 32) and a 252-byte
// response (4 blocks at IFSD 64).
Bytes echo_250() {
    Bytes apdu = hex("80EE0000FA");
    for (int i = 0; i < 250; ++i) {
        apdu.push_back(static_cast<std::uint8_t>(0xFF - i));
    }
    apdu.push_back(0x00);
    return apdu;
}

Bytes echo_250_response() {
    const Bytes apdu = echo_250();
    Bytes response(apdu.begin() + 5, apdu.end() - 1);
    response.push_back(0x90);
    response.push_back(0x00);
    return response;
}

struct Setup {
    t1::EdcType edc;
    t1::Config device() const {
        t1::Config config;
        config.ifsc = 32;
        config.ifsd = 64;
        config.edc = edc;
        return config;
    }
    sim::CardT1Config card() const {
        sim::CardT1Config config;
        config.ifsc = 32;
        config.edc = edc;
        return config;
    }
};

bool is_transmission_fault(T1Fault fault) {
    switch (fault) {
        case T1Fault::corrupt_answer:
        case T1Fault::corrupt_received:
        case T1Fault::drop_answer:
        case T1Fault::drop_received:
        case T1Fault::wrong_ns:
        case T1Fault::desynchronise:
        case T1Fault::resynch_request:
        case T1Fault::refuse_ifs:
        case T1Fault::wtx:
        case T1Fault::ifs_request:
            return true;
        case T1Fault::abort:
        case T1Fault::endless_chaining:
            return false;
    }
    return false;
}

}  // namespace

TEST_CASE("fault sweep: every fault at every block of a chained exchange, both EDCs") {
    const Bytes command = echo_250();
    const Bytes expected = echo_250_response();
    const Bytes follow_up = hex("00B0000010");

    const T1Fault faults[] = {
        T1Fault::corrupt_answer, T1Fault::corrupt_received, T1Fault::drop_answer,
        T1Fault::drop_received,  T1Fault::wrong_ns,         T1Fault::desynchronise,
        T1Fault::resynch_request, T1Fault::refuse_ifs,      T1Fault::wtx,
        T1Fault::ifs_request,    T1Fault::abort,
    };
    const std::size_t durations[] = {1, 2, 3, sim::kAlways};

    for (const t1::EdcType edc : {t1::EdcType::lrc, t1::EdcType::crc}) {
        const Setup setup{edc};
        std::vector<std::string> clean_trace;
        {
            t1::Engine engine(setup.device());
            sim::CardApplication application;
            sim::CardT1 card(application, setup.card());
            const auto clean = sim::run_t1(engine, card, command, edc);
            REQUIRE(clean.completed());
            REQUIRE(clean.response() == expected);
            clean_trace = clean.trace();
            REQUIRE(clean.turns.size() == 1 + 8 + 3);  // S(IFS), 8 command blocks, 3 R acks
        }

        for (const T1Fault fault : faults) {
            std::size_t runs_that_differ = 0;
            for (std::size_t from = 0; from <= clean_trace.size() / 2 + 1; ++from) {
                for (const std::size_t times : durations) {
                    const std::string fault_name = sim::name(fault);
                    CAPTURE(fault_name);
                    CAPTURE(from);
                    CAPTURE(times);
                    CAPTURE(edc == t1::EdcType::lrc ? "LRC" : "CRC");
                    t1::Engine engine(setup.device());
                    sim::CardApplication application;
                    sim::CardT1 card(application, setup.card());
                    card.add_fault({fault, from, times, 16});

                    const auto run = sim::run_t1(engine, card, command, edc, 5'000);
                    REQUIRE_FALSE(run.gave_up);
                    if (run.trace() != clean_trace) {
                        ++runs_that_differ;
                    }
                    if (run.completed()) {
                        CHECK(run.response() == expected);
                    } else {
                        REQUIRE(run.failed());
                        CHECK(run.error().category() == t1::make_error_code(t1::Error{}).category());
                    }
                    if (times <= 3 && is_transmission_fault(fault)) {
                        CHECK(run.completed());
                    }
                    if (fault == T1Fault::abort && run.failed()) {
                        CHECK(run.error() == t1::Error::aborted_by_card);
                    }

                    card.clear_faults();
                    if (run.failed() && t1::requires_card_reset(run.error())) {
                        engine.reset();
                        card.reset();
                    }
                    const auto next = sim::run_t1(engine, card, follow_up, edc, 5'000);
                    REQUIRE(next.completed());
                    const Bytes& file = card.application().selected_file();
                    Bytes file_data(file.begin(), file.begin() + 16);
                    file_data.push_back(0x90);
                    file_data.push_back(0x00);
                    CHECK(next.response() == file_data);
                }
            }
            const std::string fault_name = sim::name(fault);
                    CAPTURE(fault_name);
            CHECK(runs_that_differ > 0);  // the fault did fire somewhere
        }
    }
}

TEST_CASE("faults that never stop end in a bounded Failed step") {
    const Setup setup{t1::EdcType::lrc};
    const T1Fault faults[] = {T1Fault::corrupt_answer, T1Fault::corrupt_received,
                              T1Fault::drop_answer,    T1Fault::drop_received,
                              T1Fault::wrong_ns,       T1Fault::desynchronise,
                              T1Fault::resynch_request, T1Fault::wtx,
                              T1Fault::abort,          T1Fault::endless_chaining};
    for (const T1Fault fault : faults) {
        const std::string fault_name = sim::name(fault);
                    CAPTURE(fault_name);
        t1::Engine engine(setup.device());
        sim::CardApplication application;
        sim::CardT1 card(application, setup.card());
        card.add_fault({fault, 0, sim::kAlways, 0});
        const auto run = sim::run_t1(engine, card, echo_250(), setup.edc, 5'000);
        REQUIRE_FALSE(run.gave_up);
        CHECK(run.failed());
    }
}
