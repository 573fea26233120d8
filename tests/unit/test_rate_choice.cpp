// The rate choice (ISO/IEC 7816-3:2006 6.3.1, 8.3, 9) against readers modelled on real
// CCID class descriptors from the reader corpus: which candidates, in which order, at
// which clock, what needs no PPS, specific mode, and the certification-minimum notes.
// Rates in comments are f x D / F rounded down.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <vector>

#include "iso7816/rate_choice.hpp"
#include "iso7816/tables.hpp"
#include "tests/support/reader_rates.hpp"

using namespace tessera;
using namespace tessera::iso7816;

namespace {

using tessera::test::kT0;
using tessera::test::kT1;
using tessera::test::scr3310;
using tessera::test::wants;

// SCR3310 (NTTCom): default 4.8 MHz, maximum 8 MHz, yet GET_CLOCK_FREQUENCIES lists 12 MHz.
ReaderRates scr3310_nttcom() {
    ReaderRates reader;
    reader.default_clock_khz = 4800;
    reader.max_clock_khz = 8000;
    reader.max_data_rate_bps = 412903;
    reader.clocks_khz = {4000, 4800, 6000, 8000, 12000};
    reader.data_rates_bps = {10752,  21505, 43010,  86021,  172043, 344086, 129032, 215053,
                             12903,  25806, 51612,  103225, 206451, 412903, 154838, 258064,
                             7168,   14336, 28673,  57347,  114695, 229390, 143369, 5376,
                             64516,  107526};
    return reader;
}

// A 3.58 MHz reader listing the nominal 9600-based rates (3.58 MHz / 372 = 9623.6).
ReaderRates nominal_9600_reader() {
    ReaderRates reader;
    reader.default_clock_khz = 3580;
    reader.max_clock_khz = 3580;
    reader.max_data_rate_bps = 115200;
    reader.data_rates_bps = {9600, 19200, 38400, 57600, 115200};
    return reader;
}

// Avtor SecureToken: 3.571 MHz, lists 115200 only (Fd/Dd's 9600 is missing).
ReaderRates avtor() {
    ReaderRates reader;
    reader.default_clock_khz = 3571;
    reader.max_clock_khz = 3571;
    reader.max_data_rate_bps = 115200;
    reader.data_rates_bps = {115200};
    return reader;
}

CardRates card(std::optional<std::uint8_t> ta1, std::uint16_t offered = kT0,
               std::uint8_t first = 0) {
    CardRates rates;
    if (ta1) {
        rates.ta1 = FiDi::from_byte(*ta1);
    }
    rates.offered_protocols = offered;
    rates.first_offered_protocol = first;
    return rates;
}

RatePlan plan_of(const CardRates& rates, const ReaderRates& reader,
                 const RateRequest& request = RateRequest{}) {
    auto plan = choose_rates(rates, reader, request);
    REQUIRE(plan.has_value());
    return *plan;
}

LinkChoice link(std::uint8_t protocol, std::uint8_t fi_di, std::uint32_t clock_khz,
                std::uint32_t bps, bool pps_needed = true) {
    return LinkChoice{protocol, FiDi::from_byte(fi_di), clock_khz, bps, pps_needed};
}

std::vector<std::uint8_t> pairs_of(const RatePlan& plan) {
    std::vector<std::uint8_t> pairs;
    for (const auto& candidate : plan.candidates) {
        pairs.push_back(candidate.fi_di.byte());
    }
    return pairs;
}

}  // namespace

namespace tessera::iso7816 {
std::ostream& operator<<(std::ostream& out, const LinkChoice& choice) {
    return out << "{T=" << int(choice.protocol) << " PPS1=" << std::hex
               << int(choice.fi_di.byte()) << std::dec << " " << choice.clock_khz << "kHz "
               << choice.bps << "bps" << (choice.pps_needed ? " PPS" : " no PPS") << "}";
}
}  // namespace tessera::iso7816

TEST_CASE("6.3.1: no TA1 and the first offered protocol: Fd/Dd, no PPS at all") {
    const auto plan = plan_of(card(std::nullopt), scr3310(), wants(kT0 | kT1));
    CHECK(plan.kind == PlanKind::negotiate);
    REQUIRE(plan.candidates.size() == 1);
    // 4 MHz / 372 = 10752
    CHECK(plan.candidates[0] == link(0, 0x11, 4000, 10752, false));
}

