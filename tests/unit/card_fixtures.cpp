#include "card_fixtures.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <utility>

#include "iso7816/convention.hpp"

namespace tessera::card_test {

using sim::Card;
using sim::CardConfig;

std::unique_ptr<Card> make_card(CardConfig config) {
    auto card = Card::create(std::move(config));
    REQUIRE(card.has_value());
    return std::move(*card);
}

CardConfig t1_card() {
    CardConfig config;
    config.atr.protocols = {1};
    config.atr.ta1 = 0x96;
    config.atr.ifsc = 254;
    config.atr.cwi = 5;
    config.atr.historical = {0x54, 0x45, 0x53, 0x53};
    return config;
}

CardConfig inverse_t0_card() {
    CardConfig config;
    config.atr.convention = iso7816::Convention::inverse;
    config.atr.protocols = {0};
    config.atr.ta1 = 0x13;
    config.atr.historical = {0x01, 0x02};
    return config;
}

CardConfig plain_t0_card() {
    CardConfig config;
    config.atr.protocols = {0};
    return config;
}

CardConfig specific_t1_card(bool can_change) {
    CardConfig config;
    config.atr.protocols = {1};
    config.atr.ta1 = 0x18;
    config.atr.specific_mode = iso7816::SpecificMode{};
    config.atr.specific_mode->protocol = 1;
    config.atr.specific_mode->can_change = can_change;
    config.atr.specific_mode->implicit_parameters = false;
    return config;
}

iso7816::ReaderRates slow_reader() {
    iso7816::ReaderRates reader;
    reader.default_clock_khz = 4000;
    reader.max_clock_khz = 4000;
    reader.max_data_rate_bps = 115200;
    return reader;
}

Bytes ramp_down(std::size_t count) {
    Bytes bytes(count);
    for (std::size_t i = 0; i < count; ++i) {
        bytes[i] = static_cast<std::uint8_t>(0xFF - (i & 0xFF));
    }
    return bytes;
}

Bytes echo_command(const Bytes& data, bool extended) {
    Bytes apdu = hex("80 EE 00 00");
    if (extended) {
        apdu.push_back(0x00);
        apdu.push_back(static_cast<std::uint8_t>(data.size() >> 8));
        apdu.push_back(static_cast<std::uint8_t>(data.size()));
        apdu.insert(apdu.end(), data.begin(), data.end());
        apdu.push_back(0x00);  // Le 0000 = 65536 (ISO 7816-4 5.1)
        apdu.push_back(0x00);
    } else {
        apdu.push_back(static_cast<std::uint8_t>(data.size()));
        apdu.insert(apdu.end(), data.begin(), data.end());
        apdu.push_back(0x00);  // Le 00 = 256
    }
    return apdu;
}

}  // namespace tessera::card_test
