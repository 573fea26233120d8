// The T=1 engine against the simulated T=1 card: one test per ISO/IEC 7816-3 section 11
// rule (and per certification rule), each written as the exact block trace the rule
// produces. "> " lines are device-to-card blocks, "< " card-to-device, "< none" a lost
// answer (the engine sees a timeout).
#include <doctest/doctest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "iso7816/timing.hpp"
#include "t1/block.hpp"
#include "t1/engine.hpp"
#include "tests/sim/card_t1.hpp"
#include "tests/sim/t1_harness.hpp"
#include "tests/support/hex.hpp"
#include "tests/support/text_lines.hpp"

using namespace tessera;
using sim::T1Fault;
using t1::EdcType;

namespace {

using tessera::test::hex;
using tessera::test::join;

std::vector<std::string> head(std::vector<std::string> lines, std::size_t count) {
    lines.resize(std::min(lines.size(), count));
    return lines;
}

t1::Config device(std::uint8_t ifsc = 254, EdcType edc = EdcType::lrc, bool request_ifsd = true) {
    t1::Config config;
    config.ifsc = ifsc;
    config.edc = edc;
    config.request_ifsd = request_ifsd;
    return config;
}

// `negotiated`: the card starts with IFSD 254, as after a reader's own IFSD exchange.
sim::CardT1Config card_config(std::uint8_t ifsc = 254, EdcType edc = EdcType::lrc,
                              bool negotiated = false) {
    sim::CardT1Config config;
    config.ifsc = ifsc;
    config.edc = edc;
    config.ifsd = negotiated ? 254 : t1::kDefaultIfs;
    return config;
}

// A device and a card that agree on IFSC and EDC.
struct Rig {
    explicit Rig(t1::Config config, sim::CardT1Config card_settings)
        : edc(config.edc), engine(std::move(config)), card(application, card_settings) {}
    explicit Rig(std::uint8_t ifsc = 254, EdcType edc_type = EdcType::lrc,
                 bool request_ifsd = true)
        : Rig(device(ifsc, edc_type, request_ifsd), card_config(ifsc, edc_type, !request_ifsd)) {}

    sim::T1Run run(ByteView apdu, std::size_t max_turns = 20'000) {
        return sim::run_t1(engine, card, apdu, edc, max_turns);
    }
    void reset() {
        engine.reset();
        card.reset();
    }

    EdcType edc;
    t1::Engine engine;
    sim::CardApplication application;
    sim::CardT1 card;
};

// ECHO, case 4: 80 EE 00 00 Lc=02 AB CD Le=02 -> AB CD 90 00.
const Bytes kEcho = hex("80EE000002ABCD02");
const Bytes kEchoResponse = hex("ABCD9000");
const char* const kEchoBlock = "> 00000880EE000002ABCD0200";  // I(0), LRC 00
const char* const kEchoAnswer = "< 000004ABCD9000F2";         // I(0), LRC F2

// UPDATE BINARY of 250 bytes at offset 0: a 255-byte command APDU.
Bytes update_binary_255() {
    Bytes apdu = hex("00D60000FA");
    for (int i = 0; i < 250; ++i) {
        apdu.push_back(static_cast<std::uint8_t>(i * 3 + 1));
    }
    return apdu;
}

Bytes file_prefix(sim::CardT1& card, std::size_t size) {
    const Bytes& file = card.application().selected_file();
    return Bytes(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(size));
}

Bytes with_sw(Bytes data) {
    data.push_back(0x90);
    data.push_back(0x00);
    return data;
}

std::size_t count(const std::vector<std::string>& lines, std::string_view line) {
    return static_cast<std::size_t>(std::count(lines.begin(), lines.end(), line));
}

}  // namespace

// ---- The certification rules (SupportsResetCommand) --------------------------------

TEST_CASE("the first transmission after reset begins with S(IFS request IFSD=254), later ones do not") {
    Rig rig;
    const auto first = rig.run(kEcho);
    REQUIRE(first.completed());
    CHECK(first.response() == kEchoResponse);
    CHECK(join(first.trace()) == join({"> 00C101FE3E", "< 00E101FE1E", kEchoBlock, kEchoAnswer}));
    CHECK(rig.engine.ifsd() == 254);
    CHECK(rig.card.ifsd() == 254);

    const auto second = rig.run(kEcho);
    REQUIRE(second.completed());
    CHECK(join(second.trace()) ==
          join({"> 00400880EE000002ABCD0240", "< 004004ABCD9000B2"}));

    rig.reset();  // a new ATR: the IFSD request comes first again
    const auto after_reset = rig.run(kEcho);
    REQUIRE(after_reset.completed());
    CHECK(join(after_reset.trace()) ==
          join({"> 00C101FE3E", "< 00E101FE1E", kEchoBlock, kEchoAnswer}));
}

TEST_CASE("a card answering S(IFS request) with R(other error): the transmission continues with the I-block") {
    sim::CardT1Config settings = card_config();
    settings.supports_ifs_request = false;
    Rig rig(device(), settings);
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(run.response() == kEchoResponse);
    CHECK(join(run.trace()) == join({"> 00C101FE3E", "< 00820082", kEchoBlock, kEchoAnswer}));
    CHECK(rig.engine.ifsd() == 32);

    const auto next = rig.run(kEcho);  // not asked again before the next reset
    REQUIRE(next.completed());
    CHECK(join(next.trace()) == join({"> 00400880EE000002ABCD0240", "< 004004ABCD9000B2"}));
}