TEST_CASE("6.3.1: TA1 = 11 is Fd/Dd: nothing to negotiate with the default protocol") {
    const auto plan = plan_of(card(0x11, kT1, 1), scr3310(), wants(kT1));
    REQUIRE(plan.candidates.size() == 1);
    CHECK_FALSE(plan.candidates[0].pps_needed);
    CHECK_FALSE(plan.has(RateNote::card_ta1_not_reachable));
}

TEST_CASE("9.2: Fd/Dd with another protocol than the first offered needs a PPS without PPS1") {
    // Dual card, T=0 first; the caller wants T=1 only.
    const auto plan = plan_of(card(std::nullopt, kT0 | kT1, 0), scr3310(), wants(kT1));
    REQUIRE(plan.candidates.size() == 1);
    CHECK(plan.candidates[0] == link(1, 0x11, 4000, 10752, true));
    const PpsRequest request = pps_request_for(plan.candidates[0]);
    CHECK(request.protocol == 1);
    CHECK_FALSE(request.pps1.has_value());
    const auto bytes = build_pps_request(request);
    REQUIRE(bytes.has_value());
    CHECK(*bytes == Bytes{0xFF, 0x01, 0xFE});
}

TEST_CASE("TA1 = 96 on SCR3310: card's pair first, fastest first, clock within fmax 5 MHz") {
    // 8 MHz exceeds fmax (FI 9: 5 MHz), so every candidate runs at 4 MHz.
    const auto plan = plan_of(card(0x96, kT1, 1), scr3310(), wants(kT1));
    const std::vector<LinkChoice> expected = {
        link(1, 0x96, 4000, 250000),          // 512 / 32
        link(1, 0x19, 4000, 215053),          // 372 / 20
        link(1, 0x15, 4000, 172043),          // 372 / 16
        link(1, 0x11, 4000, 10752, false),    // Fd / Dd
    };
    CHECK(plan.candidates == expected);
    CHECK(plan.host_sends_pps);
    CHECK(plan.notes.empty());
}

TEST_CASE("D/F never above Di/Fi: F = 372 with D = 32 is not proposed to a 512/32 card") {
    RateRequest request = wants(kT1);
    request.max_pps_candidates = 100;
    const auto plan = plan_of(card(0x96, kT1, 1), scr3310(), request);
    const auto pairs = pairs_of(plan);
    CHECK(std::find(pairs.begin(), pairs.end(), 0x16) == pairs.end());  // 372/32 = 344086
    CHECK(std::find(pairs.begin(), pairs.end(), 0x17) == pairs.end());  // 372/64
    // 512/1 (7812) is slower than Fd/Dd: pointless, left out.
    CHECK(std::find(pairs.begin(), pairs.end(), 0x91) == pairs.end());
    // Everything from 512/2 upwards is there, with 372/D for D <= 20.
    // 250000, 215053, 172043, 156250, 129032, 125000, 93750, 86021, 62500, 43010, 31250,
    // 21505, 15625, then Fd/Dd
    const std::vector<std::uint8_t> expected = {0x96, 0x19, 0x15, 0x99, 0x18, 0x95, 0x98,
                                                0x14, 0x94, 0x13, 0x93, 0x12, 0x92, 0x11};
    CHECK(pairs == expected);
}

TEST_CASE("TA1 = 18 (372/12) and TA1 = 13 (372/4) on SCR3310") {
    const auto plan18 = plan_of(card(0x18, kT0 | kT1, 0), scr3310(), wants(kT0 | kT1));
    const std::vector<LinkChoice> expected18 = {
        link(0, 0x18, 4000, 129032),  // 4 MHz x 12 / 372
        link(0, 0x14, 4000, 86021),   // x 8
        link(0, 0x13, 4000, 43010),   // x 4
        link(0, 0x11, 4000, 10752, false),
    };
    CHECK(plan18.candidates == expected18);

    const auto plan13 = plan_of(card(0x13), scr3310(), wants(kT0));
    const std::vector<LinkChoice> expected13 = {
        link(0, 0x13, 4000, 43010),
        link(0, 0x12, 4000, 21505),
        link(0, 0x11, 4000, 10752, false),
    };
    CHECK(plan13.candidates == expected13);
}

