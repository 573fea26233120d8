// sim::Card at APDU level: short and extended command APDUs (ISO/IEC 7816-4 5.1) answered
// whole by apdu(), with no transmission protocol in between. Their transport by T=0 and
// T=1 (ISO/IEC 7816-3 section 12) is in test_card_t0.cpp and test_card_t1.cpp.
#include <doctest/doctest.h>

#include "card_fixtures.hpp"

using namespace tessera;
using namespace tessera::card_test;

TEST_CASE("apdu(): short and extended commands answered whole") {
    auto card = make_card(t1_card());
    card->cold_reset();
    CHECK(card->apdu(hex(kSelectAid)) == kSw9000);
    CHECK(card->apdu(hex("00 B0 00 00 00")) == concat(ascending(0, 256), kSw9000));
    CHECK(card->apdu(hex("00 B0 00 00 00 10 00")) == concat(ascending(0, 4096), kSw9000));
    CHECK(card->apdu(hex("00 B0 00 00 00 00 00")) == concat(ascending(0, 65536), kSw9000));
    const Bytes data = ramp_down(4096);
    CHECK(card->apdu(echo_command(data, true)) == concat(data, kSw9000));
    CHECK(card->apdu(echo_command(ramp_down(255), false)) == concat(ramp_down(255), kSw9000));
    CHECK(card->apdu(hex("00 A4 04 00 02 01 02")) == hex("6A 82"));  // unknown AID
    CHECK(card->apdu(hex("00 B0 00")) == hex("67 00"));              // malformed
}
