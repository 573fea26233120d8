// ATR parser (ISO/IEC 7816-3:2006 section 8): real-world ATRs, every default, every
// error, the TCK and T=15 rules, the 33-byte limit, inverse convention.
#include <doctest/doctest.h>

#include <ostream>
#include <set>
#include <string>
#include <string_view>

#include "iso7816/atr.hpp"
#include "iso7816/tables.hpp"
#include "tests/support/hex.hpp"

using namespace tessera::iso7816;
using tessera::Bytes;

namespace {

using tessera::test::hex;

// Appends the TCK that makes T0 .. TCK XOR to 00.
Bytes with_tck(Bytes atr) {
    REQUIRE(atr.size() >= 2);
    atr.push_back(compute_tck(tessera::ByteView(atr).subspan(1)));
    return atr;
}

Atr parsed(std::string_view text) {
    auto result = parse_atr(hex(text));
    INFO("ATR ", text, ": ", result.error().message());
    REQUIRE(result.has_value());
    return *result;
}

std::error_code error_of(const Bytes& atr) {
    return parse_atr(atr).error();
}

using P = std::vector<std::uint8_t>;

}  // namespace

TEST_CASE("PC/SC contactless storage card: T=0 and T=1 offered, 15 historical bytes, TCK") {
    const Atr atr = parsed("3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A");
    CHECK(atr.convention == Convention::direct);
    CHECK(atr.ts == 0x3B);
    CHECK(atr.t0 == 0x8F);
    REQUIRE(atr.levels.size() == 2);
    CHECK(atr.levels[0] == InterfaceLevel{.td = 0x80});
    CHECK(atr.levels[1] == InterfaceLevel{.td = 0x01});
    CHECK(atr.historical == hex("80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00"));
    CHECK(atr.tck == 0x6A);
    CHECK(atr.protocols == P{0, 1});
    CHECK(atr.default_protocol == 0);
    CHECK_FALSE(atr.specific_mode.has_value());
    CHECK(atr.fi == 372);
    CHECK(atr.di == 1);
    CHECK(atr.size() == 20);
}

TEST_CASE("T=0 card with TB1 TC1 and 14 historical bytes: no TCK") {
    const Atr atr = parsed("3B 6E 00 00 80 31 80 66 B0 84 0C 01 6E 01 83 00 90 00");
    REQUIRE(atr.levels.size() == 1);
    CHECK(atr.levels[0] == InterfaceLevel{.tb = 0x00, .tc = 0x00});
    CHECK(atr.historical.size() == 14);
    CHECK_FALSE(atr.tck.has_value());
    CHECK(atr.protocols == P{0});
    CHECK(atr.n == 0);
}

TEST_CASE("JCOP card: T=1 with TA1, IFSC and BWI/CWI at level 3") {
    const Atr atr = parsed("3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7");
    CHECK(atr.ta(1) == 0x13);
    CHECK(atr.tb(1) == 0x00);
    CHECK(atr.tc(1) == 0x00);
    CHECK(atr.td(1) == 0x81);
    CHECK(atr.td(2) == 0x31);
    CHECK(atr.ta(3) == 0xFE);
    CHECK(atr.tb(3) == 0x45);
    CHECK_FALSE(atr.tc(3).has_value());
    CHECK_FALSE(atr.td(3).has_value());
    CHECK_FALSE(atr.ta(4).has_value());
    CHECK_FALSE(atr.ta(0).has_value());
    CHECK(atr.fi_index == 1);
    CHECK(atr.di_index == 3);
    CHECK(atr.fi == 372);
    CHECK(atr.di == 4);
    CHECK(atr.fmax_khz == 5000);
    CHECK(atr.protocols == P{1});
    CHECK(atr.default_protocol == 1);
    CHECK(atr.ifsc == 254);
    CHECK(atr.bwi == 4);
    CHECK(atr.cwi == 5);
    CHECK(atr.edc == Edc::lrc);
    CHECK(std::string(atr.historical.begin(), atr.historical.end()) == "JCOPv241");
    CHECK(atr.tck == 0xB7);
    CHECK(atr.offers(1));
    CHECK_FALSE(atr.offers(0));
}

TEST_CASE("Estonian eID: T=0 then T=1, specific bytes of T=1 after TD2") {
    const Atr atr =
        parsed("3B FE 18 00 00 80 31 FE 45 45 73 74 45 49 44 20 76 65 72 20 31 2E 30 A8");
    CHECK(atr.protocols == P{0, 1});
    CHECK(atr.default_protocol == 0);
    CHECK(atr.di_index == 8);
    CHECK(atr.di == 12);
    CHECK(atr.ifsc == 254);
    CHECK(atr.bwi == 4);
    CHECK(atr.cwi == 5);
    CHECK(std::string(atr.historical.begin(), atr.historical.end()) == "EstEID ver 1.0");
}