TEST_CASE("TA1 = 95 (512/16) on SCR3310: 372/D only up to D/F <= 16/512") {
    RateRequest request = wants(kT1);
    request.max_pps_candidates = 100;
    const auto plan = plan_of(card(0x95, kT1, 1), scr3310(), request);
    const std::vector<std::uint8_t> expected = {0x95, 0x98, 0x14, 0x94, 0x13, 0x93, 0x12, 0x92,
                                                0x11};
    // 125000, 93750, 86021, 62500, 43010, 31250, 21505, 15625, Fd/Dd
    CHECK(pairs_of(plan) == expected);
}

TEST_CASE("Clock: never above dwMaximumClock even when the clock list and fmax allow more") {
    // TA1 = 58: Fi 1488, fmax 16 MHz, Di 12. The reader lists 12 MHz but its maximum is 8.
    RateRequest request = wants(kT0);
    request.max_pps_candidates = 100;
    const auto plan = plan_of(card(0x58), scr3310_nttcom(), request);
    REQUIRE(plan.candidates.size() >= 2);
    // 8 MHz x 12 / 1488 = 64516, listed.
    CHECK(plan.candidates[0] == link(0, 0x58, 8000, 64516));
    for (const auto& candidate : plan.candidates) {
        INFO(candidate);
        CHECK(candidate.clock_khz <= 8000);
        const auto fmax = fmax_khz_from_index(candidate.fi_di.fi_index);
        REQUIRE(fmax.has_value());
        CHECK(candidate.clock_khz <= *fmax);
    }
    // Fd/Dd runs at the highest clock within 5 MHz: 4.8 MHz / 372 = 12903.
    CHECK(plan.candidates.back() == link(0, 0x11, 4800, 12903, false));
}

TEST_CASE("Clock: the card's fmax caps the clock below the reader's maximum") {
    // TA1 = 96: fmax 5 MHz; SCR3310 (NTTCom) offers 4, 4.8, 6, 8: 4.8 MHz is the highest
    // allowed; 4.8 MHz x 32 / 512 = 300000 is not listed, 4 MHz x 32 / 512 = 250000 is not
    // either; 4.8 MHz x 20 / 372 = 258064 and 4.8 MHz x 16 / 372 = 206451 are.
    const auto plan = plan_of(card(0x96, kT1, 1), scr3310_nttcom(), wants(kT1));
    REQUIRE(plan.candidates.size() >= 2);
    CHECK(plan.candidates[0] == link(1, 0x19, 4800, 258064));
    CHECK(plan.candidates[1] == link(1, 0x15, 4800, 206451));
    CHECK(plan.has(RateNote::card_ta1_not_reachable));
    for (const auto& candidate : plan.candidates) {
        CHECK(candidate.clock_khz <= 5000);
    }
}

TEST_CASE("3.58 MHz reader listing 9600..115200: 372/12 gives 115200 to a 512/32 card") {
    const auto plan = plan_of(card(0x96, kT1, 1), nominal_9600_reader(), wants(kT1));
    const std::vector<LinkChoice> expected = {
        link(1, 0x18, 3580, 115483),  // 3.58 MHz x 12 / 372, 115200 + 0.25%
        link(1, 0x13, 3580, 38494),   // x 4, 38400 + 0.25%
        link(1, 0x12, 3580, 19247),   // x 2
        link(1, 0x11, 3580, 9623, false),
    };
    CHECK(plan.candidates == expected);
    CHECK(plan.has(RateNote::card_ta1_not_reachable));  // 223750 is above 115200
    CHECK_FALSE(plan.has(RateNote::default_rate_not_listed));
}

