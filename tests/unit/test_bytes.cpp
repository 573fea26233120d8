#include <doctest/doctest.h>

#include "base/bytes.hpp"

using tessera::Bytes;

TEST_CASE("to_hex prints upper case, optionally spaced") {
    const Bytes bytes{0x3B, 0x8f, 0x00};
    CHECK(tessera::to_hex(bytes) == "3B8F00");
    CHECK(tessera::to_hex(bytes, true) == "3B 8F 00");
    CHECK(tessera::to_hex(Bytes{}) == "");
}

TEST_CASE("parse_hex accepts spaces, colons and either case") {
    CHECK(tessera::parse_hex("3b8F00") == Bytes{0x3B, 0x8F, 0x00});
    CHECK(tessera::parse_hex("3B 8F:00\n") == Bytes{0x3B, 0x8F, 0x00});
    CHECK(tessera::parse_hex("") == Bytes{});
}

TEST_CASE("parse_hex rejects odd digit counts and foreign characters") {
    CHECK_FALSE(tessera::parse_hex("3B8").has_value());
    CHECK_FALSE(tessera::parse_hex("3G").has_value());
    CHECK_FALSE(tessera::parse_hex("0x3B").has_value());
    CHECK_FALSE(tessera::parse_hex("3 B").has_value());
}