TEST_CASE("Minimal T=0 ATR: every parameter takes its default") {
    const Atr atr = parsed("3B 02 14 50");
    CHECK(atr.levels.empty());
    CHECK(atr.historical == hex("14 50"));
    CHECK_FALSE(atr.tck.has_value());
    CHECK(atr.protocols == P{0});
    CHECK(atr.default_protocol == 0);
    CHECK_FALSE(atr.specific_mode.has_value());
    CHECK(atr.fi_index == 1);
    CHECK(atr.di_index == 1);
    CHECK(atr.fi == 372);
    CHECK(atr.di == 1);
    CHECK(atr.fmax_khz == 5000);
    CHECK(atr.n == 0);
    CHECK(atr.wi == 10);
    CHECK(atr.ifsc == 32);
    CHECK(atr.bwi == 4);
    CHECK(atr.cwi == 13);
    CHECK(atr.edc == Edc::lrc);
    CHECK_FALSE(atr.class_indicator.has_value());
    CHECK_FALSE(atr.spu.has_value());
    CHECK(atr.size() == 4);
}

TEST_CASE("T0 alone: no interface and no historical bytes") {
    const Atr atr = parsed("3B 00");
    CHECK(atr.levels.empty());
    CHECK(atr.historical.empty());
    CHECK(atr.protocols == P{0});
}

TEST_CASE("Inverse convention: logical bytes and the raw wire image decode alike") {
    const Bytes logical = hex("3F 65 25 08 36 04 6C 90 00");
    const Bytes wire = hex("03 59 5B EF 93 DF C9 F6 FF");
    const auto from_logical = parse_atr(logical);
    const auto from_wire = parse_atr_from_wire(wire);
    REQUIRE(from_logical.has_value());
    REQUIRE(from_wire.has_value());
    for (const Atr* atr : {&*from_logical, &*from_wire}) {
        CHECK(atr->convention == Convention::inverse);
        CHECK(atr->ts == 0x3F);
        CHECK(atr->t0 == 0x65);
        CHECK(atr->tb(1) == 0x25);
        CHECK(atr->tc(1) == 0x08);
        CHECK_FALSE(atr->ta(1).has_value());
        CHECK(atr->n == 8);
        CHECK(atr->historical == hex("36 04 6C 90 00"));
        CHECK(serialize_atr(*atr) == logical);
    }
    SUBCASE("the wire image is not logical bytes: parse_atr rejects TS 03") {
        CHECK(error_of(wire) == AtrError::invalid_ts);
    }
    SUBCASE("parse_atr_from_wire takes 3B and 3F as already decoded") {
        REQUIRE(parse_atr_from_wire(logical).has_value());
        CHECK(parse_atr_from_wire(logical)->convention == Convention::inverse);
        const auto direct = parse_atr_from_wire(hex("3B 02 14 50"));
        REQUIRE(direct.has_value());
        CHECK(direct->convention == Convention::direct);
    }
    SUBCASE("errors of a raw inverse image are found after decoding") {
        const auto inspection = inspect_atr_from_wire(hex("03 59 5B"));
        CHECK(inspection.error == AtrError::truncated_interface_bytes);
        CHECK(inspection.atr.ts == 0x3F);
        CHECK(inspection.atr.tb(1) == 0x25);
        CHECK(inspect_atr_from_wire(hex("23 00")).error == AtrError::invalid_ts);
        CHECK(inspect_atr_from_wire(Bytes{}).error == AtrError::empty);
    }
}

TEST_CASE("NXP SAM: T=15 global bytes (class indicator, SPU), TC1 = FF, CRC-less T=1") {
    const Atr atr =
        parsed("3B DE 18 FF 81 F1 FE 43 00 3F 07 83 44 45 53 46 69 72 65 38 20 53 41 4D 2D 58 17");
    CHECK(atr.levels.size() == 4);
    CHECK(atr.n == 255);
    CHECK(atr.di == 12);
    CHECK(atr.protocols == P{1});
    CHECK(atr.ifsc == 254);
    CHECK(atr.bwi == 4);
    CHECK(atr.cwi == 3);
    CHECK(atr.edc == Edc::lrc);
    REQUIRE(atr.class_indicator.has_value());
    CHECK(atr.class_indicator->classes == 0x07);
    CHECK(atr.class_indicator->class_a());
    CHECK(atr.class_indicator->class_b());
    CHECK(atr.class_indicator->class_c());
    CHECK(atr.class_indicator->clock_stop == ClockStop::not_supported);
    CHECK(atr.spu == 0x83);
    CHECK(atr.size() == 27);
}

TEST_CASE("UICC (ETSI TS 102 221 example): T=0 and T=15 call for a TCK") {
    const Bytes bytes = with_tck(hex("3B 97 95 80 1F 42 80 31 A0 73 BE 21 15"));
    CHECK(bytes.back() == 0x37);
    const auto atr = parse_atr(bytes);
    REQUIRE(atr.has_value());
    CHECK(atr->protocols == P{0});
    CHECK(atr->fi == 512);
    CHECK(atr->di == 16);
    CHECK(atr->fmax_khz == 5000);
    REQUIRE(atr->class_indicator.has_value());
    CHECK(atr->class_indicator->classes == 0x02);
    CHECK_FALSE(atr->class_indicator->class_a());
    CHECK(atr->class_indicator->class_b());
    CHECK(atr->class_indicator->clock_stop == ClockStop::state_low);
    CHECK_FALSE(atr->spu.has_value());
    CHECK(atr->warnings.empty());
    SUBCASE("without it the ATR is accepted, unchecked, with a warning (only T=0 offered)") {
        const auto without = parse_atr(hex("3B 97 95 80 1F 42 80 31 A0 73 BE 21 15"));
        REQUIRE(without.has_value());
        CHECK(without->warnings == std::vector{AtrWarning::tck_absent});
        CHECK_FALSE(without->tck.has_value());
        CHECK(without->protocols == P{0});
        CHECK(without->class_indicator == atr->class_indicator);
    }
}