TEST_CASE("Tolerance: 512/16 at 3.58 MHz (111875) is 2.9% off 115200 and not offered") {
    const auto plan = plan_of(card(0x95, kT1, 1), nominal_9600_reader(), wants(kT1));
    const auto pairs = pairs_of(plan);
    CHECK(std::find(pairs.begin(), pairs.end(), 0x95) == pairs.end());
    CHECK(std::find(pairs.begin(), pairs.end(), 0x94) == pairs.end());  // 55937 vs 57600
    const std::vector<std::uint8_t> expected = {0x13, 0x12, 0x11};
    CHECK(pairs == expected);
}

TEST_CASE("Tolerance: a listed rate matches within 1% and not beyond") {
    // TA1 = 13 at 4 MHz: 43010.75 bps. 1% of 43440 is 434.4 (difference 429.25: in);
    // 1% of 43450 is 434.5 (difference 439.25: out).
    ReaderRates reader;
    reader.default_clock_khz = 4000;
    reader.max_clock_khz = 4000;
    reader.max_data_rate_bps = 100000;
    reader.data_rates_bps = {10753, 43440};
    CHECK(pairs_of(plan_of(card(0x13), reader, wants(kT0))) == std::vector<std::uint8_t>{0x13, 0x11});
    reader.data_rates_bps = {10753, 43450};
    CHECK(pairs_of(plan_of(card(0x13), reader, wants(kT0))) == std::vector<std::uint8_t>{0x11});
    // Below the rate: 1% of 42590 is 425.9 (difference 420.75: in); 42580 is out.
    reader.data_rates_bps = {10753, 42590};
    CHECK(pairs_of(plan_of(card(0x13), reader, wants(kT0))) == std::vector<std::uint8_t>{0x13, 0x11});
    reader.data_rates_bps = {10753, 42580};
    CHECK(pairs_of(plan_of(card(0x13), reader, wants(kT0))) == std::vector<std::uint8_t>{0x11});
}

TEST_CASE("Tolerance: dwMaxDataRate 344064 admits 4 MHz x 32 / 372 = 344086; 340000 does not") {
    ReaderRates reader;  // ATMEL AT90SCR050: 4 MHz, dwMaxDataRate 344064, no list here
    reader.default_clock_khz = 4000;
    reader.max_clock_khz = 4000;
    reader.max_data_rate_bps = 344064;
    CHECK(plan_of(card(0x16, kT1, 1), reader, wants(kT1)).candidates[0] ==
          link(1, 0x16, 4000, 344086));
    reader.max_data_rate_bps = 340000;
    CHECK(plan_of(card(0x16, kT1, 1), reader, wants(kT1)).candidates[0].fi_di == FiDi{1, 9});
}

TEST_CASE("A 4 MHz reader listing 9600-based rates runs none of the card's pairs") {
    ReaderRates reader;  // ActivCard-like: 4 MHz, but 9600-based rates
    reader.default_clock_khz = 4000;
    reader.max_clock_khz = 4000;
    reader.max_data_rate_bps = 115200;
    reader.data_rates_bps = {9600, 19200, 38400, 57600, 115200};
    const auto plan = plan_of(card(0x18), reader, wants(kT0));
    REQUIRE(plan.candidates.size() == 1);
    // The card already runs Fd/Dd after its ATR: kept, and noted.
    CHECK(plan.candidates[0] == link(0, 0x11, 4000, 10752, false));
    CHECK(plan.has(RateNote::default_rate_not_listed));
    CHECK(plan.has(RateNote::card_ta1_not_reachable));
}

TEST_CASE("Avtor 3.571 MHz: 372/12 matches its only rate 115200; flagged below 3.5795 MHz") {
    const auto plan = plan_of(card(0x18, kT1, 1), avtor(), wants(kT1));
    const std::vector<LinkChoice> expected = {
        link(1, 0x18, 3571, 115193),  // 3.571 MHz x 12 / 372
        link(1, 0x11, 3571, 9599, false),
    };
    CHECK(plan.candidates == expected);
    CHECK(plan.has(RateNote::reader_clock_below_minimum));
    CHECK(plan.has(RateNote::default_rate_not_listed));
    CHECK_FALSE(plan.has(RateNote::reader_rate_below_minimum));
}