TEST_CASE("a one-off R(other error) to S(IFS request) (fault refuse_ifs) behaves the same") {
    Rig rig;
    rig.card.add_fault({T1Fault::refuse_ifs, 0, 1, 0});
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(join(run.trace()) == join({"> 00C101FE3E", "< 00820082", kEchoBlock, kEchoAnswer}));
}

TEST_CASE("R(EDC error) to S(IFS request) means the request arrived damaged: it is repeated") {
    Rig rig;
    rig.card.add_fault({T1Fault::corrupt_received, 0, 1, 0});
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(join(run.trace()) == join({"> 00C101FE3E", "< 00810081", "> 00C101FE3E", "< 00E101FE1E",
                                     kEchoBlock, kEchoAnswer}));
    CHECK(rig.engine.ifsd() == 254);
}

TEST_CASE("without request_ifsd (the reader negotiates IFSD) the first block is the I-block") {
    Rig rig(254, EdcType::lrc, false);
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(join(run.trace()) == join({kEchoBlock, kEchoAnswer}));
    CHECK(rig.engine.ifsd() == 254);
}

TEST_CASE("after a successful RESYNCH the transmission restarts from its first block") {
    Rig rig(32, EdcType::lrc, false);
    const Bytes apdu = update_binary_255();
    // The card's acknowledgement of the third command block and its answers to the next
    // two R-blocks are lost: three sends without progress, then RESYNCH.
    rig.card.add_fault({T1Fault::drop_answer, 2, 3, 0});
    const auto run = rig.run(apdu);
    REQUIRE(run.completed());
    CHECK(run.response() == hex("9000"));
    CHECK(join(head(run.blocks(), 14)) == join({
                                              "> I(0,M) 32 bytes",
                                              "< R(1)",
                                              "> I(1,M) 32 bytes",
                                              "< R(0)",
                                              "> I(0,M) 32 bytes",
                                              "< none",
                                              "> R(0) other error",
                                              "< none",
                                              "> R(0) other error",
                                              "< none",
                                              "> S(RESYNCH request)",
                                              "< S(RESYNCH response)",
                                              "> I(0,M) 32 bytes",
                                              "< R(1)",
                                          }));
    REQUIRE(run.turns.size() == 6 + 8);
    CHECK(run.turns[6].sent == run.turns[0].sent);  // byte for byte the first block
    CHECK(rig.card.resynchs() == 1);
    CHECK(file_prefix(rig.card, 250) == Bytes(apdu.begin() + 5, apdu.end()));
}

TEST_CASE("a transmission that began with S(IFS request) restarts with S(IFS request) after RESYNCH") {
    Rig rig;
    rig.card.add_fault({T1Fault::drop_answer, 0, 3, 0});
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(join(run.blocks()) == join({
                                    "> S(IFS request FE)",
                                    "< none",
                                    "> S(IFS request FE)",
                                    "< none",
                                    "> S(IFS request FE)",
                                    "< none",
                                    "> S(RESYNCH request)",
                                    "< S(RESYNCH response)",
                                    "> S(IFS request FE)",
                                    "< S(IFS response FE)",
                                    "> I(0) 8 bytes",
                                    "< I(0) 4 bytes",
                                }));
}

// ---- Block exchange and chaining (11.6.2) ------------------------------------------

TEST_CASE("single block exchange with CRC: exact bytes") {
    Rig rig(254, EdcType::crc);
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(run.response() == kEchoResponse);
    CHECK(join(run.trace()) == join({"> 00C101FE544E", "< 00E101FE5775",
                                     "> 00000880EE000002ABCD02A67D", "< 000004ABCD9000D00F"}));
}

TEST_CASE("LRC and CRC carry the same exchange, one epilogue byte apart") {
    for (const EdcType edc : {EdcType::lrc, EdcType::crc}) {
        Rig rig(254, edc, false);
        const auto run = rig.run(kEcho);
        REQUIRE(run.completed());
        CHECK(run.response() == kEchoResponse);
        CHECK(run.turns[0].sent.size() == 3 + 8 + t1::edc_size(edc));
        CHECK(run.turns[0].received->size() == 3 + 4 + t1::edc_size(edc));
    }
}

TEST_CASE("device and card disagreeing on the EDC end in a bounded, fatal error") {
    Rig rig(device(254, EdcType::crc), card_config(254, EdcType::lrc));
    const auto run = rig.run(kEcho);
    CHECK_FALSE(run.gave_up);
    CHECK(run.error() == t1::Error::resynch_failed);
    CHECK(run.turns.size() <= 3 + 3);
}