TEST_CASE("T=15 clock stop indicator values and only the first TA for T=15 counts") {
    CHECK(parse_atr(with_tck(hex("3B 80 80 1F C1")))->class_indicator->clock_stop ==
          ClockStop::no_preference);
    CHECK(parse_atr(with_tck(hex("3B 80 80 1F 81")))->class_indicator->clock_stop ==
          ClockStop::state_high);
    const auto atr = parse_atr(with_tck(hex("3B 80 80 9F 03 1F 04")));
    REQUIRE(atr.has_value());
    CHECK(atr->class_indicator->classes == 0x03);
    CHECK(atr->ta(4) == 0x04);
    SUBCASE("a TA after a TD indicating T=0 is not a class indicator") {
        const auto t0_only = parse_atr(hex("3B 80 80 90 05 00"));
        REQUIRE(t0_only.has_value());
        CHECK_FALSE(t0_only->class_indicator.has_value());
    }
}

TEST_CASE("T=0 with TC2: WI") {
    CHECK(parsed("3B 98 13 40 0A A5 03 01 01 01 AD 13 11").wi == 10);
    CHECK(parsed("3B 80 40 05").wi == 5);
    CHECK(parsed("3B 80 40 FF").wi == 255);
    CHECK(parsed("3B 80 40 05").protocols == P{0});
}

TEST_CASE("Specific mode: TA2 protocol, b8 can-change and b5 implicit parameters") {
    SUBCASE("T=1, unable to change, parameters from TA1") {
        const auto atr = parse_atr(with_tck(hex("3B 90 96 91 81 11 FE")));
        REQUIRE(atr.has_value());
        REQUIRE(atr->specific_mode.has_value());
        CHECK(atr->specific_mode->protocol == 1);
        CHECK_FALSE(atr->specific_mode->can_change);
        CHECK_FALSE(atr->specific_mode->implicit_parameters);
        CHECK(atr->fi == 512);
        CHECK(atr->di == 32);
        CHECK(atr->ifsc == 0xFE);
    }
    SUBCASE("T=0, able to change, implicit parameters") {
        const auto atr = parse_atr(hex("3B 80 10 10"));
        REQUIRE(atr.has_value());
        REQUIRE(atr->specific_mode.has_value());
        CHECK(atr->specific_mode->protocol == 0);
        CHECK(atr->specific_mode->can_change);
        CHECK(atr->specific_mode->implicit_parameters);
    }
}

TEST_CASE("Level 2 bytes are global or T=0 specific even after TD1 indicating T=1") {
    // TD1 = 71: TA2 TB2 TC2 follow, T=1. TA2 is the specific mode byte, TB2 is not a BWI
    // and TC2 is WI; the T=1 parameters keep their defaults.
    const auto atr = parse_atr(with_tck(hex("3B 80 71 01 A5 01")));
    REQUIRE(atr.has_value());
    CHECK(atr->specific_mode.has_value());
    CHECK(atr->bwi == 4);
    CHECK(atr->cwi == 13);
    CHECK(atr->edc == Edc::lrc);
    CHECK(atr->wi == 1);
    CHECK(atr->ifsc == 32);
}

TEST_CASE("T=1 parameters come from the first TA/TB/TC after a TD indicating T=1") {
    SUBCASE("CRC and explicit defaults") {
        const auto atr = parse_atr(with_tck(hex("3B 80 81 71 20 4D 01")));
        REQUIRE(atr.has_value());
        CHECK(atr->ifsc == 0x20);
        CHECK(atr->bwi == 4);
        CHECK(atr->cwi == 13);
        CHECK(atr->edc == Edc::crc);
    }
    SUBCASE("LRC when b1 of TC is 0, other bits ignored") {
        CHECK(parse_atr(with_tck(hex("3B 80 81 41 FE")))->edc == Edc::lrc);
    }
    SUBCASE("the first TA for T=1 may sit at a later level") {
        const auto atr = parse_atr(with_tck(hex("3B 80 81 81 11 80")));
        REQUIRE(atr.has_value());
        CHECK(atr->ifsc == 0x80);
        CHECK_FALSE(atr->ta(3).has_value());
        CHECK(atr->ta(4) == 0x80);
    }
    SUBCASE("a second TA for T=1 does not override the first") {
        const auto atr = parse_atr(with_tck(hex("3B 80 81 91 40 11 80")));
        REQUIRE(atr.has_value());
        CHECK(atr->ifsc == 0x40);
    }
    SUBCASE("TA/TB after a TD indicating another protocol are not T=1's") {
        const auto atr = parse_atr(with_tck(hex("3B 80 81 32 10 97")));
        REQUIRE(atr.has_value());
        CHECK(atr->protocols == P{1, 2});
        CHECK(atr->ifsc == 32);
        CHECK(atr->bwi == 4);
    }
    SUBCASE("BWI 9 and CWI 15 are the largest valid values") {
        const auto atr = parse_atr(with_tck(hex("3B 80 81 21 9F")));
        REQUIRE(atr.has_value());
        CHECK(atr->bwi == 9);
        CHECK(atr->cwi == 15);
    }
    SUBCASE("IFSC 1 and 254 are valid") {
        CHECK(parse_atr(with_tck(hex("3B 80 81 11 01"))).has_value());
        CHECK(parse_atr(with_tck(hex("3B 80 81 11 FE"))).has_value());
    }
}