TEST_CASE("Certification minimums: flagged, never a reason to refuse") {
    ReaderRates slow;
    slow.default_clock_khz = 3000;
    slow.max_clock_khz = 3000;
    slow.max_data_rate_bps = 8064;  // 3 MHz / 372
    const auto plan = plan_of(card(0x13), slow, wants(kT0));
    CHECK(plan.has(RateNote::reader_clock_below_minimum));
    CHECK(plan.has(RateNote::reader_rate_below_minimum));
    REQUIRE(plan.candidates.size() == 1);
    CHECK(plan.candidates[0] == link(0, 0x11, 3000, 8064, false));

    ReaderRates at_minimum;  // 3.58 MHz >= 3.5795 MHz, 9600 bps >= 9600 bps
    at_minimum.default_clock_khz = 3580;
    at_minimum.max_clock_khz = 3580;
    at_minimum.max_data_rate_bps = 9600;
    const auto fine = plan_of(card(std::nullopt), at_minimum, wants(kT0));
    CHECK_FALSE(fine.has(RateNote::reader_clock_below_minimum));
    CHECK_FALSE(fine.has(RateNote::reader_rate_below_minimum));
    // 3.58 MHz / 372 = 9623, within 1% of dwMaxDataRate 9600: not a note either.
    CHECK_FALSE(fine.has(RateNote::default_rate_not_listed));

    ReaderRates just_below = at_minimum;
    just_below.default_clock_khz = 3579;
    just_below.max_clock_khz = 3579;
    just_below.max_data_rate_bps = 9599;
    const auto flagged = plan_of(card(std::nullopt), just_below, wants(kT0));
    CHECK(flagged.has(RateNote::reader_clock_below_minimum));
    CHECK(flagged.has(RateNote::reader_rate_below_minimum));
}

TEST_CASE("No reader clock within fmax: Fd/Dd at the reader's default clock, noted") {
    // TA1 = 04: Fi 372 with fmax 4 MHz, Di 8; the reader only runs at 4.8 MHz.
    ReaderRates reader;
    reader.default_clock_khz = 4800;
    reader.max_clock_khz = 4800;
    reader.max_data_rate_bps = 825806;
    const auto plan = plan_of(card(0x04), reader, wants(kT0));
    REQUIRE(plan.candidates.size() == 1);
    CHECK(plan.candidates[0] == link(0, 0x11, 4800, 12903, false));
    CHECK(plan.has(RateNote::no_clock_within_card_fmax));
    CHECK(plan.has(RateNote::card_ta1_not_reachable));
}

TEST_CASE("FI = 0 keeps its own nibble: 372 with fmax 4 MHz, not FI = 1") {
    const auto plan = plan_of(card(0x04), scr3310(), wants(kT0));
    REQUIRE(plan.candidates.size() >= 2);
    CHECK(plan.candidates[0] == link(0, 0x04, 4000, 86021));  // 4 MHz x 8 / 372
}

TEST_CASE("Empty clock list: the default and maximum clocks (CCID 5.1)") {
    // TA1 = 38: Fi 744, fmax 8 MHz, Di 12. SCR3310 offers 4 and 8 MHz: 8 MHz x 12 / 744.
    const auto plan = plan_of(card(0x38), scr3310(), wants(kT0));
    CHECK(plan.candidates[0] == link(0, 0x38, 8000, 129032));
}

TEST_CASE("Cap: at most max_pps_candidates PPS attempts per protocol before Fd/Dd") {
    // TA1 = D8: Fi 2048, fmax 20 MHz, Di 12: dozens of pairs in range.
    const auto plan = plan_of(card(0xD8), scr3310(), wants(kT0));
    CHECK(plan.candidates.size() == 4);
    CHECK(plan.candidates.back().fi_di == kDefaultFiDi);
    RateRequest none = wants(kT0);
    none.max_pps_candidates = 0;
    CHECK(plan_of(card(0xD8), scr3310(), none).candidates.size() == 1);
    RateRequest all = wants(kT0);
    all.max_pps_candidates = 1000;
    // 19 pairs faster than Fd/Dd: 24 in range with D >= 2, minus five that are not
    // faster (1488/2, 1536/2, 1860/2, 2048/2 at 8 MHz and 768/2 at 4 MHz).
    CHECK(plan_of(card(0xD8), scr3310(), all).candidates.size() == 20);
}