TEST_CASE("command chaining: a 255-byte command at IFSC 32 goes out in 8 I-blocks") {
    Rig rig(32, EdcType::lrc, false);
    const Bytes apdu = update_binary_255();
    const auto run = rig.run(apdu);
    REQUIRE(run.completed());
    CHECK(run.response() == hex("9000"));
    std::vector<std::string> expected;
    for (int i = 0; i < 7; ++i) {
        expected.push_back("> I(" + std::to_string(i % 2) + ",M) 32 bytes");
        expected.push_back("< R(" + std::to_string((i + 1) % 2) + ")");
    }
    expected.push_back("> I(1) 31 bytes");
    expected.push_back("< I(0) 2 bytes");
    CHECK(join(run.blocks()) == join(expected));

    Bytes reassembled;
    for (const auto& turn : run.turns) {
        const auto block = t1::parse_block(turn.sent, EdcType::lrc);
        REQUIRE(block);
        reassembled.insert(reassembled.end(), block->inf.begin(), block->inf.end());
    }
    CHECK(reassembled == apdu);
    CHECK(file_prefix(rig.card, 250) == Bytes(apdu.begin() + 5, apdu.end()));
}

TEST_CASE("response chaining: 256 bytes + SW in a 254-byte INF block and the rest; 259-byte block with CRC") {
    Rig rig(254, EdcType::crc);
    const auto run = rig.run(hex("00B0000000"));
    REQUIRE(run.completed());
    CHECK(run.response() == with_sw(file_prefix(rig.card, 256)));
    CHECK(join(run.blocks()) == join({
                                    "> S(IFS request FE)",
                                    "< S(IFS response FE)",
                                    "> I(0) 5 bytes",
                                    "< I(0,M) 254 bytes",
                                    "> R(1)",
                                    "< I(1) 4 bytes",
                                }));
    CHECK(run.turns[1].received->size() == 259);
    CHECK(run.turns[1].receive_length == 259);
    CHECK(run.turns[0].receive_length == 3 + 32 + 2);  // before the IFSD is in force
}

TEST_CASE("extended responses: 4 KiB and 64 KiB, at IFSD 254 and at the default IFSD 32") {
    for (const bool card_supports_ifs : {true, false}) {
        sim::CardT1Config settings = card_config();
        settings.supports_ifs_request = card_supports_ifs;
        Rig rig(device(), settings);
        const std::size_t ifsd = card_supports_ifs ? 254 : 32;
        CAPTURE(ifsd);

        const auto small = rig.run(hex("00B00000001000"));
        REQUIRE(small.completed());
        CHECK(small.response() == with_sw(file_prefix(rig.card, 4096)));

        const auto large = rig.run(hex("00B00000000000"));
        REQUIRE(large.completed());
        CHECK(large.response() == with_sw(file_prefix(rig.card, 65536)));
        const std::size_t blocks = (65538 + ifsd - 1) / ifsd;
        CHECK(count(large.blocks(), "< I(0,M) " + std::to_string(ifsd) + " bytes") +
                  count(large.blocks(), "< I(1,M) " + std::to_string(ifsd) + " bytes") ==
              blocks - 1);
        CHECK(large.turns.size() == blocks);
    }
}

// ---- Card requests (11.6.2: IFS, WTX, ABORT) ----------------------------------------

TEST_CASE("S(WTX request): answered, and the next wait only is BWT x multiplier") {
    sim::CardT1Config settings = card_config(254, EdcType::lrc, true);
    settings.wtx_multiplier = 3;
    Rig rig(device(254, EdcType::lrc, false), settings);
    const auto run = rig.run(hex("80570100"));  // SLOW, one time unit
    REQUIRE(run.completed());
    CHECK(run.response() == hex("9000"));
    CHECK(join(run.trace()) == join({"> 00000480570100D2", "< 00C30103C1", "> 00E30103E1",
                                     "< 000002900092"}));
    CHECK(run.turns[0].timeout == rig.engine.wait_time(8, 1));
    CHECK(run.turns[1].timeout == rig.engine.wait_time(5, 3));
    CHECK(run.turns[1].timeout - run.turns[0].timeout ==
          2 * iso7816::t1_block_waiting_time({}, 4) - iso7816::etu_duration({}, 12 * 3));

    const auto next = rig.run(kEcho);
    REQUIRE(next.completed());
    CHECK(next.turns[0].timeout == rig.engine.wait_time(12, 1));
}

TEST_CASE("the WTX multiplier is not carried over to an R-block sent after it") {
    sim::CardT1Config settings = card_config(254, EdcType::lrc, true);
    settings.wtx_multiplier = 3;
    Rig rig(device(254, EdcType::lrc, false), settings);
    rig.card.add_fault({T1Fault::corrupt_answer, 1, 1, 0});
    const auto run = rig.run(hex("80570100"));
    REQUIRE(run.completed());
    CHECK(join(run.blocks()) == join({"> I(0) 4 bytes", "< S(WTX request 03)",
                                      "> S(WTX response 03)", "< damaged (EDC mismatch)",
                                      "> R(0) EDC error", "< I(0) 2 bytes"}));
    CHECK(run.turns[1].timeout == rig.engine.wait_time(5, 3));
    CHECK(run.turns[2].timeout == rig.engine.wait_time(4, 1));
}

TEST_CASE("several WTX requests in a row (SLOW with 3 time units)") {
    Rig rig(254, EdcType::lrc, false);
    const auto run = rig.run(hex("80570300"));
    REQUIRE(run.completed());
    CHECK(count(run.blocks(), "> S(WTX response 01)") == 3);
    CHECK(run.response() == hex("9000"));
}