TEST_CASE("Offered protocols: sorted, unique, T=15 excluded; the default is TD1's") {
    const auto atr = parse_atr(with_tck(hex("3B 80 81 80 80 0E")));
    REQUIRE(atr.has_value());
    CHECK(atr->protocols == P{0, 1, 14});
    CHECK(atr->default_protocol == 1);
    const auto repeated = parse_atr(with_tck(hex("3B 80 81 81 81 01")));
    REQUIRE(repeated.has_value());
    CHECK(repeated->protocols == P{1});
}

TEST_CASE("TA1: FI/DI indices, Fi, Di and fmax from Tables 7 and 8") {
    CHECK(parsed("3B 10 11").fi == 372);
    const Atr atr = parsed("3B 10 D6");
    CHECK(atr.fi_index == 0xD);
    CHECK(atr.di_index == 6);
    CHECK(atr.fi == 2048);
    CHECK(atr.di == 32);
    CHECK(atr.fmax_khz == 20000);
    const Atr fi0 = parsed("3B 10 09");
    CHECK(fi0.fi == 372);
    CHECK(fi0.fmax_khz == 4000);
    CHECK(fi0.di == 20);
}

TEST_CASE("TCK presence rule (ISO 7816-3 8.2.5)") {
    SUBCASE("absent when only T=0 is indicated by default") {
        CHECK(parse_atr(hex("3B 00")).has_value());
        CHECK(error_of(hex("3B 00 00")) == AtrError::trailing_bytes);
    }
    SUBCASE("absent when only T=0 is indicated explicitly, also in several TDs") {
        CHECK(parse_atr(hex("3B 80 00")).has_value());
        CHECK(parse_atr(hex("3B 80 80 00")).has_value());
        CHECK(error_of(hex("3B 80 80 00 00")) == AtrError::trailing_bytes);
    }
    SUBCASE("present as soon as a TD indicates another T, T=15 and T=14 included") {
        for (const char* body : {"3B 80 01", "3B 80 80 01", "3B 80 80 0F", "3B 80 0E",
                                 "3B 80 81 0F", "3B 80 8F 01"}) {
            INFO(std::string(body));
            const auto atr = parse_atr(with_tck(hex(body)));
            REQUIRE(atr.has_value());
            CHECK_FALSE(atr->has(AtrWarning::tck_absent));
        }
    }
    SUBCASE("missing: an error when a T other than 0 and 15 is offered") {
        for (const char* body : {"3B 80 01", "3B 80 80 01", "3B 80 0E", "3B 80 81 0F",
                                 "3B 80 8F 01"}) {
            INFO(std::string(body));
            CHECK(error_of(hex(body)) == AtrError::missing_tck);
        }
    }
    SUBCASE("missing: a warning when only T=0 is offered besides T=15 (8.2.5)") {
        for (const char* body : {"3B 80 80 0F", "3B 80 80 1F 07", "3B 80 0F"}) {
            INFO(std::string(body));
            const AtrInspection inspection = inspect_atr(hex(body));
            CHECK(inspection.valid());
            CHECK(inspection.progress == AtrProgress::complete);
            CHECK_FALSE(inspection.tck_ok.has_value());
            CHECK(inspection.atr.has(AtrWarning::tck_absent));
            CHECK(inspection.atr.protocols == P{0});
        }
    }
    SUBCASE("the XOR of T0 .. TCK must be 00") {
        CHECK(parse_atr(hex("3B 80 01 81")).has_value());
        CHECK(error_of(hex("3B 80 01 80")) == AtrError::tck_mismatch);
        CHECK(error_of(hex("3B 80 01 00")) == AtrError::tck_mismatch);
    }
    SUBCASE("tck_required() follows the TDs") {
        CHECK_FALSE(tck_required({}));
        CHECK_FALSE(tck_required(std::vector<InterfaceLevel>{{.td = 0x80}, {.td = 0x00}}));
        CHECK(tck_required(std::vector<InterfaceLevel>{{.td = 0x80}, {.td = 0x0F}}));
    }
}

TEST_CASE("A bad TCK keeps every decoded field for inspection") {
    Bytes bytes = hex("3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7");
    bytes.back() = 0xB6;
    const AtrInspection inspection = inspect_atr(bytes);
    CHECK(inspection.error == AtrError::tck_mismatch);
    CHECK_FALSE(inspection.valid());
    CHECK(inspection.progress == AtrProgress::complete);
    CHECK(inspection.tck_ok == false);
    CHECK(inspection.atr.tck == 0xB6);
    CHECK(inspection.atr.ifsc == 254);
    CHECK(inspection.atr.di == 4);
    CHECK(serialize_atr(inspection.atr) == bytes);
    CHECK(parse_atr(bytes).error() == AtrError::tck_mismatch);
}

