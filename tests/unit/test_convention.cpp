// Direct and inverse convention (ISO/IEC 7816-3:2006 8.1): the byte transform and TS.
#include <doctest/doctest.h>

#include "iso7816/convention.hpp"

using namespace tessera::iso7816;
using tessera::Bytes;

TEST_CASE("invert_convention: bit reversal plus complement, by hand") {
    CHECK(invert_convention(0x3F) == 0x03);  // inverse TS as a direct receiver reads it
    CHECK(invert_convention(0x03) == 0x3F);
    CHECK(invert_convention(0x00) == 0xFF);
    CHECK(invert_convention(0xFF) == 0x00);
    CHECK(invert_convention(0x01) == 0x7F);  // 0000 0001 -> 1000 0000 -> 0111 1111
    CHECK(invert_convention(0x80) == 0xFE);
    CHECK(invert_convention(0x3B) == 0x23);  // 0011 1011 -> 1101 1100 -> 0010 0011
    CHECK(invert_convention(0x65) == 0x59);  // 0110 0101 -> 1010 0110 -> 0101 1001
    CHECK(invert_convention(0x90) == 0xF6);
    static_assert(invert_convention(0xA5) == 0x5A);
}

TEST_CASE("invert_convention is an involution and a bijection over all 256 bytes") {
    bool seen[256] = {};
    for (int value = 0; value < 256; ++value) {
        const auto byte = static_cast<std::uint8_t>(value);
        CHECK(invert_convention(invert_convention(byte)) == byte);
        seen[invert_convention(byte)] = true;
    }
    for (bool hit : seen) {
        CHECK(hit);
    }
}

TEST_CASE("convention_from_ts: only 3B and 3F are TS values") {
    CHECK(convention_from_ts(0x3B) == Convention::direct);
    CHECK(convention_from_ts(0x3F) == Convention::inverse);
    for (int value = 0; value < 256; ++value) {
        if (value != 0x3B && value != 0x3F) {
            CHECK_FALSE(convention_from_ts(static_cast<std::uint8_t>(value)).has_value());
        }
    }
}

TEST_CASE("convention_from_raw_ts: 3B direct, 03 and 3F inverse") {
    CHECK(convention_from_raw_ts(0x3B) == Convention::direct);
    CHECK(convention_from_raw_ts(0x03) == Convention::inverse);
    CHECK(convention_from_raw_ts(0x3F) == Convention::inverse);
    CHECK_FALSE(convention_from_raw_ts(0x23).has_value());  // direct TS read inverted
    CHECK_FALSE(convention_from_raw_ts(0x00).has_value());
    CHECK_FALSE(convention_from_raw_ts(0xFF).has_value());
}

TEST_CASE("convert_for_convention: identity for direct, round trip for inverse") {
    const Bytes logical{0x3F, 0x65, 0x25, 0x08, 0x36, 0x04, 0x6C, 0x90, 0x00};
    const Bytes wire{0x03, 0x59, 0x5B, 0xEF, 0x93, 0xDF, 0xC9, 0xF6, 0xFF};
    CHECK(convert_for_convention(logical, Convention::direct) == logical);
    CHECK(convert_for_convention(logical, Convention::inverse) == wire);
    CHECK(convert_for_convention(wire, Convention::inverse) == logical);
    CHECK(convert_for_convention(Bytes{}, Convention::inverse).empty());
    Bytes all(256);
    for (std::size_t i = 0; i < all.size(); ++i) {
        all[i] = static_cast<std::uint8_t>(i);
    }
    CHECK(convert_for_convention(convert_for_convention(all, Convention::inverse),
                                 Convention::inverse) == all);
}