TEST_CASE("Dual T=0/T=1 card: the first offered protocol first, and its Fd/Dd ends the plan") {
    const auto both = plan_of(card(0x13, kT0 | kT1, 0), scr3310(), wants(kT0 | kT1));
    for (const auto& candidate : both.candidates) {
        CHECK(candidate.protocol == 0);
    }
    CHECK_FALSE(both.candidates.back().pps_needed);

    // T=1 first (TD1 says T=1): T=1 first.
    const auto t1_first = plan_of(card(0x13, kT0 | kT1, 1), scr3310(), wants(kT0 | kT1));
    CHECK(t1_first.candidates.front().protocol == 1);
    CHECK_FALSE(t1_first.candidates.back().pps_needed);

    // T=1 only, card's default is T=0: every entry needs a PPS, T=1 throughout.
    const auto t1_only = plan_of(card(0x13, kT0 | kT1, 0), scr3310(), wants(kT1));
    const std::vector<LinkChoice> expected = {
        link(1, 0x13, 4000, 43010),
        link(1, 0x12, 4000, 21505),
        link(1, 0x11, 4000, 10752, true),
    };
    CHECK(t1_only.candidates == expected);
}

TEST_CASE("A card whose default protocol is not requested: its other protocol, then none") {
    // T=1 default, T=0 also offered, the caller accepts T=0 only: T=0 at Fd/Dd needs a PPS.
    const auto plan = plan_of(card(std::nullopt, kT0 | kT1, 1), scr3310(), wants(kT0));
    REQUIRE(plan.candidates.size() == 1);
    CHECK(plan.candidates[0] == link(0, 0x11, 4000, 10752, true));
    CHECK(choose_rates(card(std::nullopt, kT0, 0), scr3310(), wants(kT1)).error() ==
          RateChoiceError::no_common_protocol);
}

TEST_CASE("Reader does the PPS: same candidates, host sends no PPS bytes") {
    ReaderRates reader = scr3310();
    reader.pps_by = PpsBy::reader;
    const auto plan = plan_of(card(0x96, kT1, 1), reader, wants(kT1));
    CHECK_FALSE(plan.host_sends_pps);
    CHECK(plan.candidates == plan_of(card(0x96, kT1, 1), scr3310(), wants(kT1)).candidates);
}

TEST_CASE("Invalid inputs: reserved TA1, T=15, a reader without clock") {
    CHECK(choose_rates(card(0x71), scr3310(), wants(kT0)).error() == RateChoiceError::reserved_fi);
    CHECK(choose_rates(card(0x9A), scr3310(), wants(kT0)).error() == RateChoiceError::reserved_di);
    CHECK(choose_rates(card(0x90), scr3310(), wants(kT0)).error() == RateChoiceError::reserved_di);
    CHECK(choose_rates(card(std::nullopt, kT0, 15), scr3310(), wants(kT0)).error() ==
          RateChoiceError::invalid_protocol);
    ReaderRates dead;
    dead.default_clock_khz = 0;
    dead.max_clock_khz = 0;
    CHECK(choose_rates(card(0x96), dead, wants(kT0)).error() ==
          RateChoiceError::reader_without_clock);
}

TEST_CASE("Specific mode (TA2 b5 = 0): TA1's F/D and TA2's protocol, no PPS") {
    CardRates rates = card(0x13, kT0 | kT1, 0);
    rates.specific = SpecificMode::from_ta2(0x01);  // T=1, can change, explicit
    const auto plan = plan_of(rates, scr3310(), wants(kT0 | kT1));
    CHECK(plan.kind == PlanKind::use_specific);
    REQUIRE(plan.candidates.size() == 1);
    CHECK(plan.candidates[0] == link(1, 0x13, 4000, 43010, false));
    CHECK_FALSE(may_send_pps(rates, 0));

    CardRates no_ta1 = card(std::nullopt, kT1, 1);
    no_ta1.specific = SpecificMode::from_ta2(0x81);
    const auto defaults = plan_of(no_ta1, scr3310(), wants(kT1));
    CHECK(defaults.kind == PlanKind::use_specific);
    CHECK(defaults.candidates[0] == link(1, 0x11, 4000, 10752, false));
}

