// The exchange levels over a scripted XfrChannel: the exact XfrBlocks (abData,
// wLevelParameter) the driver sends for short and extended APDUs (CCID 6.1.4 Table
// 6.1-3, 6.2.1 bChainParameter), T=0 TPDUs (ISO 7816-3 12.2), T=1 blocks at TPDU and
// character level (ISO 7816-3 11), T=0 at character level, and the host's PPS (9.2).
#include <doctest/doctest.h>

#include <chrono>

#include "t1/block.hpp"
#include "tests/support/byte_patterns.hpp"
#include "transport/ccid_error.hpp"
#include "transport/reader/apdu_level.hpp"
#include "transport/reader/character_level.hpp"
#include "transport/reader/host_pps.hpp"
#include "transport/reader/reader_error.hpp"
#include "transport/reader/tpdu_level.hpp"
#include "transport/usb/usb_error.hpp"
#include "tests/reader/ccid_script.hpp"
#include "tests/reader/xfr_script.hpp"

using namespace tessera;
using namespace tessera::reader;
using namespace std::chrono_literals;
using test::hex;
using test::XfrScript;
using test::XfrStep;
using transport::ChainParameter;

namespace {

using test::concat;
using test::pattern;

Bytes block(const t1::Block& b) { return t1::encode_block(b, t1::EdcType::lrc); }

void check_done(const XfrScript& script) {
    CHECK(script.mismatches().empty());
    for (const auto& m : script.mismatches()) MESSAGE(m);
    CHECK(script.remaining() == 0);
}

}  // namespace

TEST_CASE("short APDU level: one XfrBlock each way, wLevelParameter 0") {
    XfrScript script;
    const Bytes apdu = concat(hex("00 D6 00 00 FF"), pattern(255));
    const Bytes response = concat(pattern(256, 3), hex("90 00"));
    script.add({apdu, 0, response});
    auto answer = transmit_short_apdu(script, apdu, 1000ms, kMaxResponseApdu);
    REQUIRE(answer.has_value());
    CHECK(*answer == response);
    check_done(script);
}

TEST_CASE("short APDU level refuses extended APDUs and responses beyond the buffer") {
    XfrScript script;
    const Bytes extended = concat(hex("00 D6 00 00 00 01 00"), pattern(256));
    CHECK(transmit_short_apdu(script, extended, 1000ms, kMaxResponseApdu).error() == ReaderError::not_supported);
    CHECK(script.calls() == 0);
    script.add({hex("00 B0 00 00 10"), 0, concat(pattern(16), hex("90 00"))});
    CHECK(transmit_short_apdu(script, hex("00 B0 00 00 10"), 1000ms, 10).error() == ReaderError::buffer_too_small);
    script.add({hex("00 B0 00 00 10"), 0, hex("90")});
    CHECK(transmit_short_apdu(script, hex("00 B0 00 00 10"), 1000ms, 300).error() == ReaderError::protocol_error);
    check_done(script);
}

TEST_CASE("extended APDU level: command in parts 01, 03, 02; response in parts 01, 03, 02 (CCID 6.1.4)") {
    XfrScript script(261);
    const Bytes apdu = concat(hex("00 DA 00 00 00 02 51"), pattern(0x251));  // 600 bytes
    REQUIRE(apdu.size() == 600);
    const ByteView whole(apdu);
    const auto part = [&](std::size_t offset, std::size_t size) {
        return Bytes(whole.begin() + static_cast<std::ptrdiff_t>(offset),
                     whole.begin() + static_cast<std::ptrdiff_t>(offset + size));
    };
    const Bytes response = concat(pattern(4096, 9), hex("90 00"));
    const ByteView r(response);
    const auto rpart = [&](std::size_t offset, std::size_t size) {
        return Bytes(r.begin() + static_cast<std::ptrdiff_t>(offset),
                     r.begin() + static_cast<std::ptrdiff_t>(offset + size));
    };
    script.add({part(0, 261), 0x0001, {}, ChainParameter::continue_command});
    script.add({part(261, 261), 0x0003, {}, ChainParameter::continue_command});
    script.add({part(522, 78), 0x0002, rpart(0, 261), ChainParameter::begins_continues});
    std::size_t offset = 261;
    while (response.size() - offset > 261) {
        script.add({{}, 0x0010, rpart(offset, 261), ChainParameter::continues});
        offset += 261;
    }
    script.add({{}, 0x0010, rpart(offset, response.size() - offset), ChainParameter::ends});
    auto answer = transmit_extended_apdu(script, apdu, 1000ms, kMaxResponseApdu);
    REQUIRE(answer.has_value());
    CHECK(*answer == response);
    check_done(script);
}

