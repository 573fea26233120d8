#include <doctest/doctest.h>

#include "base/bytes.hpp"
#include "tests/sim/application.hpp"

using tessera::Bytes;
using tessera::sim::CardApplication;
using tessera::sim::pin_block;

namespace {
Bytes sw_of(const Bytes& response) {
    REQUIRE(response.size() >= 2);
    return Bytes(response.end() - 2, response.end());
}
}  // namespace

TEST_CASE("parse_command_apdu decodes every ISO 7816-4 case") {
    using tessera::sim::parse_command_apdu;
    auto c1 = parse_command_apdu(Bytes{0x00, 0xA4, 0x04, 0x00});
    REQUIRE(c1);
    CHECK_FALSE(c1->has_le);
    CHECK(c1->data.empty());

    auto c2s = parse_command_apdu(Bytes{0x00, 0xB0, 0x00, 0x00, 0x00});
    REQUIRE(c2s);
    CHECK(c2s->ne == 256);

    auto c3s = parse_command_apdu(Bytes{0x00, 0xD6, 0x00, 0x00, 0x02, 0xAA, 0xBB});
    REQUIRE(c3s);
    CHECK(c3s->data == Bytes{0xAA, 0xBB});
    CHECK_FALSE(c3s->has_le);

    auto c4s = parse_command_apdu(Bytes{0x80, 0xEE, 0x00, 0x00, 0x01, 0x42, 0x10});
    REQUIRE(c4s);
    CHECK(c4s->ne == 0x10);

    auto c2e = parse_command_apdu(Bytes{0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00});
    REQUIRE(c2e);
    CHECK(c2e->extended);
    CHECK(c2e->ne == 65536);

    auto c4e = parse_command_apdu(Bytes{0x80, 0xEE, 0x00, 0x00, 0x00, 0x00, 0x01, 0x42, 0x01, 0x00});
    REQUIRE(c4e);
    CHECK(c4e->data == Bytes{0x42});
    CHECK(c4e->ne == 256);

    CHECK_FALSE(parse_command_apdu(Bytes{0x00, 0xA4, 0x04}));
    CHECK_FALSE(parse_command_apdu(Bytes{0x00, 0xD6, 0x00, 0x00, 0x03, 0xAA}));
    CHECK_FALSE(parse_command_apdu(Bytes{0x00, 0xD6, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}));
}

TEST_CASE("application answers SELECT, READ BINARY, UPDATE BINARY") {
    CardApplication app;
    CHECK(app.process(Bytes{0x00, 0xA4, 0x00, 0x00, 0x02, 0x01, 0x01}) == Bytes{0x90, 0x00});
    CHECK(app.process(Bytes{0x00, 0xA4, 0x00, 0x00, 0x02, 0x02, 0x02}) == Bytes{0x6A, 0x82});
    CHECK(app.process(Bytes{0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x05, 0x27, 0x54,
                            0x45, 0x53}) == Bytes{0x90, 0x00});

    const Bytes read = app.process(Bytes{0x00, 0xB0, 0x01, 0x00, 0x00});
    REQUIRE(read.size() == 258);
    CHECK(read[0] == 0x00);
    CHECK(read[255] == 0xFF);
    CHECK(sw_of(read) == Bytes{0x90, 0x00});

    CHECK(app.process(Bytes{0x00, 0xD6, 0x00, 0x10, 0x02, 0xCA, 0xFE}) == Bytes{0x90, 0x00});
    CHECK(app.process(Bytes{0x00, 0xB0, 0x00, 0x10, 0x02}) == Bytes{0xCA, 0xFE, 0x90, 0x00});

    // The small EF: 6Cxx when fewer bytes remain than Le asks for, 6B00 past its end.
    CHECK(app.process(Bytes{0x00, 0xA4, 0x00, 0x00, 0x02, 0x01, 0x02}) == Bytes{0x90, 0x00});
    CHECK(app.process(Bytes{0x00, 0xB0, 0x01, 0x28, 0x10}) == Bytes{0x6C, 0x04});
    CHECK(app.process(Bytes{0x00, 0xB0, 0x01, 0x28, 0x04}) == Bytes{0x28, 0x29, 0x2A, 0x2B, 0x90, 0x00});
    CHECK(app.process(Bytes{0x00, 0xB0, 0x01, 0x2C, 0x01}) == Bytes{0x6B, 0x00});
    CHECK(app.process(Bytes{0x00, 0xD6, 0x01, 0x2B, 0x02, 0x01, 0x02}) == Bytes{0x6B, 0x00});
    CHECK(app.selected_file().size() == tessera::sim::kSmallEfSize);
}

TEST_CASE("extended READ BINARY returns up to 65536 bytes") {
    CardApplication app;
    const Bytes read = app.process(Bytes{0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00});
    REQUIRE(read.size() == 65538);
    CHECK(read[65535] == 0xFF);
    CHECK(sw_of(read) == Bytes{0x90, 0x00});
}