TEST_CASE("Specific mode beyond the reader: warm reset if b8 = 0, else an error") {
    // TA1 = 97: 4 MHz x 64 / 512 = 500000 > dwMaxDataRate 344105.
    CardRates rates = card(0x97, kT1, 1);
    rates.specific = SpecificMode::from_ta2(0x01);
    const auto plan = plan_of(rates, scr3310(), wants(kT1));
    CHECK(plan.kind == PlanKind::warm_reset);
    CHECK(plan.candidates.empty());
    CHECK(plan.has(RateNote::specific_parameters_unsupported));

    RateRequest again = wants(kT1);
    again.warm_reset_done = true;
    CHECK(choose_rates(rates, scr3310(), again).error() ==
          RateChoiceError::specific_parameters_unsupported);

    rates.specific = SpecificMode::from_ta2(0x81);
    CHECK(choose_rates(rates, scr3310(), wants(kT1)).error() ==
          RateChoiceError::specific_parameters_unsupported);
}

TEST_CASE("Specific mode with implicit parameters (TA2 b5 = 1): never used as is") {
    CardRates rates = card(0x13, kT1, 1);
    rates.specific = SpecificMode::from_ta2(0x11);
    CHECK(rates.specific->implicit_parameters);
    const auto plan = plan_of(rates, scr3310(), wants(kT1));
    CHECK(plan.kind == PlanKind::warm_reset);
    CHECK(plan.has(RateNote::specific_implicit_parameters));

    rates.specific = SpecificMode::from_ta2(0x91);
    CHECK_FALSE(rates.specific->can_change);
    CHECK(choose_rates(rates, scr3310(), wants(kT1)).error() ==
          RateChoiceError::specific_implicit_parameters);
}

TEST_CASE("Specific mode with a protocol the caller did not request") {
    CardRates rates = card(0x13, kT0 | kT1, 0);
    rates.specific = SpecificMode::from_ta2(0x01);
    const auto plan = plan_of(rates, scr3310(), wants(kT0));
    CHECK(plan.kind == PlanKind::warm_reset);
    CHECK(plan.has(RateNote::specific_protocol_not_requested));
    rates.specific = SpecificMode::from_ta2(0x81);
    CHECK(choose_rates(rates, scr3310(), wants(kT0)).error() ==
          RateChoiceError::specific_protocol_not_requested);
    rates.specific = SpecificMode::from_ta2(0x0F);
    CHECK(choose_rates(rates, scr3310(), wants(kT0)).error() == RateChoiceError::invalid_protocol);
}

TEST_CASE("TA2 decoding: b8 can-change (0 = capable), b5 implicit, b4..b1 T") {
    CHECK(SpecificMode::from_ta2(0x00).can_change);
    CHECK_FALSE(SpecificMode::from_ta2(0x80).can_change);
    CHECK_FALSE(SpecificMode::from_ta2(0x01).implicit_parameters);
    CHECK(SpecificMode::from_ta2(0x10).implicit_parameters);
    CHECK(SpecificMode::from_ta2(0x91).protocol == 1);
}

TEST_CASE("9.1: PPS only as the first exchange after the ATR, only in negotiable mode") {
    CardRates negotiable = card(0x96);
    CHECK(may_send_pps(negotiable, 0));
    CHECK_FALSE(may_send_pps(negotiable, 1));
    CardRates specific = negotiable;
    specific.specific = SpecificMode::from_ta2(0x00);
    CHECK_FALSE(may_send_pps(specific, 0));
}