TEST_CASE("Inspection of a valid ATR") {
    const AtrInspection with = inspect_atr(hex("3B 80 01 81"));
    CHECK(with.valid());
    CHECK(with.progress == AtrProgress::complete);
    CHECK(with.tck_ok == true);
    const AtrInspection without = inspect_atr(hex("3B 02 14 50"));
    CHECK(without.valid());
    CHECK(without.progress == AtrProgress::complete);
    CHECK_FALSE(without.tck_ok.has_value());
}

TEST_CASE("Structural errors, each with its own code and the progress made") {
    struct Case {
        const char* atr;
        AtrError error;
        AtrProgress progress;
    };
    const Case cases[] = {
        {"", AtrError::empty, AtrProgress::none},
        {"3C 00", AtrError::invalid_ts, AtrProgress::ts},
        {"03 00", AtrError::invalid_ts, AtrProgress::ts},
        {"3B", AtrError::missing_t0, AtrProgress::ts},
        {"3F", AtrError::missing_t0, AtrProgress::ts},
        {"3B 10", AtrError::truncated_interface_bytes, AtrProgress::t0},
        {"3B F0 11 00 00", AtrError::truncated_interface_bytes, AtrProgress::t0},
        {"3B 80 81", AtrError::truncated_interface_bytes, AtrProgress::t0},
        {"3B 02 14", AtrError::truncated_historical_bytes, AtrProgress::interface_bytes},
        {"3B 0F", AtrError::truncated_historical_bytes, AtrProgress::interface_bytes},
        {"3B 80 01", AtrError::missing_tck, AtrProgress::historical_bytes},
        {"3B 81 01 AA", AtrError::missing_tck, AtrProgress::historical_bytes},
        {"3B 02 14 50 00", AtrError::trailing_bytes, AtrProgress::complete},
        {"3B 80 01 81 81", AtrError::trailing_bytes, AtrProgress::complete},
        {"3B 80 01 80", AtrError::tck_mismatch, AtrProgress::complete},
    };
    for (const Case& c : cases) {
        INFO("ATR ", c.atr);
        const AtrInspection inspection = inspect_atr(hex(c.atr));
        CHECK(inspection.error == c.error);
        CHECK(inspection.progress == c.progress);
        CHECK(parse_atr(hex(c.atr)).error() == c.error);
    }
}

TEST_CASE("Partial results: bytes read before a truncation are kept") {
    const AtrInspection interface = inspect_atr(hex("3B F0 11 00"));
    REQUIRE(interface.atr.levels.size() == 1);
    CHECK(interface.atr.levels[0] == InterfaceLevel{.ta = 0x11, .tb = 0x00});
    const AtrInspection historical = inspect_atr(hex("3B 95 96 80 01 41 42"));
    CHECK(historical.error == AtrError::truncated_historical_bytes);
    CHECK(historical.atr.historical == hex("41 42"));
    CHECK(historical.atr.protocols == P{0, 1});
    CHECK(historical.atr.fi == 512);
    CHECK(inspect_atr(hex("3C")).atr.ts == 0x3C);
}