TEST_CASE("endless WTX ends with a clear error after max_card_requests, then RESYNCH cleans up") {
    t1::Config config = device(254, EdcType::lrc, false);
    config.max_card_requests = 20;
    Rig rig(config, card_config(254, EdcType::lrc, !config.request_ifsd));
    rig.card.add_fault({T1Fault::wtx, 0, sim::kAlways, 0});
    const auto run = rig.run(kEcho);
    CHECK_FALSE(run.gave_up);
    CHECK(run.error() == t1::Error::too_many_card_requests);
    CHECK(count(run.blocks(), "> S(WTX response 01)") == 20);
    CHECK(run.turns.size() == 21);
    CHECK_FALSE(t1::requires_card_reset(run.error()));

    // The card still owes the old response; the next transmission starts with RESYNCH
    // so that the late answer is never taken for the answer to the new command.
    rig.card.clear_faults();
    const auto next = rig.run(hex("80EE0000021234 02"));
    REQUIRE(next.completed());
    CHECK(next.response() == hex("12349000"));
    CHECK(join(head(next.blocks(), 2)) == join({"> S(RESYNCH request)", "< S(RESYNCH response)"}));
}

TEST_CASE("the default bounds stop endless WTX: request count, and total time granted") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::wtx, 0, sim::kAlways, 0});
    const auto by_count = rig.run(kEcho);
    CHECK(by_count.error() == t1::Error::too_many_card_requests);
    CHECK(count(by_count.blocks(), "> S(WTX response 01)") == 250);

    sim::CardT1Config settings = card_config(254, EdcType::lrc, true);
    settings.wtx_multiplier = 255;  // 255 x BWT (1.43 s) = 365 s per request
    Rig slow(device(254, EdcType::lrc, false), settings);
    slow.card.add_fault({T1Fault::wtx, 0, sim::kAlways, 0});
    const auto by_time = slow.run(kEcho);
    CHECK(by_time.error() == t1::Error::wtx_time_exceeded);
    CHECK(count(by_time.blocks(), "> S(WTX response FF)") == 1);
}

TEST_CASE("card S(IFS request) during command chaining: answered, later blocks use the new IFSC") {
    Rig rig(32, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::ifs_request, 1, 1, 0x40});
    const auto run = rig.run(update_binary_255());
    REQUIRE(run.completed());
    CHECK(run.response() == hex("9000"));
    CHECK(join(run.blocks()) == join({
                                    "> I(0,M) 32 bytes",
                                    "< R(1)",
                                    "> I(1,M) 32 bytes",
                                    "< S(IFS request 40)",
                                    "> S(IFS response 40)",
                                    "< R(0)",
                                    "> I(0,M) 64 bytes",
                                    "< R(1)",
                                    "> I(1,M) 64 bytes",
                                    "< R(0)",
                                    "> I(0) 63 bytes",
                                    "< I(0) 2 bytes",
                                }));
    CHECK(rig.engine.ifsc() == 0x40);
}

TEST_CASE("card S(IFS request) above max_send_inf: acknowledged as asked, blocks stay within the bound") {
    t1::Config config = device(32, EdcType::lrc, false);
    config.max_send_inf = 48;
    Rig rig(config, card_config(32, EdcType::lrc, true));
    rig.card.add_fault({T1Fault::ifs_request, 1, 1, 0xFE});
    const auto run = rig.run(update_binary_255());
    REQUIRE(run.completed());
    CHECK(run.response() == hex("9000"));
    CHECK(join(run.blocks()) == join({
                                    "> I(0,M) 32 bytes",
                                    "< R(1)",
                                    "> I(1,M) 32 bytes",
                                    "< S(IFS request FE)",
                                    "> S(IFS response FE)",
                                    "< R(0)",
                                    "> I(0,M) 48 bytes",
                                    "< R(1)",
                                    "> I(1,M) 48 bytes",
                                    "< R(0)",
                                    "> I(0,M) 48 bytes",
                                    "< R(1)",
                                    "> I(1) 47 bytes",
                                    "< I(0) 2 bytes",
                                }));
    CHECK(rig.engine.ifsc() == 48);
    // An ATR IFSC above the bound is lowered to it from the start.
    config.ifsc = 200;
    CHECK(t1::Engine(config).ifsc() == 48);
}

TEST_CASE("card S(ABORT request): S(ABORT response), the exchange fails, the next one works") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::abort, 0, 1, 0});
    const auto run = rig.run(kEcho);
    CHECK(run.error() == t1::Error::aborted_by_card);
    CHECK(join(run.blocks()) == join({"> I(0) 8 bytes", "< S(ABORT request)",
                                      "> S(ABORT response)", "< R(1)"}));
    CHECK(rig.engine.state() == t1::State::idle);

    const auto next = rig.run(kEcho);  // the R(1) told the engine its I(0) had arrived
    REQUIRE(next.completed());
    CHECK(join(next.blocks()) == join({"> I(1) 8 bytes", "< I(0) 4 bytes"}));
}

