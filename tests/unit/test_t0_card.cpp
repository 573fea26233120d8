// The simulated T=0 card on its own, driven byte by byte: the bursts it sends for each
// command, GET RESPONSE bookkeeping, the fault counter and the wire convention.
#include <doctest/doctest.h>

#include <string>

#include "iso7816/convention.hpp"
#include "tests/sim/card_t0.hpp"
#include "tests/sim/t0_harness.hpp"
#include "tests/support/hex.hpp"

namespace {
using tessera::Bytes;
using tessera::sim::CardApplication;
using tessera::sim::CardFault;
using tessera::sim::CardT0;
using tessera::sim::CardT0Options;
using tessera::test::hex;

// Everything the card sends until it falls silent, bursts separated by '|'.
std::string drain(CardT0& card) {
    std::string text;
    while (auto burst = card.next_burst()) {
        text += text.empty() ? "" : "|";
        text += tessera::to_hex(*burst);
    }
    return text;
}

std::string send(CardT0& card, std::string_view text) {
    card.receive(hex(text));
    return drain(card);
}
}  // namespace

TEST_CASE("T=0 card answers a header with bursts: ACK, data run, SW1, SW2") {
    CardApplication application;
    CardT0 card(application);
    CHECK(drain(card).empty());
    CHECK(send(card, "00 B0 00 00") == "");  // four bytes: still waiting for P3
    CHECK(send(card, "03") == "B0|000102|90|00");
}

TEST_CASE("T=0 card acknowledges command data and waits for it") {
    CardApplication application;
    CardT0 card(application);
    CHECK(send(card, "00 D6 00 00 02") == "D6");
    CHECK(send(card, "11") == "");
    CHECK(send(card, "22") == "90|00");
    CHECK(application.selected_file()[0] == 0x11);
    CHECK(application.selected_file()[1] == 0x22);
}

TEST_CASE("T=0 card one-byte ACKs, then one ACK for the rest") {
    CardApplication application;
    CardT0Options options;
    options.single_byte_acks = 2;
    CardT0 card(application, options);
    CHECK(send(card, "00 D6 00 00 04") == "29");
    CHECK(send(card, "01") == "29");
    CHECK(send(card, "02") == "D6");
    CHECK(send(card, "03 04") == "90|00");
    CHECK(send(card, "00 B0 00 00 04") == "4F|01|4F|02|B0|0304|90|00");
}

TEST_CASE("T=0 card keeps a case 4 response for GET RESPONSE and drops it otherwise") {
    CardApplication application;
    CardT0 card(application);
    CHECK(send(card, "80 EE 00 00 02") == "EE");
    CHECK(send(card, "AB CD") == "61|02");
    CHECK(send(card, "00 C0 00 00 03") == "6C|02");  // wrong Le: still pending
    CHECK(send(card, "00 C0 00 01 02") == "6A|86");  // wrong P1-P2
    CHECK(send(card, "00 C0 00 00 02") == "C0|ABCD|90|00");
    CHECK(send(card, "00 C0 00 00 02") == "69|85");  // nothing pending any more

    CHECK(send(card, "80 EE 00 00 01") == "EE");
    CHECK(send(card, "77") == "61|01");
    CHECK(send(card, "00 B0 00 00 01") == "B0|00|90|00");  // another command...
    CHECK(send(card, "00 C0 00 00 01") == "69|85");        // ...drops the response
}

TEST_CASE("T=0 card answers unknown commands with the status alone, without ACK") {
    CardApplication application;
    CardT0 card(application);
    CHECK(send(card, "00 12 00 00 04") == "6D|00");
    CHECK(send(card, "A0 B0 00 00 04") == "6E|00");
}

TEST_CASE("T=0 card sends P1 NULL bytes for a slow command") {
    CardApplication application;
    CardT0 card(application);
    CHECK(send(card, "80 57 02 00 00") == "60|60|90|00");
}

TEST_CASE("T=0 card faults start at the fault_at burst") {
    CardApplication application;
    CardT0Options options;
    options.fault = CardFault::mute;
    options.fault_at = 3;
    CardT0 card(application, options);
    CHECK(send(card, "00 B0 00 00 02") == "B0|0001");
    CHECK(card.bursts_sent() == 2);
    CHECK(send(card, "80 57 00 00 00") == "");
}

TEST_CASE("T=0 card truncate and extra_byte change one burst") {
    CardApplication application;
    CardT0Options options;
    options.fault = CardFault::extra_byte;
    options.fault_at = 2;
    CardT0 extra(application, options);
    CHECK(send(extra, "00 B0 00 00 02") == "B0|000142|90|00");
    CHECK(send(extra, "00 B0 00 00 02") == "B0|0001|90|00");  // once only

    options.fault = CardFault::truncate;
    CardT0 truncated(application, options);
    CHECK(send(truncated, "00 B0 00 00 02") == "B0|00");
    CHECK(send(truncated, "00 B0 00 00 02") == "");  // then silent
}

TEST_CASE("T=0 inverse-convention card encodes and decodes every byte") {
    CardApplication application;
    CardT0Options options;
    options.convention = tessera::iso7816::Convention::inverse;
    CardT0 card(application, options);
    // 00 B0 00 00 01 on an inverse wire: 00 -> FF, B0 -> F2, 01 -> 7F; answers B0 00 90 00.
    CHECK(send(card, "FF F2 FF FF 7F") == "F2|FF|F6|FF");
}
