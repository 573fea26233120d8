// APDU -> T=0 command TPDU mapping (ISO/IEC 7816-3:2006 12.2, header rules of 10.3.2).
#include <doctest/doctest.h>

#include "t0/error.hpp"
#include "t0/tpdu.hpp"
#include "tests/sim/t0_harness.hpp"
#include "tests/support/hex.hpp"

namespace {
using tessera::Bytes;
using tessera::test::hex;
using tessera::t0::ApduCase;
using tessera::t0::Direction;
using tessera::t0::map_command_apdu;
using tessera::t0::T0Error;

Bytes header_of(const tessera::t0::CommandTpdu& tpdu) {
    return Bytes(tpdu.header.begin(), tpdu.header.end());
}

std::error_code map_error(std::string_view apdu_hex) {
    return map_command_apdu(hex(apdu_hex)).error();
}
}  // namespace

TEST_CASE("T=0 case 1 maps to P3 = 00 with nothing to move (12.2.2)") {
    const auto tpdu = map_command_apdu(hex("80 57 03 00"));
    REQUIRE(tpdu);
    CHECK(tpdu->apdu_case == ApduCase::case1);
    CHECK(header_of(*tpdu) == hex("80 57 03 00 00"));
    CHECK(tpdu->direction == Direction::none);
    CHECK(tpdu->transfer_length == 0);
}

TEST_CASE("T=0 case 2S maps to P3 = Le, Le 00 meaning 256 bytes from the card (12.2.3)") {
    const auto tpdu = map_command_apdu(hex("00 B0 00 10 04"));
    REQUIRE(tpdu);
    CHECK(tpdu->apdu_case == ApduCase::case2s);
    CHECK(header_of(*tpdu) == hex("00 B0 00 10 04"));
    CHECK(tpdu->direction == Direction::from_card);
    CHECK(tpdu->transfer_length == 4);

    const auto full = map_command_apdu(hex("00 B0 00 00 00"));
    REQUIRE(full);
    CHECK(full->p3() == 0x00);
    CHECK(full->transfer_length == 256);
}

TEST_CASE("T=0 case 3S maps to P3 = Lc with the data to the card (12.2.4)") {
    const auto tpdu = map_command_apdu(hex("00 D6 00 00 03 AA BB CC"));
    REQUIRE(tpdu);
    CHECK(tpdu->apdu_case == ApduCase::case3s);
    CHECK(header_of(*tpdu) == hex("00 D6 00 00 03"));
    CHECK(tpdu->data == hex("AA BB CC"));
    CHECK(tpdu->direction == Direction::to_card);
    CHECK(tpdu->transfer_length == 3);
}

TEST_CASE("T=0 case 4S maps to P3 = Lc and drops Le (12.2.5)") {
    const auto tpdu = map_command_apdu(hex("80 EE 00 00 02 01 02 10"));
    REQUIRE(tpdu);
    CHECK(tpdu->apdu_case == ApduCase::case4s);
    CHECK(header_of(*tpdu) == hex("80 EE 00 00 02"));
    CHECK(tpdu->data == hex("01 02"));
    CHECK(tpdu->transfer_length == 2);
}

TEST_CASE("T=0 carries 255 command data bytes (Lc = FF)") {
    Bytes apdu = hex("00 D6 00 00 FF");
    apdu.resize(5 + 255, 0x5A);
    const auto tpdu = map_command_apdu(apdu);
    REQUIRE(tpdu);
    CHECK(tpdu->p3() == 0xFF);
    CHECK(tpdu->data.size() == 255);
    apdu.push_back(0x00);  // the same as case 4S
    const auto case4 = map_command_apdu(apdu);
    REQUIRE(case4);
    CHECK(case4->apdu_case == ApduCase::case4s);
    CHECK(case4->data.size() == 255);
}

TEST_CASE("T=0 refuses APDUs shorter than the header") {
    CHECK(map_error("") == T0Error::apdu_too_short);
    CHECK(map_error("00 B0 00") == T0Error::apdu_too_short);
}

TEST_CASE("T=0 refuses APDUs whose length fields do not match their size") {
    CHECK(map_error("00 D6 00 00 02 AA") == T0Error::apdu_length_mismatch);
    CHECK(map_error("00 D6 00 00 01 AA BB CC") == T0Error::apdu_length_mismatch);
    CHECK(map_error("00 B0 00 00 00 01") == T0Error::apdu_length_mismatch);
    CHECK(map_error("00 D6 00 00 00 00 00 AA") == T0Error::apdu_length_mismatch);  // Lc 0000
    CHECK(map_error("00 D6 00 00 00 00 03 AA") == T0Error::apdu_length_mismatch);
}

TEST_CASE("T=0 refuses extended APDUs with their own error") {
    CHECK(map_error("00 B0 00 00 00 01 00") == T0Error::extended_length_unsupported);  // 2E
    CHECK(map_error("00 D6 00 00 00 00 02 AA BB") == T0Error::extended_length_unsupported);
    CHECK(map_error("80 EE 00 00 00 00 02 AA BB 00 00") ==
          T0Error::extended_length_unsupported);  // 4E
}

TEST_CASE("T=0 refuses CLA FF and INS 6X / 9X (10.3.2)") {
    CHECK(map_error("FF B0 00 00 04") == T0Error::invalid_class);
    for (unsigned ins = 0; ins < 256; ++ins) {
        Bytes apdu{0x00, static_cast<std::uint8_t>(ins), 0x00, 0x00};
        const bool invalid = (ins & 0xF0) == 0x60 || (ins & 0xF0) == 0x90;
        CAPTURE(ins);
        CHECK(map_command_apdu(apdu).has_value() == !invalid);
        if (invalid) {
            CHECK(map_command_apdu(apdu).error() == T0Error::invalid_instruction);
        }
    }
}