TEST_CASE("S(ABORT request) in the middle of a chained response") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::abort, 1, 1, 0});
    const auto run = rig.run(hex("00B0000000"));
    CHECK(run.error() == t1::Error::aborted_by_card);
    CHECK(join(run.blocks()) == join({"> I(0) 5 bytes", "< I(0,M) 254 bytes", "> R(1)",
                                      "< S(ABORT request)", "> S(ABORT response)", "< R(1)"}));
    const auto next = rig.run(kEcho);
    REQUIRE(next.completed());
    CHECK(join(next.blocks()) == join({"> I(1) 8 bytes", "< I(1) 4 bytes"}));
}

TEST_CASE("endless chaining ends at max_response_size, and the next exchange resynchronises") {
    Rig rig;
    rig.card.add_fault({T1Fault::endless_chaining, 0, sim::kAlways, 0});
    const auto run = rig.run(hex("00B0000000"));
    CHECK_FALSE(run.gave_up);
    CHECK(run.error() == t1::Error::response_too_long);
    CHECK(run.turns.size() < 600);

    rig.card.clear_faults();
    const auto next = rig.run(kEcho);
    REQUIRE(next.completed());
    CHECK(next.response() == kEchoResponse);
    CHECK(next.blocks().front() == "> S(RESYNCH request)");
}

TEST_CASE("endless chaining of small blocks ends at max_response_blocks") {
    t1::Config config = device();
    config.max_response_blocks = 10;
    Rig rig(config, card_config(254, EdcType::lrc, !config.request_ifsd));
    rig.card.add_fault({T1Fault::endless_chaining, 0, sim::kAlways, 0});
    const auto run = rig.run(kEcho);
    CHECK(run.error() == t1::Error::chain_too_long);
    CHECK(count(run.blocks(), "> R(0)") + count(run.blocks(), "> R(1)") == 10);
}

// ---- Error handling (11.6.3) --------------------------------------------------------

TEST_CASE("bad EDC from the card: R(N(R)) with EDC error, the card repeats its block") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::corrupt_answer, 0, 1, 0});
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(run.response() == kEchoResponse);
    CHECK(join(run.trace()) ==
          join({kEchoBlock, "< 000004ABCD9000F3", "> 00810081", kEchoAnswer}));
}

TEST_CASE("bad EDC to the card: the card's R(N(R)) EDC error makes the device retransmit") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::corrupt_received, 0, 1, 0});
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(join(run.trace()) == join({kEchoBlock, "< 00810081", kEchoBlock, kEchoAnswer}));
}

TEST_CASE("bad EDC inside a chained response: only the damaged block is asked for again") {
    Rig rig;
    rig.card.add_fault({T1Fault::corrupt_answer, 2, 1, 0});
    const auto run = rig.run(hex("00B0000000"));
    REQUIRE(run.completed());
    CHECK(run.response() == with_sw(file_prefix(rig.card, 256)));
    CHECK(join(run.blocks()) == join({"> S(IFS request FE)", "< S(IFS response FE)",
                                      "> I(0) 5 bytes", "< I(0,M) 254 bytes", "> R(1)",
                                      "< damaged (EDC mismatch)", "> R(1) EDC error",
                                      "< I(1) 4 bytes"}));
}

TEST_CASE("a parity error reported by the reader is answered like a bad EDC") {
    t1::Engine engine(device(254, EdcType::lrc, false));
    REQUIRE(std::holds_alternative<Transmit>(engine.start(kEcho)));
    const Step step = engine.on_parity_error();
    REQUIRE(std::holds_alternative<Transmit>(step));
    CHECK(std::get<Transmit>(step).bytes == hex("00810081"));
}

TEST_CASE("lost answer: no block within the timeout, R(N(R)) other error, the card repeats") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::drop_answer, 0, 1, 0});
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(join(run.trace()) == join({kEchoBlock, "< none", "> 00820082", kEchoAnswer}));
}

TEST_CASE("lost command block: the card's R-block names it, the device retransmits") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::drop_received, 0, 1, 0});
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(join(run.trace()) ==
          join({kEchoBlock, "< none", "> 00820082", "< 00800080", kEchoBlock, kEchoAnswer}));
}

TEST_CASE("wrong N(S) from the card: invalid, R(N(R)) other error, the card repeats correctly") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::wrong_ns, 0, 1, 0});
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(join(run.trace()) ==
          join({kEchoBlock, "< 004004ABCD9000B2", "> 00820082", kEchoAnswer}));
}

TEST_CASE("a chained I-block with the wrong N(S) triggers RESYNCH at once, never an acknowledgement") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::wrong_ns, 0, 1, 0});
    const auto run = rig.run(hex("00B0000000"));
    REQUIRE(run.completed());
    CHECK(run.response() == with_sw(file_prefix(rig.card, 256)));
    CHECK(join(run.blocks()) == join({"> I(0) 5 bytes", "< I(1,M) 254 bytes",
                                      "> S(RESYNCH request)", "< S(RESYNCH response)",
                                      "> I(0) 5 bytes", "< I(0,M) 254 bytes", "> R(1)",
                                      "< I(1) 4 bytes"}));
}