TEST_CASE("extended APDU level: a 64 KiB response is accepted, one byte more is refused") {
    XfrScript script(65538);
    const Bytes apdu = hex("00 B0 00 00 00 00 00");
    const Bytes full = concat(pattern(65536, 1), hex("90 00"));
    script.add({apdu, 0, full});
    auto answer = transmit_extended_apdu(script, apdu, 1000ms, kMaxResponseApdu);
    REQUIRE(answer.has_value());
    CHECK(answer->size() == 65538);

    const Bytes first = pattern(65536, 1);
    script.add({apdu, 0, first, ChainParameter::begins_continues});
    script.add({{}, 0x0010, hex("01 90 00"), ChainParameter::ends});
    CHECK(transmit_extended_apdu(script, apdu, 1000ms, kMaxResponseApdu).error() == ReaderError::protocol_error);
    check_done(script);
}

TEST_CASE("extended APDU level: a reader that breaks the chain ends in protocol_error, never loops") {
    XfrScript script(261);
    const Bytes apdu = concat(hex("00 DA 00 00 00 01 2C"), pattern(300));
    // The first part is answered with a final DataBlock instead of 10h.
    script.add({Bytes(apdu.begin(), apdu.begin() + 261), 0x0001, hex("90 00")});
    CHECK(transmit_extended_apdu(script, apdu, 1000ms, kMaxResponseApdu).error() == ReaderError::protocol_error);
    // An empty part in the middle of a response.
    script.add({hex("00 B0 00 00 00 00 00"), 0, hex("01"), ChainParameter::begins_continues});
    script.add({{}, 0x0010, {}, ChainParameter::continues});
    CHECK(transmit_extended_apdu(script, hex("00 B0 00 00 00 00 00"), 1000ms, kMaxResponseApdu).error() ==
          ReaderError::protocol_error);
    // A response larger than the caller's buffer.
    script.add({hex("00 B0 00 00 00 00 00"), 0, pattern(200), ChainParameter::begins_continues});
    CHECK(transmit_extended_apdu(script, hex("00 B0 00 00 00 00 00"), 1000ms, 100).error() ==
          ReaderError::buffer_too_small);
    check_done(script);
}

TEST_CASE("T=0 at TPDU level: header and data in one XfrBlock, 61xx goes back to the caller") {
    XfrScript script;
    // Case 4S: Le is not sent (ISO 7816-3 12.2.5).
    script.add({hex("00 A4 04 00 02 3F 00"), 0, hex("61 1C")});
    auto answer = transmit_t0_tpdu(script, hex("00 A4 04 00 02 3F 00 00"), 1000ms, kMaxResponseApdu);
    REQUIRE(answer.has_value());
    CHECK(*answer == hex("61 1C"));
    // Case 2S with Le 00: 256 bytes + SW.
    const Bytes data = concat(pattern(256), hex("90 00"));
    script.add({hex("00 B0 00 00 00"), 0, data});
    answer = transmit_t0_tpdu(script, hex("00 B0 00 00 00"), 1000ms, kMaxResponseApdu);
    REQUIRE(answer.has_value());
    CHECK(*answer == data);
    // Too short or too long answers from the reader.
    script.add({hex("00 B0 00 00 00"), 0, hex("90")});
    CHECK(transmit_t0_tpdu(script, hex("00 B0 00 00 00"), 1000ms, kMaxResponseApdu).error() == ReaderError::protocol_error);
    script.add({hex("00 B0 00 00 00"), 0, pattern(259)});
    CHECK(transmit_t0_tpdu(script, hex("00 B0 00 00 00"), 1000ms, kMaxResponseApdu).error() == ReaderError::protocol_error);
    // Extended APDUs are not carried by T=0 (no ENVELOPE): refused before any transfer.
    const auto extended = transmit_t0_tpdu(script, hex("00 B0 00 00 00 01 00"), 1000ms, kMaxResponseApdu);
    CHECK(to_reader_error(extended.error()) == ReaderError::not_supported);
    check_done(script);
}