namespace {

// A card's ATR with values it may not send, and what the interface device uses: every
// one is valid, lists its deviations in byte order, and holds the defaults in their place.
struct Deviant {
    const char* name;
    const char* atr;   // logical bytes as a card list shows them
    bool append_tck;   // the TCK is computed (constructed examples)
    std::vector<AtrWarning> warnings;
    std::optional<std::uint8_t> usable_ta1;
    std::uint16_t fi;
    std::uint8_t di;
    std::uint32_t fmax_khz;
    P protocols;
    std::uint8_t default_protocol;
    std::optional<std::uint8_t> specific_protocol;
    std::uint8_t n, wi, ifsc, bwi, cwi;
    std::optional<std::uint8_t> classes;
};

using W = AtrWarning;
constexpr std::optional<std::uint8_t> none = std::nullopt;

const Deviant kDeviants[] = {
    // Cards from the field (pcsc-tools' smartcard_list.txt), refused before as invalid.
    {"Conax (T-Home Hungary): TA1 00, DI 0 reserved", "3B 34 00 00 30 42 30 30", false,
     {W::reserved_di}, none, 372, 1, 4000, {0}, 0, none, 0, 10, 32, 4, 13, none},
    {"DNIe: TA1 7F, FI 7 and DI F reserved", "3B 3B 7F 38 00 00 00 6A 44 4E 49 65 10 02 4C",
     false, {W::reserved_fi, W::reserved_di}, none, 372, 1, 5000, {0}, 0, none, 0, 10, 32, 4,
     13, none},
    {"Sky Italia (inverse): TA1 FF, specific mode T=0 from TA1",
     "3F FD FF 25 02 50 80 0F 54 B0 04 69 FF 4A 50 D0 80 00 49 54 03", false,
     {W::reserved_fi, W::reserved_di}, none, 372, 1, 5000, {0}, 0, 0, 2, 15, 32, 4, 13, none},
    {"DESFire SAM: TA1 86, FI 8 reserved, specific mode T=1",
     "3B DE 86 FF 91 01 F1 FB 34 00 1F 07 44 45 53 46 69 72 65 53 41 4D 56 31 2E 30 5D", false,
     {W::reserved_fi}, none, 372, 1, 5000, {1}, 1, 1, 255, 10, 251, 3, 4, 0x07},
    {"IBM MFC 4.22: IFSC FF",
     "3B EF 00 FF 81 31 FF 65 49 42 4D 20 4D 46 43 39 32 32 39 32 38 39 30 17", false,
     {W::invalid_ifsc}, none, 372, 1, 5000, {1}, 1, none, 255, 10, 32, 6, 5, none},
    {"DishNetwork (inverse): IFSC FF, specific mode T=1 at TA1 95",
     "3F FF 95 00 FF 91 81 71 FF 47 00 44 4E 41 53 50 53 30 31 20 44 73 68 36 30 39 16", false,
     {W::invalid_ifsc}, 0x95, 512, 16, 5000, {1}, 1, 1, 255, 10, 32, 4, 7, none},
    {"SIM (Free Mobile): T=0 and T=15 without TCK",
     "3B 9E 96 80 1F C7 80 31 E0 73 FE 21 1B 66 D0 01 77 97 0D 00", false, {W::tck_absent},
     0x96, 512, 32, 5000, {0}, 0, none, 0, 10, 32, 4, 13, 0x07},
    {"eToken R2: TD1 indicates T=15, TA2 00 a class indicator with no class",
     "3B 81 1F 00 CC 52", false, {W::td1_t15, W::no_class_indicated}, none, 372, 1, 5000, {0},
     0, none, 0, 10, 32, 4, 13, none},
    // Constructed, one deviation each.
    {"WI 00 in TC2", "3B 80 40 00", false, {W::reserved_wi}, none, 372, 1, 5000, {0}, 0,
     none, 0, 10, 32, 4, 13, none},
    {"IFSC 00", "3B 80 81 11 00", true, {W::invalid_ifsc}, none, 372, 1, 5000, {1}, 1, none,
     0, 10, 32, 4, 13, none},
    {"BWI A", "3B 80 81 21 A4", true, {W::reserved_bwi}, none, 372, 1, 5000, {1}, 1, none, 0,
     10, 32, 4, 4, none},
    {"BWI F, CWI 0", "3B 80 81 21 F0", true, {W::reserved_bwi}, none, 372, 1, 5000, {1}, 1,
     none, 0, 10, 32, 4, 0, none},
    {"TD1 T=15 alone: T=0", "3B 80 0F", true, {W::td1_t15}, none, 372, 1, 5000, {0}, 0, none,
     0, 10, 32, 4, 13, none},
    {"TD1 T=15, then T=1", "3B 80 8F 01", true, {W::td1_t15}, none, 372, 1, 5000, {1}, 1,
     none, 0, 10, 32, 4, 13, none},
    {"TD1 T=15, TA2 a class indicator (B), TC2 WI 20", "3B 80 5F 02 14", true, {W::td1_t15},
     none, 372, 1, 5000, {0}, 0, none, 0, 20, 32, 4, 13, 0x02},
    {"TA2 names T=15", "3B 80 10 8F", false, {W::specific_mode_t15}, none, 372, 1, 5000, {0},
     0, none, 0, 10, 32, 4, 13, none},
    {"TA2 names T=1, only T=0 offered", "3B 90 13 10 81", false,
     {W::specific_protocol_not_offered}, 0x13, 372, 4, 5000, {0}, 0, 1, 0, 10, 32, 4, 13,
     none},
    {"reserved bits in the first TC for T=1", "3B 80 81 41 FF", true, {W::reserved_edc_bits},
     none, 372, 1, 5000, {1}, 1, none, 0, 10, 32, 4, 13, none},
    {"class indicator with clock stop only", "3B 80 80 1F C0", true, {W::no_class_indicated},
     none, 372, 1, 5000, {0}, 0, none, 0, 10, 32, 4, 13, none},
    {"all at once: TA1 F0, TA2 T=5, WI 0, IFSC FF, BWI C",
     "3B 90 F0 F1 05 00 00 31 FF C3", true,
     {W::reserved_fi, W::reserved_di, W::specific_protocol_not_offered, W::reserved_wi,
      W::invalid_ifsc, W::reserved_bwi},
     none, 372, 1, 5000, {1}, 1, 5, 0, 10, 32, 4, 3, none},
};

}  // namespace