TEST_CASE("a card desynchronised in the middle of its response chain loses no data") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::desynchronise, 1, 1, 0});
    const auto run = rig.run(hex("00B00000001000"));  // 4 KiB: 17 blocks
    REQUIRE(run.completed());
    CHECK(run.response() == with_sw(file_prefix(rig.card, 4096)));
    CHECK(rig.card.resynchs() == 1);
}

TEST_CASE("retransmission bound: a block is sent max_block_attempts times, then RESYNCH") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::corrupt_received, 0, 3, 0});
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(join(run.blocks()) == join({"> I(0) 8 bytes", "< R(0) EDC error", "> I(0) 8 bytes",
                                      "< R(0) EDC error", "> I(0) 8 bytes", "< R(0) EDC error",
                                      "> S(RESYNCH request)", "< S(RESYNCH response)",
                                      "> I(0) 8 bytes", "< I(0) 4 bytes"}));

    t1::Config config = device(254, EdcType::lrc, false);
    config.max_block_attempts = 2;
    Rig strict(config, card_config(254, EdcType::lrc, true));
    strict.card.add_fault({T1Fault::corrupt_received, 0, 2, 0});
    const auto shorter = strict.run(kEcho);
    REQUIRE(shorter.completed());
    CHECK(join(head(shorter.blocks(), 6)) ==
          join({"> I(0) 8 bytes", "< R(0) EDC error", "> I(0) 8 bytes", "< R(0) EDC error",
                "> S(RESYNCH request)", "< S(RESYNCH response)"}));
}

TEST_CASE("RESYNCH that keeps failing ends in resynch_failed: the card must be reset") {
    Rig rig;
    rig.card.add_fault({T1Fault::drop_answer, 1, sim::kAlways, 0});
    const auto run = rig.run(kEcho);
    CHECK(run.error() == t1::Error::resynch_failed);
    CHECK(t1::requires_card_reset(run.error()));
    CHECK(join(run.blocks()) == join({"> S(IFS request FE)", "< S(IFS response FE)",
                                      "> I(0) 8 bytes", "< none", "> R(0) other error", "< none",
                                      "> R(0) other error", "< none", "> S(RESYNCH request)",
                                      "< none", "> S(RESYNCH request)", "< none",
                                      "> S(RESYNCH request)", "< none"}));

    const Step refused = rig.engine.start(kEcho);
    REQUIRE(std::holds_alternative<Failed>(refused));
    CHECK(std::get<Failed>(refused).error == t1::Error::card_reset_required);

    rig.card.clear_faults();
    rig.reset();
    const auto after_reset = rig.run(kEcho);
    REQUIRE(after_reset.completed());
    CHECK(after_reset.blocks().front() == "> S(IFS request FE)");
}

TEST_CASE("desynchronised card sequence numbers force RESYNCH, then the transmission succeeds") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::desynchronise, 0, 1, 0});
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(run.response() == kEchoResponse);
    CHECK(join(run.blocks()) == join({"> I(0) 8 bytes", "< I(1) 4 bytes", "> R(0) other error",
                                      "< R(1)", "> R(0) other error", "< R(1)",
                                      "> S(RESYNCH request)", "< S(RESYNCH response)",
                                      "> I(0) 8 bytes", "< I(0) 4 bytes"}));
}

TEST_CASE("S(RESYNCH request) from the card is invalid; repeated, it forces the device into RESYNCH") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::resynch_request, 0, 1, 0});
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    CHECK(join(run.blocks()) ==
          join({"> I(0) 8 bytes", "< S(RESYNCH request)", "> R(0) other error",
                "< S(RESYNCH request)", "> R(0) other error", "< S(RESYNCH request)",
                "> S(RESYNCH request)", "< S(RESYNCH response)", "> I(0) 8 bytes",
                "< I(0) 4 bytes"}));
}

// ---- Invalid blocks, scripted (11.6.3) ----------------------------------------------

namespace {

// Starts ECHO on a fresh engine (IFSD 32 in force, no S(IFS request)) and returns the
// engine's answer to `card_block`.
Bytes answer_to(std::string_view card_block, std::uint8_t nad = 0x00) {
    t1::Config config = device(254, EdcType::lrc, false);
    config.ifsd = 32;
    config.nad = nad;
    t1::Engine engine(config);
    REQUIRE(std::holds_alternative<Transmit>(engine.start(kEcho)));
    const Step step = engine.on_received(hex(card_block));
    REQUIRE(std::holds_alternative<Transmit>(step));
    return std::get<Transmit>(step).bytes;
}

}  // namespace

TEST_CASE("invalid card blocks are answered with R(N(R)) other error") {
    const Bytes other_error = hex("00820082");
    const Bytes long_inf = t1::encode_block(t1::Block::i_block(0, 0, false, Bytes(33, 0xAA)),
                                            EdcType::lrc);
    CHECK(answer_to(to_hex(long_inf)) == other_error);  // INF 33 > IFSD 32
    CHECK(answer_to("008300 83") == other_error);     // reserved R-block coding
    CHECK(answer_to("00800100 81") == other_error);   // R-block with INF
    CHECK(answer_to("00C000 C0") == other_error);     // S(RESYNCH request) from the card
    CHECK(answer_to("00E101FE 1E") == other_error);   // S(IFS response) never requested
    CHECK(answer_to("00E30101 E3") == other_error);   // S(WTX response) from the card
    CHECK(answer_to("00C10100 C0") == other_error);   // S(IFS request) with IFS 00
    CHECK(answer_to("009000 90") == other_error);     // R(1): acknowledges an unchained block
    CHECK(answer_to("00000101 01") == hex("00810081"));  // bad LRC: EDC error
    CHECK(answer_to("0000") == other_error);          // truncated
    CHECK(answer_to("") == other_error);
}