TEST_CASE("T=1 at TPDU level: S(IFS request FE) first, then the I-block, each one XfrBlock") {
    t1::Config config;
    config.ifsd = 254;
    t1::Engine engine(config);
    XfrScript script;
    const Bytes apdu = hex("00 B0 00 00 04");
    script.add({block(t1::Block::s_block(0, t1::SKind::ifs, false, std::uint8_t{0xFE})), 0,
                block(t1::Block::s_block(0, t1::SKind::ifs, true, std::uint8_t{0xFE}))});
    script.add({block(t1::Block::i_block(0, 0, false, apdu)), 0,
                block(t1::Block::i_block(0, 0, false, hex("01 02 03 04 90 00")))});
    auto answer = transmit_t1_blocks(script, engine, apdu, 100ms, kMaxResponseApdu);
    REQUIRE(answer.has_value());
    CHECK(*answer == hex("01 02 03 04 90 00"));
    CHECK(engine.ifsd() == 254);
    check_done(script);
}

TEST_CASE("T=1 at TPDU level: ICC_MUTE is the engine's timeout (R-block), parity its EDC error") {
    t1::Config config;
    config.request_ifsd = false;
    t1::Engine engine(config);
    XfrScript script;
    const Bytes apdu = hex("00 B0 00 00 01");
    const Bytes i_block = block(t1::Block::i_block(0, 0, false, apdu));
    script.add({i_block, 0, {}, {}, make_error_code(transport::CcidError::icc_mute)});
    script.add({block(t1::Block::r_block(0, 0, t1::RCode::other_error)), 0, {}, {},
                make_error_code(transport::CcidError::xfr_parity_error)});
    script.add({block(t1::Block::r_block(0, 0, t1::RCode::edc_error)), 0,
                block(t1::Block::i_block(0, 0, false, hex("AA 90 00")))});
    auto answer = transmit_t1_blocks(script, engine, apdu, 100ms, kMaxResponseApdu);
    REQUIRE(answer.has_value());
    CHECK(*answer == hex("AA 90 00"));
    check_done(script);
}

TEST_CASE("T=1 at character level: the prologue first (wLevelParameter 3), then LEN + EDC bytes") {
    t1::Config config;
    config.request_ifsd = false;
    t1::Engine engine(config);
    XfrScript script;
    const Bytes apdu = hex("00 B0 00 00 02");
    const Bytes card_block = block(t1::Block::i_block(0, 0, false, hex("AB CD 90 00")));
    script.add({block(t1::Block::i_block(0, 0, false, apdu)), 3, Bytes(card_block.begin(), card_block.begin() + 3)});
    script.add({{}, static_cast<std::uint16_t>(card_block.size() - 3), Bytes(card_block.begin() + 3, card_block.end())});
    auto answer = transmit_t1_characters(script, engine, t1::EdcType::lrc, apdu, 100ms, kMaxResponseApdu);
    REQUIRE(answer.has_value());
    CHECK(*answer == hex("AB CD 90 00"));
    check_done(script);
}