TEST_CASE("Reserved, invalid and contradictory values: valid, each a warning, defaults used") {
    for (const Deviant& d : kDeviants) {
        INFO(d.name, ": ", d.atr);
        const Bytes bytes = d.append_tck ? with_tck(hex(d.atr)) : hex(d.atr);
        const AtrInspection inspection = inspect_atr(bytes);
        CHECK(inspection.valid());
        CHECK(inspection.progress == AtrProgress::complete);
        CHECK(inspection.tck_ok != false);
        const auto parsed = parse_atr(bytes);
        REQUIRE(parsed.has_value());
        const Atr& atr = *parsed;
        CHECK(atr.warnings == d.warnings);
        for (const AtrWarning warning : d.warnings) {
            CHECK(atr.has(warning));
        }
        CHECK(serialize_atr(atr) == bytes);  // the bytes stay as the card sent them
        CHECK(atr.usable_ta1() == d.usable_ta1);
        CHECK(atr.fi == d.fi);
        CHECK(atr.di == d.di);
        CHECK(atr.fmax_khz == d.fmax_khz);
        CHECK(fi_from_index(atr.fi_index) == d.fi);
        CHECK(di_from_index(atr.di_index) == d.di);
        CHECK(atr.protocols == d.protocols);
        CHECK(atr.default_protocol == d.default_protocol);
        CHECK(atr.specific_mode.has_value() == d.specific_protocol.has_value());
        if (atr.specific_mode && d.specific_protocol) {
            CHECK(atr.specific_mode->protocol == *d.specific_protocol);
        }
        CHECK(atr.n == d.n);
        CHECK(atr.wi == d.wi);
        CHECK(atr.ifsc == d.ifsc);
        CHECK(atr.bwi == d.bwi);
        CHECK(atr.cwi == d.cwi);
        CHECK(atr.class_indicator.has_value() == d.classes.has_value());
        if (atr.class_indicator && d.classes) {
            CHECK(atr.class_indicator->classes == *d.classes);
        }
    }
}

TEST_CASE("Inverse-convention field cards: as a card list shows them and as the wire image") {
    for (const char* text : {"3F FD FF 25 02 50 80 0F 54 B0 04 69 FF 4A 50 D0 80 00 49 54 03",
                             "3F FF 95 00 FF 91 81 71 FF 47 00 44 4E 41 53 50 53 30 31 20 44 73 "
                             "68 36 30 39 16"}) {
        INFO(std::string(text));
        const Bytes logical = hex(text);
        const Bytes wire = convert_for_convention(logical, Convention::inverse);
        CHECK(wire.front() == kTsInverseOnWire);
        const auto from_logical = parse_atr_from_wire(logical);
        const auto from_wire = parse_atr_from_wire(wire);
        REQUIRE(from_logical.has_value());
        REQUIRE(from_wire.has_value());
        CHECK(from_logical->convention == Convention::inverse);
        CHECK(from_wire->convention == Convention::inverse);
        CHECK(serialize_atr(*from_wire) == logical);
        CHECK(from_wire->warnings == from_logical->warnings);
        CHECK_FALSE(from_wire->warnings.empty());
    }
}

TEST_CASE("Conforming values give no warning; only the first byte of each kind is judged") {
    for (const char* text : {"3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A",
                             "3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7",
                             "3B DE 18 FF 81 F1 FE 43 00 3F 07 83 44 45 53 46 69 72 65 38 20 "
                             "53 41 4D 2D 58 17",
                             "3B 02 14 50", "3F 65 25 08 36 04 6C 90 00", "3B 80 40 FF",
                             "3B 10 09"}) {
        INFO(std::string(text));
        const auto atr = parse_atr(hex(text));
        REQUIRE(atr.has_value());
        CHECK(atr->warnings.empty());
    }
    // A second TA / TB for T=1 is not the IFSC / BWI: 00 or F0 there is not judged.
    const auto later = parse_atr(with_tck(hex("3B 80 81 B1 40 11 31 00 F0")));
    REQUIRE(later.has_value());
    CHECK(later->warnings.empty());
    CHECK(later->ifsc == 0x40);
    CHECK(later->bwi == 1);
    // BWI 9, CWI 0..15, IFSC 1 and 254, TA2 naming an offered T, a class A indicator.
    for (const char* body : {"3B 80 81 21 90", "3B 80 81 21 9F", "3B 80 81 11 01",
                             "3B 80 81 11 FE", "3B 80 91 11 01", "3B 80 80 1F 01"}) {
        INFO(std::string(body));
        const auto atr = parse_atr(with_tck(hex(body)));
        REQUIRE(atr.has_value());
        CHECK(atr->warnings.empty());
    }
}

TEST_CASE("A reserved DI keeps the clock limit of a defined FI; a reserved FI gives 5 MHz") {
    for (std::uint8_t fi_index = 0; fi_index < 16; ++fi_index) {
        for (std::uint8_t di_index = 0; di_index < 16; ++di_index) {
            const auto ta1 = static_cast<std::uint8_t>(fi_index << 4 | di_index);
            const Bytes bytes{0x3B, 0x10, ta1};
            INFO("TA1 ", tessera::to_hex(tessera::ByteView(&ta1, 1)));
            const auto atr = parse_atr(bytes);
            REQUIRE(atr.has_value());  // every TA1 value makes a valid ATR
            const auto f = fi_from_index(fi_index);
            const auto d = di_from_index(di_index);
            CHECK(atr->has(AtrWarning::reserved_fi) == !f);
            CHECK(atr->has(AtrWarning::reserved_di) == !d);
            CHECK(atr->usable_ta1().has_value() == (f && d));
            CHECK(atr->fi == (f && d ? *f : 372));
            CHECK(atr->di == (f && d ? *d : 1));
            CHECK(atr->fmax_khz == fmax_khz_from_index(fi_index).value_or(5000));
        }
    }
}