TEST_CASE("the card must answer with the mirrored NAD (11.3.2.1)") {
    CHECK(answer_to("120002 9000 80", 0x12) == hex("12820090"));  // not mirrored: invalid
    CHECK(answer_to("310002 9000 A3", 0x12) == hex("12820090"));  // DAD 3: wrong node

    t1::Config config = device(254, EdcType::lrc, false);
    config.nad = 0x12;
    t1::Engine engine(config);
    const Step first = engine.start(kEcho);
    REQUIRE(std::holds_alternative<Transmit>(first));
    CHECK(std::get<Transmit>(first).bytes.front() == 0x12);
    const Step done = engine.on_received(hex("A90002 9000 3B"));  // 21 with bits 8, 4 set
    REQUIRE(std::holds_alternative<Complete>(done));
    CHECK(std::get<Complete>(done).response == hex("9000"));
}

TEST_CASE("an S(IFS response) that does not echo the IFSD is invalid: the request is repeated") {
    t1::Engine engine(device());
    REQUIRE(std::holds_alternative<Transmit>(engine.start(kEcho)));
    const Step step = engine.on_received(hex("00E10120 C0"));
    REQUIRE(std::holds_alternative<Transmit>(step));
    CHECK(std::get<Transmit>(step).bytes == hex("00C101FE3E"));
}

// ---- API contract -------------------------------------------------------------------

TEST_CASE("illegal events are rejected with unexpected_event and leave the state alone") {
    std::vector<std::string> log;
    t1::Config config = device(254, EdcType::lrc, false);
    config.log = [&log](std::string_view line) { log.emplace_back(line); };
    t1::Engine engine(config);

    const Step idle_receive = engine.on_received(hex("000004ABCD9000F2"));
    REQUIRE(std::holds_alternative<Failed>(idle_receive));
    CHECK(std::get<Failed>(idle_receive).error == t1::Error::unexpected_event);
    CHECK(std::holds_alternative<Failed>(engine.on_timeout()));
    CHECK(std::holds_alternative<Failed>(engine.on_parity_error()));
    REQUIRE_FALSE(log.empty());
    CHECK(log.front() == "illegal event 'on_received' in state idle");

    REQUIRE(std::holds_alternative<Transmit>(engine.start(kEcho)));
    const Step twice = engine.start(kEcho);
    REQUIRE(std::holds_alternative<Failed>(twice));
    CHECK(std::get<Failed>(twice).error == t1::Error::unexpected_event);
    CHECK(engine.state() == t1::State::awaiting_response);
    const Step done = engine.on_received(hex("000004ABCD9000F2"));
    REQUIRE(std::holds_alternative<Complete>(done));
    CHECK(std::get<Complete>(done).response == kEchoResponse);
}

TEST_CASE("command size limits") {
    t1::Engine engine(device());
    const Step empty = engine.start({});
    REQUIRE(std::holds_alternative<Failed>(empty));
    CHECK(std::get<Failed>(empty).error == t1::Error::empty_command);
    const Bytes huge(t1::kMaxCommandSize + 1, 0);
    const Step too_long = engine.start(huge);
    REQUIRE(std::holds_alternative<Failed>(too_long));
    CHECK(std::get<Failed>(too_long).error == t1::Error::command_too_long);
}

TEST_CASE("errors are logged by state and event name") {
    std::vector<std::string> log;
    t1::Config config = device(254, EdcType::lrc, false);
    config.log = [&log](std::string_view line) { log.emplace_back(line); };
    Rig rig(config, card_config(254, EdcType::lrc, !config.request_ifsd));
    rig.card.add_fault({T1Fault::drop_answer, 0, 1, 0});
    REQUIRE(rig.run(kEcho).completed());
    CHECK(std::find(log.begin(), log.end(),
                    "state awaiting_response: no answer -> send R(other error)") != log.end());
}

// ---- Timeouts -----------------------------------------------------------------------

