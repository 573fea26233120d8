// Readers that declare a dwMaxCCIDMessageLength below the longest answer and return it
// whole anyway (the emulator's answers_beyond_max_message_length), through the real
// libusb: a 256-byte READ BINARY (268-byte RDR_to_PC_DataBlock) on the two short APDU
// readers built from real dumps (263 and 264 bytes), on a T=0 TPDU reader, and on a T=1
// TPDU reader whose automatic IFSD exchange lets the card send 254-byte blocks (269-byte
// messages). A bulk-IN transfer of dwMaxCCIDMessageLength bytes overflows on each.
#include <doctest/doctest.h>

#include <string>

#include "card_session.hpp"
#include "tests/emulator/model/reader_profiles.hpp"
#include "usb_reader_fixture.hpp"

namespace tessera::usbreader {

namespace {

using emulator::Profile;

std::string failure_text(reader::Slot& slot, std::error_code error) {
    return error.message() + " / cause: " + slot.last_cause().message();
}

// Powers the card and reads 256 bytes of its EF; the answer must be the pattern and 90 00.
void check_read_256(reader::Slot& slot) {
    const auto atr = slot.power_on();
    REQUIRE_MESSAGE(atr.has_value(), failure_text(slot, atr.error()));
    const auto select = slot.transmit(select_aid_apdu());
    REQUIRE_MESSAGE(select.has_value(), failure_text(slot, select.error()));
    const auto read = slot.transmit(read_binary_apdu(256));
    REQUIRE_MESSAGE(read.has_value(), failure_text(slot, read.error()));
    CHECK(read->size() == 258);
    CHECK(is_pattern_9000(*read, 256));
}

// A TPDU-level profile cut to 263-byte messages that answers beyond them, with a card of
// `protocol` only.
emulator::ReaderConfig tpdu_263(Profile profile, std::uint8_t protocol) {
    auto config = emulator::make_profile(profile);
    config.descriptor.dwMaxCCIDMessageLength = 263;
    config.answers_beyond_max_message_length = true;
    config.cards.assign(1, session_card(protocol, iso7816::Convention::direct));
    return config;
}

}  // namespace

TEST_CASE("short APDU level, 263-byte messages (Identiv uTrust 3720): READ BINARY 256 comes whole") {
    const auto config = emulator::make_profile(Profile::short_apdu_263);
    REQUIRE(config.descriptor.dwMaxCCIDMessageLength == 263);
    SoleReader sole(config);
    check_read_256(sole.slot());
}

TEST_CASE("short APDU level, 264-byte messages (IIT E.Key Almaz-1C): READ BINARY 256 comes whole") {
    const auto config = emulator::make_profile(Profile::short_apdu_264);
    REQUIRE(config.descriptor.dwMaxCCIDMessageLength == 264);
    SoleReader sole(config);
    check_read_256(sole.slot());
}

TEST_CASE("TPDU level T=0, 263-byte messages: the 258-byte TPDU answer comes whole") {
    SoleReader sole(tpdu_263(Profile::tpdu, 0));
    check_read_256(sole.slot());
}

TEST_CASE("TPDU level T=1 with automatic IFSD exchange, 263-byte messages: 254-byte blocks come whole") {
    SoleReader sole(tpdu_263(Profile::tpdu_auto_pps, 1));
    check_read_256(sole.slot());
    const auto link = sole.slot().link();
    REQUIRE(link.has_value());
    CHECK(link->protocol == 1);
    CHECK(link->ifsd == 254);
}

}  // namespace tessera::usbreader
