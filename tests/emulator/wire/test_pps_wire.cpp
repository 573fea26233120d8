// The reader side's PPS code and rate tables (tests/sim/wire/pps_wire) against messages
// written out by hand from ISO/IEC 7816-3 9.2 / 9.3 and Tables 7 and 8, then against the
// driver's independent iso7816/pps and tables.
#include <doctest/doctest.h>

#include <string_view>

#include "tests/support/hex.hpp"
#include "iso7816/pps.hpp"
#include "iso7816/tables.hpp"
#include "tests/sim/wire/pps_wire.hpp"

namespace tessera::sim::wire {
namespace {

using test::hex;

}  // namespace

TEST_CASE("ISO 7816-3 Tables 7 and 8: Fi and Di by index, reserved values absent") {
    CHECK(fi_of(0x0) == 372);
    CHECK(fi_of(0x1) == 372);
    CHECK(fi_of(0x6) == 1860);
    CHECK(fi_of(0x9) == 512);
    CHECK(fi_of(0xD) == 2048);
    for (const std::uint8_t reserved : {0x7, 0x8, 0xE, 0xF}) {
        CHECK_FALSE(fi_of(reserved));
    }
    CHECK(di_of(0x1) == 1);
    CHECK(di_of(0x3) == 4);
    CHECK(di_of(0x7) == 64);
    CHECK(di_of(0x8) == 12);
    CHECK(di_of(0x9) == 20);
    for (const std::uint8_t reserved : {0x0, 0xA, 0xB, 0xC, 0xD, 0xE, 0xF}) {
        CHECK_FALSE(di_of(reserved));
    }
}

TEST_CASE("ISO 7816-3 9.2: PPS messages with their PCK") {
    // T=1 with PPS1 '13' (Fi 372, Di 4): FF 11 13, PCK FF^11^13 = FD.
    CHECK(write_pps(Pps{1, 0x13, std::nullopt, std::nullopt}) == hex("FF 11 13 FD"));
    // T=0 without options: FF 00 FF.
    CHECK(write_pps(Pps{}) == hex("FF 00 FF"));
    // T=1 with PPS1 96 and PPS2 01: FF 31 96 01, PCK 59.
    CHECK(write_pps(Pps{1, 0x96, 0x01, std::nullopt}) == hex("FF 31 96 01 59"));
    CHECK(pps_length(hex("FF")) == std::nullopt);
    CHECK(pps_length(hex("FF 11")) == 4u);
    CHECK(pps_length(hex("FF 71")) == 6u);
    CHECK(read_pps(hex("FF 11 13 FD")) == Pps{1, 0x13, std::nullopt, std::nullopt});
    CHECK_FALSE(read_pps(hex("FF 11 13 FC")));     // PCK
    CHECK_FALSE(read_pps(hex("FE 11 13 FC")));     // PPSS
    CHECK_FALSE(read_pps(hex("FF 91 13 7D")));     // PPS0 b8
    CHECK_FALSE(read_pps(hex("FF 11 FE")));        // shorter than announced
    CHECK_FALSE(read_pps(hex("FF 01 13 ED")));     // longer than announced
    CHECK_FALSE(read_pps(hex("FF 0F F0")));        // T = 15
}

TEST_CASE("ISO 7816-3 9.3: a response echoes or leaves out each optional byte") {
    const Pps request{1, 0x13, std::nullopt, std::nullopt};
    const auto full = judge_pps_response(request, hex("FF 11 13 FD"));
    REQUIRE(full);
    CHECK(full->protocol == 1);
    CHECK(full->fi_di == 0x13);
    const auto partial = judge_pps_response(request, hex("FF 01 FE"));
    REQUIRE(partial);
    CHECK(partial->fi_di == 0x11);
    CHECK_FALSE(judge_pps_response(request, hex("FF 10 13 FC")));  // other protocol
    CHECK_FALSE(judge_pps_response(request, hex("FF 11 12 FC")));  // other PPS1
    CHECK_FALSE(judge_pps_response(request, hex("FF 31 13 01 DC")));  // PPS2 not asked for
    CHECK_FALSE(judge_pps_response(request, {}));
}

TEST_CASE("cross-check: the rate tables and PPS messages agree with the driver's") {
    for (std::uint8_t index = 0; index < 16; ++index) {
        CAPTURE(index);
        CHECK(fi_of(index) == iso7816::fi_from_index(index));
        CHECK(di_of(index) == iso7816::di_from_index(index));
    }
    for (std::uint8_t protocol = 0; protocol < 15; ++protocol) {
        for (const auto pps1 : {std::optional<std::uint8_t>{}, std::optional<std::uint8_t>{0x96}}) {
            for (const auto pps2 : {std::optional<std::uint8_t>{}, std::optional<std::uint8_t>{0x02}}) {
                const Pps ours{protocol, pps1, pps2, std::nullopt};
                iso7816::PpsRequest theirs;
                theirs.protocol = protocol;
                if (pps1) {
                    theirs.pps1 = iso7816::FiDi::from_byte(*pps1);
                }
                theirs.pps2 = pps2;
                const auto built = iso7816::build_pps_request(theirs);
                REQUIRE(built);
                CHECK(write_pps(ours) == *built);
                CHECK(iso7816::parse_pps_request(write_pps(ours)).value() == theirs);
                CHECK(read_pps(*built) == ours);
                // The card's full and partial answers judged alike on both sides.
                for (const bool keep : {false, true}) {
                    const Bytes answer = iso7816::build_pps_response(theirs, keep, keep, false);
                    const auto ours_judged = judge_pps_response(ours, answer);
                    const auto theirs_judged = iso7816::validate_pps_response(theirs, answer);
                    REQUIRE(ours_judged);
                    REQUIRE(theirs_judged);
                    CHECK(ours_judged->protocol == theirs_judged->protocol);
                    CHECK(ours_judged->fi_di == theirs_judged->fi_di.byte());
                }
            }
        }
    }
}

}  // namespace tessera::sim::wire