TEST_CASE("Transmit timeout = BWT x WTX + 12 etu per byte sent and receivable + CWT") {
    Rig rig;  // 4 MHz, Fi 372, Di 1: etu = 93 us; BWI 4, CWI 13
    const auto run = rig.run(kEcho);
    REQUIRE(run.completed());
    // S(IFS request): 5 bytes sent, up to 3 + 32 + 1 = 36 received.
    //   BWT = 11 etu + 2^4 x 960 x 372 / 4 MHz = 1 023 + 1 428 480 us
    //   CWT = (11 + 2^13) etu = 762 879 us;  (5 + 36) x 12 etu = 45 756 us
    CHECK(run.turns[0].receive_length == 36);
    CHECK(run.turns[0].timeout == std::chrono::microseconds(1'429'503 + 45'756 + 762'879));
    // The I-block, with IFSD 254 in force: 12 bytes sent, up to 258 received.
    CHECK(run.turns[1].receive_length == 258);
    CHECK(run.turns[1].timeout == std::chrono::microseconds(1'429'503 + 270 * 12 * 93 + 762'879));

    t1::Config config = device();
    config.bwi = 7;
    config.extra_guard_time = 255;  // 11 etu characters
    t1::Engine slow(config);
    CHECK(slow.wait_time(5, 2) ==
          2 * iso7816::t1_block_waiting_time({}, 7) + iso7816::etu_duration({}, 11 * 41) +
              iso7816::t1_character_waiting_time({}, 13));
}

// ---- A delegated I-block (a PIN pad reader at TPDU level, CCID 6.1.11.7) ----------------

namespace {

// What the PIN pad reader does with the prologue: the I-block around the APDU it built.
Bytes delegated_block(const std::array<std::uint8_t, 3>& prologue, ByteView apdu, EdcType edc) {
    REQUIRE(prologue[2] == apdu.size());
    const bool ns = (prologue[1] & 0x40) != 0;
    return t1::encode_block(t1::Block::i_block(prologue[0], ns ? 1 : 0, false, apdu), edc);
}

}  // namespace

TEST_CASE("start_delegated: the prologue carries N(S); the card's answer completes the exchange") {
    Rig rig(254, EdcType::lrc, false);
    const auto prologue = rig.engine.start_delegated(kEcho.size());
    REQUIRE(prologue.has_value());
    CHECK(*prologue == std::array<std::uint8_t, 3>{0x00, 0x00, static_cast<std::uint8_t>(kEcho.size())});
    CHECK(rig.engine.state() == t1::State::awaiting_response);
    const auto answer = rig.card.receive(delegated_block(*prologue, kEcho, EdcType::lrc));
    REQUIRE(answer.has_value());
    const Step step = rig.engine.on_received(*answer);
    REQUIRE(std::holds_alternative<Complete>(step));
    CHECK(std::get<Complete>(step).response == hex("ABCD9000"));
    CHECK(rig.engine.send_sequence() == 1);  // the delegated block used N(S) 0
    const auto second = rig.engine.start_delegated(2);
    REQUIRE(second.has_value());
    CHECK((*second)[1] == 0x40);
    rig.engine.abandon_delegated();  // the user cancelled: N(S) stays 1
    CHECK(rig.engine.state() == t1::State::idle);
    CHECK(rig.engine.send_sequence() == 1);
    const auto after = rig.run(kEcho);  // the card expects N(S) 1: it is in step
    REQUIRE(after.completed());
    CHECK(join(after.blocks()) == join({"> I(1) 8 bytes", "< I(1) 4 bytes"}));
}

TEST_CASE("start_delegated: WTX goes through the engine; a card asking for the block again ends it") {
    Rig rig(254, EdcType::lrc, false);
    rig.card.add_fault({T1Fault::wtx, 0, 1, 0});
    auto prologue = rig.engine.start_delegated(kEcho.size());
    REQUIRE(prologue.has_value());
    auto answer = rig.card.receive(delegated_block(*prologue, kEcho, EdcType::lrc));
    REQUIRE(answer.has_value());
    Step step = rig.engine.on_received(*answer);  // S(WTX request)
    REQUIRE(std::holds_alternative<Transmit>(step));
    answer = rig.card.receive(std::get<Transmit>(step).bytes);  // S(WTX response) -> I-block
    REQUIRE(answer.has_value());
    step = rig.engine.on_received(*answer);
    REQUIRE(std::holds_alternative<Complete>(step));
    CHECK(std::get<Complete>(step).response == hex("ABCD9000"));

    // The card got the block damaged and asks for it again (R-block, 11.6.3.2): only the
    // reader had it, the exchange fails.
    prologue = rig.engine.start_delegated(kEcho.size());
    REQUIRE(prologue.has_value());
    const Bytes r_repeat = t1::encode_block(t1::Block::r_block(0x00, 1, t1::RCode::edc_error), EdcType::lrc);
    step = rig.engine.on_received(r_repeat);
    REQUIRE(std::holds_alternative<Failed>(step));
    CHECK(std::get<Failed>(step).error == t1::Error::delegated_block_lost);
    CHECK(rig.engine.state() == t1::State::idle);
}

TEST_CASE("start_delegated: refused when not idle, for an empty or oversized block, before RESYNCH") {
    Rig rig(32, EdcType::lrc, false);
    CHECK(rig.engine.start_delegated(0).error() == t1::Error::delegated_too_long);
    CHECK(rig.engine.start_delegated(33).error() == t1::Error::delegated_too_long);
    REQUIRE(rig.engine.start_delegated(32).has_value());
    CHECK(rig.engine.start_delegated(4).error() == t1::Error::unexpected_event);
    CHECK(std::holds_alternative<Failed>(rig.engine.start(kEcho)));
    rig.engine.reset();
    CHECK(rig.engine.state() == t1::State::idle);
    CHECK(rig.engine.start_delegated(4).has_value());
}
