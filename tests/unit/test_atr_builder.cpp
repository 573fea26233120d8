// The simulated card's ATR builder: exact bytes for known configurations, and a round
// trip of thousands of configurations through the ATR parser.
#include <doctest/doctest.h>

#include <iterator>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "iso7816/atr.hpp"
#include "iso7816/tables.hpp"
#include "tests/sim/atr_builder.hpp"
#include "tests/support/hex.hpp"

using namespace tessera::iso7816;
using tessera::Bytes;
using tessera::sim::AtrConfig;
using tessera::sim::build_atr;
using tessera::sim::build_atr_wire;

namespace {

using tessera::test::hex;

Bytes built(const AtrConfig& config) {
    auto bytes = build_atr(config);
    INFO(bytes.error().message());
    REQUIRE(bytes.has_value());
    return *bytes;
}

// Spaced upper-case hex, so that a failing CHECK shows both sides.
std::string built_hex(const AtrConfig& config) {
    return tessera::to_hex(built(config), true);
}

Bytes text(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

}  // namespace

TEST_CASE("Default configuration: the minimal T=0 ATR") {
    CHECK(built_hex({}) == "3B 00");
    CHECK(built_hex({.historical = hex("14 50")}) == "3B 02 14 50");
}

TEST_CASE("Known configurations give exact bytes") {
    SUBCASE("T=1 card with TA1, IFSC 254 and CWI 5 (JCOP-like, no TB1/TC1)") {
        const AtrConfig config{
            .protocols = {1}, .ta1 = 0x13, .ifsc = 254, .cwi = 5, .historical = text("JCOPv241")};
        CHECK(built_hex(config) == "3B 98 13 81 31 FE 45 4A 43 4F 50 76 32 34 31 D7");
    }
    SUBCASE("TB1 and TC1 as old T=0 cards send them") {
        CHECK(built_hex({.tb1 = 0x00, .n = 2}) == "3B 60 00 02");
    }
    SUBCASE("explicit defaults: TC1 = 00 and TC2 = 0A") {
        CHECK(built_hex({.explicit_defaults = true}) == "3B C0 00 40 0A");
        const AtrConfig t1{.protocols = {1}, .explicit_defaults = true};
        CHECK(built_hex(t1) == "3B C0 00 81 71 20 4D 00 5D");
    }
    SUBCASE("only the T=1 bytes that differ from their defaults are sent") {
        CHECK(built_hex({.protocols = {1}, .edc = Edc::crc}) == "3B 80 81 41 01 41");
        CHECK(built_hex({.protocols = {0, 1}, .bwi = 5}) == "3B 80 80 21 5D 7C");
    }
    SUBCASE("T=0 and T=1 offered, T=1 bytes at their defaults are left out") {
        CHECK(built_hex({.protocols = {0, 1}}) == "3B 80 80 01 01");
    }
    SUBCASE("T=0 with WI 5 needs TD1 even though only T=0 is offered: no TCK") {
        CHECK(built_hex({.wi = 5}) == "3B 80 40 05");
    }
    SUBCASE("specific mode T=1, unable to change") {
        const AtrConfig config{.protocols = {1},
                               .specific_mode = SpecificMode{.protocol = 1, .can_change = false}};
        CHECK(built_hex(config) == "3B 80 11 81 10");
    }
    SUBCASE("UICC: T=0 and a class indicator after T=15") {
        const AtrConfig config{
            .ta1 = 0x95,
            .class_indicator = ClassIndicator{.classes = 0x02, .clock_stop = ClockStop::state_low},
            .historical = hex("80 31 A0 73 BE 21 15")};
        CHECK(built_hex(config) == "3B 97 95 80 1F 42 80 31 A0 73 BE 21 15 37");
    }
    SUBCASE("inverse convention: logical bytes and wire image") {
        const AtrConfig config{.convention = Convention::inverse,
                               .tb1 = 0x25,
                               .n = 8,
                               .historical = hex("36 04 6C 90 00")};
        CHECK(built_hex(config) == "3F 65 25 08 36 04 6C 90 00");
        const auto wire = build_atr_wire(config);
        REQUIRE(wire.has_value());
        CHECK(*wire == hex("03 59 5B EF 93 DF C9 F6 FF"));
        const auto direct_wire = build_atr_wire({});
        REQUIRE(direct_wire.has_value());
        CHECK(*direct_wire == hex("3B 00"));
    }
}

TEST_CASE("Configurations the builder refuses") {
    CHECK(build_atr({.protocols = {}}).error() == std::errc::invalid_argument);
    CHECK(build_atr({.protocols = {15}}).error() == std::errc::invalid_argument);
    CHECK(build_atr({.protocols = {0, 16}}).error() == std::errc::invalid_argument);
    CHECK(build_atr({.historical = Bytes(16, 0x41)}).error() == std::errc::invalid_argument);
    CHECK(build_atr_wire({.historical = Bytes(16, 0x41)}).error() == std::errc::invalid_argument);
    // TA1 TB1 TC1 TD1, 14 more TDs, 15 historical bytes and TCK: 35 bytes.
    const AtrConfig too_long{.protocols = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14},
                             .ta1 = 0x11,
                             .tb1 = 0x00,
                             .n = 1,
                             .historical = Bytes(15, 0x41)};
    CHECK(build_atr(too_long).error() == AtrError::too_long);
}