TEST_CASE("Warnings are distinct and described") {
    std::set<std::string> texts;
    for (std::size_t value = 0; value < kAtrWarningCount; ++value) {
        const std::string text = describe(static_cast<AtrWarning>(value));
        CHECK(text.find("ISO 7816-3") != std::string::npos);
        texts.insert(text);
    }
    CHECK(texts.size() == kAtrWarningCount);
    CHECK(std::string(describe(static_cast<AtrWarning>(kAtrWarningCount))) ==
          "unknown ATR warning");
}

TEST_CASE("The 33-byte limit (ISO 7816-3 8.1)") {
    // T0 = 8F: TD1 and 15 historical bytes; TD1 .. TD15 all indicate T=1.
    Bytes longest = hex("3B 8F");
    for (int i = 0; i < 14; ++i) {
        longest.push_back(0x81);
    }
    longest.push_back(0x01);
    for (int i = 0; i < 15; ++i) {
        longest.push_back(static_cast<std::uint8_t>(0x41 + i));
    }
    longest = with_tck(longest);
    REQUIRE(longest.size() == kMaxAtrSize);
    const auto atr = parse_atr(longest);
    REQUIRE(atr.has_value());
    CHECK(atr->levels.size() == 15);
    CHECK(atr->size() == 33);
    CHECK(serialize_atr(*atr) == longest);

    SUBCASE("one more byte after it is a trailing byte") {
        Bytes more = longest;
        more.push_back(0x00);
        CHECK(error_of(more) == AtrError::trailing_bytes);
    }
    SUBCASE("one more TD level is too long, even when the input stops early") {
        Bytes deeper = hex("3B 8F");
        for (int i = 0; i < 15; ++i) {
            deeper.push_back(0x81);
        }
        deeper.push_back(0x01);
        CHECK(error_of(deeper) == AtrError::too_long);
        for (int i = 0; i < 15; ++i) {
            deeper.push_back(static_cast<std::uint8_t>(0x41 + i));
        }
        CHECK(error_of(with_tck(deeper)) == AtrError::too_long);
    }
    SUBCASE("a chain of TDs longer than 33 bytes") {
        Bytes chain = hex("3B 80");
        chain.resize(33, 0x81);
        CHECK(error_of(chain) == AtrError::too_long);
        chain.resize(40, 0x81);
        CHECK(error_of(chain) == AtrError::too_long);
        chain.resize(32);
        CHECK(error_of(chain) == AtrError::truncated_interface_bytes);
    }
    SUBCASE("an over-long input is not read past the ATR's own end") {
        Bytes input = hex("3B 02 14 50");
        input.resize(1000, 0xAA);
        CHECK(error_of(input) == AtrError::trailing_bytes);
    }
}

TEST_CASE("Errors are distinct, described, and in the atr category") {
    std::set<std::string> messages;
    for (int value = 1; value <= static_cast<int>(AtrError::tck_mismatch); ++value) {
        const std::error_code code = static_cast<AtrError>(value);
        CHECK(std::string(code.category().name()) == "atr");
        CHECK_FALSE(code.message().empty());
        messages.insert(code.message());
    }
    CHECK(messages.size() == static_cast<std::size_t>(AtrError::tck_mismatch));
    CHECK(std::string(describe(static_cast<AtrError>(99))) == "unknown ATR error");
}

TEST_CASE("serialize_atr gives back every valid input byte for byte") {
    for (const char* text : {
             "3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A",
             "3B 6E 00 00 80 31 80 66 B0 84 0C 01 6E 01 83 00 90 00",
             "3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7",
             "3B DE 18 FF 81 F1 FE 43 00 3F 07 83 44 45 53 46 69 72 65 38 20 53 41 4D 2D 58 17",
             "3B 02 14 50",
             "3F 65 25 08 36 04 6C 90 00",
         }) {
        INFO(std::string(text));
        const Bytes bytes = hex(text);
        const auto atr = parse_atr(bytes);
        REQUIRE(atr.has_value());
        CHECK(serialize_atr(*atr) == bytes);
        CHECK(atr->size() == bytes.size());
    }
}

TEST_CASE("Any input: no crash, and every valid parse re-serialises to its input") {
    // A deterministic sweep: every T0 and first interface byte after both TS values,
    // followed by pseudo-random bytes of every length up to 40.
    std::uint32_t state = 0x2545F491;
    const auto random_byte = [&state] {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return static_cast<std::uint8_t>(state);
    };
    std::size_t valid = 0;
    for (const std::uint8_t ts : {std::uint8_t{0x3B}, std::uint8_t{0x3F}, std::uint8_t{0x03}}) {
        for (int t0 = 0; t0 < 256; ++t0) {
            for (std::size_t length = 2; length <= 40; length += 2) {
                Bytes input{ts, static_cast<std::uint8_t>(t0)};
                while (input.size() < length) {
                    input.push_back(random_byte());
                }
                const AtrInspection inspection = inspect_atr_from_wire(input);
                if (!inspection.valid()) {
                    continue;
                }
                ++valid;
                const Bytes logical = serialize_atr(inspection.atr);
                CHECK(logical.size() <= kMaxAtrSize);
                const Bytes wire =
                    ts == 0x03 ? convert_for_convention(logical, Convention::inverse) : logical;
                CHECK(wire == input);
            }
        }
    }
    CHECK(valid > 0);
}