TEST_CASE("ECHO, GET CHALLENGE, SLOW and errors") {
    CardApplication app;
    CHECK(app.process(Bytes{0x80, 0xEE, 0x00, 0x00, 0x03, 1, 2, 3, 0x00}) ==
          Bytes{1, 2, 3, 0x90, 0x00});
    CHECK(app.process(Bytes{0x80, 0xEE, 0x00, 0x00, 0x03, 1, 2, 3, 0x02}) ==
          Bytes{1, 2, 0x90, 0x00});
    const Bytes c1 = app.process(Bytes{0x00, 0x84, 0x00, 0x00, 0x08});
    const Bytes c2 = app.process(Bytes{0x00, 0x84, 0x00, 0x00, 0x08});
    CHECK(c1.size() == 10);
    CHECK(c1 != c2);
    CHECK(app.time_units_needed(Bytes{0x80, 0x57, 0x03, 0x00}) == 3);
    CHECK(app.time_units_needed(Bytes{0x80, 0xEE, 0x03, 0x00}) == 0);
    CHECK(app.process(Bytes{0x80, 0x57, 0x03, 0x00}) == Bytes{0x90, 0x00});
    CHECK(app.process(Bytes{0x00, 0x12, 0x00, 0x00}) == Bytes{0x6D, 0x00});
    CHECK(app.process(Bytes{0x42, 0x12, 0x00, 0x00}) == Bytes{0x6E, 0x00});
    CHECK(app.process(Bytes{0x00, 0xB0, 0x00}) == Bytes{0x67, 0x00});
}

TEST_CASE("VERIFY: PIN 1234 as an FF-padded ASCII block, retry counter, blocking") {
    CardApplication app;
    const Bytes right{0x00, 0x20, 0x00, 0x01, 0x08, 0x31, 0x32, 0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xFF};
    Bytes wrong = right;
    wrong[8] = 0x35;
    const Bytes query{0x00, 0x20, 0x00, 0x01};
    CHECK(app.process(query) == Bytes{0x63, 0xC3});
    CHECK(app.process(wrong) == Bytes{0x63, 0xC2});
    CHECK(app.process(right) == Bytes{0x90, 0x00});
    CHECK(app.pin().tries_left() == 3);
    CHECK(app.process(query) == Bytes{0x90, 0x00});
    app.on_reset();
    CHECK(app.process(query) == Bytes{0x63, 0xC3});
    CHECK(app.process(Bytes{0x00, 0x20, 0x00, 0x02, 0x08, 1, 2, 3, 4, 5, 6, 7, 8}) == Bytes{0x6A, 0x88});
    CHECK(app.process(Bytes{0x00, 0x20, 0x01, 0x01, 0x08, 1, 2, 3, 4, 5, 6, 7, 8}) == Bytes{0x6A, 0x86});
    CHECK(app.process(Bytes{0x00, 0x20, 0x00, 0x81, 0x04, 0x31, 0x32, 0x33, 0x34}) == Bytes{0x67, 0x00});
    CHECK(app.pin().tries_left() == 3);  // a malformed VERIFY uses no try
    CHECK(app.process(wrong) == Bytes{0x63, 0xC2});
    CHECK(app.process(wrong) == Bytes{0x63, 0xC1});
    CHECK(app.process(wrong) == Bytes{0x69, 0x83});
    CHECK(app.process(right) == Bytes{0x69, 0x83});  // blocked stays blocked
}

TEST_CASE("CHANGE REFERENCE DATA: old and new, or new after VERIFY") {
    CardApplication app;
    Bytes change{0x00, 0x24, 0x00, 0x01, 0x10};
    const Bytes old_block = pin_block("1234");
    const Bytes new_block = pin_block("987654");
    change.insert(change.end(), old_block.begin(), old_block.end());
    change.insert(change.end(), new_block.begin(), new_block.end());
    CHECK(app.process(change) == Bytes{0x90, 0x00});
    CHECK(app.process(change) == Bytes{0x63, 0xC2});  // the old PIN no longer matches
    Bytes verify_new{0x00, 0x20, 0x00, 0x01, 0x08};
    verify_new.insert(verify_new.end(), new_block.begin(), new_block.end());
    CHECK(app.process(verify_new) == Bytes{0x90, 0x00});

    Bytes set_only{0x00, 0x24, 0x01, 0x01, 0x08};
    set_only.insert(set_only.end(), old_block.begin(), old_block.end());
    CHECK(app.process(set_only) == Bytes{0x90, 0x00});  // verified: allowed
    app.on_reset();
    CHECK(app.process(set_only) == Bytes{0x69, 0x82});
    CHECK(app.process(Bytes{0x00, 0x24, 0x02, 0x01, 0x08, 1, 2, 3, 4, 5, 6, 7, 8}) == Bytes{0x6A, 0x86});
    CHECK(pin_block("12") == Bytes{0x31, 0x32, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
}