TEST_CASE("Round trip: every built ATR parses back to its configuration") {
    const std::vector<std::vector<std::uint8_t>> protocol_sets = {
        {0}, {1}, {0, 1}, {1, 0}, {0, 14}};
    const std::optional<std::uint8_t> ta1s[] = {std::nullopt, 0x11, 0x96, 0x18};
    const std::uint8_t ns[] = {0, 2, 255};
    const std::optional<SpecificMode> modes[] = {
        std::nullopt,
        SpecificMode{.protocol = 0, .can_change = true, .implicit_parameters = false},
        SpecificMode{.protocol = 1, .can_change = false, .implicit_parameters = true},
    };
    struct T1 {
        std::uint8_t ifsc, bwi, cwi;
        Edc edc;
    };
    const T1 t1s[] = {{32, 4, 13, Edc::lrc}, {254, 7, 5, Edc::crc}, {1, 0, 0, Edc::lrc}};
    const std::optional<ClassIndicator> classes[] = {
        std::nullopt, ClassIndicator{.classes = 0x03, .clock_stop = ClockStop::no_preference}};
    const Bytes historicals[] = {{}, text("JCOP"), Bytes(15, 0x5A)};

    const Convention conventions[] = {Convention::direct, Convention::inverse};
    const std::uint8_t wis[] = {10, 5};
    const bool explicits[] = {false, true};

    // Every combination, enumerated as a mixed-radix counter.
    const std::size_t combinations = std::size(conventions) * protocol_sets.size() *
                                     std::size(ta1s) * std::size(ns) * std::size(modes) *
                                     std::size(wis) * std::size(t1s) * std::size(classes) *
                                     std::size(historicals) * std::size(explicits);
    std::size_t count = 0;
    for (std::size_t k = 0; k < combinations; ++k) {
        std::size_t rest = k;
        const auto pick = [&rest](const auto& options) -> const auto& {
            const std::size_t index = rest % std::size(options);
            rest /= std::size(options);
            return options[index];
        };
        const Convention convention = pick(conventions);
        const auto& protocols = pick(protocol_sets);
        const auto ta1 = pick(ta1s);
        const std::uint8_t n = pick(ns);
        const auto& mode = pick(modes);
        const std::uint8_t wi = pick(wis);
        const T1& t1 = pick(t1s);
        const auto& indicator = pick(classes);
        const Bytes& historical = pick(historicals);
        const bool explicit_defaults = pick(explicits);
        const AtrConfig config{.convention = convention,
                               .protocols = protocols,
                               .ta1 = ta1,
                               .n = n,
                               .specific_mode = mode,
                               .wi = wi,
                               .ifsc = t1.ifsc,
                               .bwi = t1.bwi,
                               .cwi = t1.cwi,
                               .edc = t1.edc,
                               .class_indicator = indicator,
                               .spu = indicator ? std::optional<std::uint8_t>(0x00) : std::nullopt,
                               .explicit_defaults = explicit_defaults,
                               .historical = historical};
        const auto logical = build_atr(config);
        const auto wire = build_atr_wire(config);
        REQUIRE(logical.has_value());
        REQUIRE(wire.has_value());
        const auto atr = parse_atr(*logical);
        const auto from_wire = parse_atr_from_wire(*wire);
        if (!atr || !from_wire) {
            FAIL_CHECK("does not parse: ", tessera::to_hex(*logical, true), " ",
                       atr.error().message());
            continue;
        }
        ++count;
        CHECK(atr->convention == convention);
        CHECK(from_wire->convention == convention);
        CHECK(serialize_atr(*from_wire) == *logical);
        CHECK(atr->default_protocol == protocols.front());
        CHECK(atr->offers(protocols.front()));
        CHECK(atr->offers(protocols.back()));
        CHECK(atr->protocols.size() == protocols.size());
        CHECK(atr->ta(1) == ta1);
        const std::uint8_t ta1_value = ta1.value_or(0x11);
        CHECK(atr->fi == *fi_from_index(static_cast<std::uint8_t>(ta1_value >> 4)));
        CHECK(atr->di == *di_from_index(ta1_value & 0x0F));
        CHECK(atr->n == n);
        CHECK(atr->specific_mode == mode);
        CHECK(atr->wi == wi);
        const bool offers_t1 = atr->offers(1);
        CHECK(atr->ifsc == (offers_t1 ? t1.ifsc : kDefaultIfsc));
        CHECK(atr->bwi == (offers_t1 ? t1.bwi : kDefaultBwi));
        CHECK(atr->cwi == (offers_t1 ? t1.cwi : kDefaultCwi));
        CHECK(atr->edc == (offers_t1 ? t1.edc : Edc::lrc));
        CHECK(atr->class_indicator == indicator);
        CHECK(atr->historical == historical);
        CHECK(atr->tck.has_value() == (protocols != std::vector<std::uint8_t>{0} || indicator));
    }
    CHECK(count == combinations);
    CHECK(combinations == 2 * 5 * 4 * 3 * 3 * 2 * 3 * 2 * 3 * 2);
}
