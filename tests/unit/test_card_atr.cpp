// sim::Card and ISO/IEC 7816-3 section 8, answer to reset: the card's wire ATR read as a
// reader reads it (convention from TS, 8.1) and parsed (8.2), and agreeing with the rates
// the card runs. Expected bytes are worked out from the specification in the comments
// beside them, never taken from a run.
#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "card_fixtures.hpp"
#include "card_negotiation.hpp"
#include "iso7816/atr.hpp"
#include "iso7816/convention.hpp"

using namespace tessera;
using namespace tessera::card_test;
using iso7816::Convention;
using sim::Card;
using sim::CardConfig;

TEST_CASE("direct convention: the wire ATR is the logical ATR, parsed as the card announced") {
    auto card = make_card(t1_card());
    CHECK(card->cold_reset() == hex(kT1Atr));
    CHECK(card->atr_wire() == hex(kT1Atr));
    const iso7816::Atr atr = read_atr(card->atr_wire());
    CHECK(atr.convention == Convention::direct);
    CHECK(atr.protocols == std::vector<std::uint8_t>{1});
    CHECK(atr.fi == 512);
    CHECK(atr.di == 32);
    CHECK(atr.ifsc == 254);
    CHECK(atr.bwi == 4);
    CHECK(atr.cwi == 5);
    CHECK(atr.historical == hex("54 45 53 53"));
    CHECK(atr.tck == std::optional<std::uint8_t>(0x18));
    CHECK(card->convention() == Convention::direct);
}

TEST_CASE("inverse convention: TS arrives as 03 and every byte decodes to the logical ATR") {
    auto card = make_card(inverse_t0_card());
    CHECK(card->cold_reset() == hex(kInverseAtr));
    CHECK(card->atr() == hex(kInverseAtr));
    CHECK(card->atr_wire() == hex(kInverseAtrWire));
    CHECK(iso7816::convention_from_raw_ts(card->atr_wire().front()) == Convention::inverse);
    const iso7816::Atr atr = read_atr(card->atr_wire());
    CHECK(atr.convention == Convention::inverse);
    CHECK(atr.ts == 0x3F);
    CHECK(atr.fi == 372);
    CHECK(atr.di == 4);
    CHECK(atr.historical == hex("01 02"));
    CHECK_FALSE(atr.tck.has_value());
}

TEST_CASE("the ATR the card announces is the one it runs: atr_rates() agrees with the parsed ATR") {
    for (const CardConfig& config : {t1_card(), inverse_t0_card(), specific_t1_card(false)}) {
        auto card = make_card(config);
        card->cold_reset();
        const auto parsed = rates_of(read_atr(card->atr_wire()));
        const auto own = card->atr_rates();
        CHECK(parsed.ta1 == own.ta1);
        CHECK(parsed.specific.has_value() == own.specific.has_value());
        CHECK(parsed.offered_protocols == own.offered_protocols);
        CHECK(parsed.first_offered_protocol == own.first_offered_protocol);
    }
}

TEST_CASE("create() refuses an ATR the builder refuses") {
    CardConfig no_protocol;
    no_protocol.atr.protocols = {};
    CHECK(Card::create(no_protocol).error() == std::errc::invalid_argument);
    CardConfig t15;
    t15.atr.protocols = {15};
    CHECK(Card::create(t15).error() == std::errc::invalid_argument);
}