TEST_CASE("9.3: the link after a PPS: the candidate if PPS1 echoed, else Fd/Dd at its clock") {
    const auto plan = plan_of(card(0x38), scr3310(), wants(kT0));
    const LinkChoice tried = plan.candidates[0];  // 744/12 at 8 MHz
    REQUIRE(tried.clock_khz == 8000);
    PpsOutcome echoed;
    echoed.protocol = 0;
    echoed.fi_di = tried.fi_di;
    echoed.pps1_echoed = true;
    CHECK(link_after_pps(plan, tried, echoed) == tried);

    PpsOutcome partial;
    partial.acceptance = PpsAcceptance::partial;
    partial.protocol = 0;
    // Fd/Dd must not stay at 8 MHz (FI 1 allows 5 MHz): the plan's Fd/Dd clock, 4 MHz.
    const LinkChoice after = link_after_pps(plan, tried, partial);
    CHECK(after.fi_di == kDefaultFiDi);
    CHECK(after.clock_khz == 4000);
    CHECK(after.bps == 10752);
    CHECK(after.link_rate().fi == 372);
    CHECK(after.link_rate().di == 1);
    CHECK(after.link_rate().clock_hz == 4'000'000u);
}

TEST_CASE("Every TA1 on several readers: the plan's invariants hold") {
    const ReaderRates readers[] = {scr3310(), scr3310_nttcom(), nominal_9600_reader(), avtor()};
    for (const auto& reader : readers) {
        for (unsigned byte = 0; byte < 256; ++byte) {
            const FiDi ta1 = FiDi::from_byte(static_cast<std::uint8_t>(byte));
            const auto f = fi_from_index(ta1.fi_index);
            const auto d = di_from_index(ta1.di_index);
            const auto result = choose_rates(card(static_cast<std::uint8_t>(byte)), reader,
                                             wants(kT0));
            if (!f || !d) {
                CHECK_FALSE(result.has_value());
                continue;
            }
            REQUIRE(result.has_value());
            const auto& candidates = result->candidates;
            INFO("TA1 = ", byte, " reader ", reader.default_clock_khz);
            REQUIRE_FALSE(candidates.empty());
            CHECK(candidates.back().fi_di == kDefaultFiDi);
            CHECK_FALSE(candidates.back().pps_needed);
            const std::uint32_t fmax = *fmax_khz_from_index(ta1.fi_index);
            for (std::size_t i = 0; i + 1 < candidates.size(); ++i) {
                const auto& candidate = candidates[i];
                INFO(candidate);
                const std::uint16_t cf = *fi_from_index(candidate.fi_di.fi_index);
                const std::uint8_t cd = *di_from_index(candidate.fi_di.di_index);
                CHECK(candidate.pps_needed);
                CHECK(cf <= *f);
                CHECK(cd <= *d);
                CHECK(std::uint32_t{cd} * *f <= std::uint32_t{*d} * cf);
                CHECK(candidate.clock_khz <= fmax);
                CHECK(candidate.clock_khz <= reader.max_clock_khz);
                CHECK(candidate.bps > candidates.back().bps);
                if (i > 0) {
                    CHECK(candidate.bps <= candidates[i - 1].bps);
                }
                const auto runs = reader.data_rates_bps.empty() ||
                                  std::any_of(reader.data_rates_bps.begin(),
                                              reader.data_rates_bps.end(), [&](std::uint32_t r) {
                                                  return candidate.bps + r / 100 + 1 >= r &&
                                                         candidate.bps <= r + r / 100;
                                              });
                CHECK(runs);
            }
        }
    }
}

TEST_CASE("CardRates::fmax_khz: the card's fmax when TA1 is not used (a defined FI, reserved DI)") {
    // ATR TA1 00 (FI 0: Fi 372, fmax 4 MHz; DI 0 reserved): no TA1 for rates, fmax 4 MHz.
    ReaderRates reader;
    reader.default_clock_khz = 4000;
    reader.max_clock_khz = 4800;
    reader.max_data_rate_bps = 20000;
    reader.clocks_khz = {4000, 4800};
    CardRates rates = card(std::nullopt);
    CHECK(plan_of(rates, reader).candidates == std::vector{link(0, 0x11, 4800, 12903, false)});
    rates.fmax_khz = 4000;
    CHECK(plan_of(rates, reader).candidates == std::vector{link(0, 0x11, 4000, 10752, false)});
    // With a usable TA1 the same fmax changes nothing: TA1's own FI already says it.
    CardRates with_ta1 = card(0x13);
    with_ta1.fmax_khz = *fmax_khz_from_index(1);
    CHECK(plan_of(with_ta1, scr3310()).candidates == plan_of(card(0x13), scr3310()).candidates);
}