TEST_CASE("T=0 at character level: wLevelParameter is the number of characters expected next") {
    t0::Engine engine;
    XfrScript script;
    // Case 3S: header -> ACK (INS) -> all data -> SW1 -> SW2.
    script.add({hex("00 D6 00 00 02"), 1, hex("D6")});
    script.add({hex("11 22"), 1, hex("90")});
    script.add({{}, 1, hex("00")});
    auto answer = transmit_t0_characters(script, engine, hex("00 D6 00 00 02 11 22"), 100ms, kMaxResponseApdu);
    REQUIRE(answer.has_value());
    CHECK(*answer == hex("90 00"));
    // A mute card: ICC_MUTE is the engine's timeout.
    script.add({hex("00 B0 00 00 02"), 1, {}, {}, make_error_code(transport::CcidError::icc_mute)});
    CHECK(to_reader_error(transmit_t0_characters(script, engine, hex("00 B0 00 00 02"), 100ms, kMaxResponseApdu).error()) ==
          ReaderError::card_mute);
    check_done(script);
}

TEST_CASE("host PPS: one XfrBlock at TPDU level, PPSS PPS0 then the rest at character level (ISO 7816-3 9.2)") {
    const iso7816::PpsRequest request{0, iso7816::FiDi{1, 3}, std::nullopt, std::nullopt};
    const Bytes pps = hex("FF 10 13 FC");
    XfrScript tpdu;
    tpdu.add({pps, 0, pps});
    auto outcome = exchange_pps(tpdu, transport::ExchangeLevel::tpdu, request, 100ms);
    REQUIRE(outcome.has_value());
    CHECK(outcome->pps1_echoed);
    check_done(tpdu);

    XfrScript character;
    character.add({pps, 2, hex("FF 10")});
    character.add({{}, 2, hex("13 FC")});
    outcome = exchange_pps(character, transport::ExchangeLevel::character, request, 100ms);
    REQUIRE(outcome.has_value());
    CHECK(outcome->fi_di == iso7816::FiDi{1, 3});
    check_done(character);

    XfrScript mute;
    mute.add({pps, 0, {}, {}, make_error_code(transport::CcidError::icc_mute)});
    outcome = exchange_pps(mute, transport::ExchangeLevel::tpdu, request, 100ms);
    CHECK(outcome.error() == iso7816::PpsError::no_response);
    CHECK(is_card_pps_refusal(outcome.error()));
    CHECK_FALSE(is_card_pps_refusal(make_error_code(usb::UsbError::no_device)));
}

TEST_CASE("T=0 at character level: characters beyond one message go in pieces, wLevelParameter 0 but the last (CCID 6.1.4)") {
    // A reader with 138-byte messages (Winbond): at most 128 characters per XfrBlock.
    t0::Engine engine;
    XfrScript script(128);
    const Bytes data = pattern(255, 3);
    script.add({hex("00 D6 00 00 FF"), 1, hex("D6")});
    script.add({Bytes(data.begin(), data.begin() + 128), 0, {}});
    script.add({Bytes(data.begin() + 128, data.end()), 1, hex("90")});
    script.add({{}, 1, hex("00")});
    auto answer = transmit_t0_characters(script, engine, concat(hex("00 D6 00 00 FF"), data), 100ms, kMaxResponseApdu);
    REQUIRE(answer.has_value());
    CHECK(*answer == hex("90 00"));
    check_done(script);
    // A failed piece ends the exchange with its error.
    script.add({hex("00 D6 00 00 FF"), 1, hex("D6")});
    script.add({Bytes(data.begin(), data.begin() + 128), 0, {}, {}, make_error_code(transport::CcidError::hw_error)});
    CHECK_FALSE(transmit_t0_characters(script, engine, concat(hex("00 D6 00 00 FF"), data), 100ms, kMaxResponseApdu));
    check_done(script);
}
