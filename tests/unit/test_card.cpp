// sim::Card through the whole core: the card's wire ATR read as a reader reads it
// (convention from TS, ISO 7816-3 8.1), parsed (8.2), the rates chosen for a reader
// (iso7816::choose_rates), the PPS exchange (9) with the fallback order of rate_choice.hpp,
// then exchanges at the negotiated protocol: T=0 (10) through t0::Engine at character
// level and through the card's own TPDU level, T=1 (11) through t1::Engine, and whole
// APDUs. Plus power (6: cold and warm reset, deactivation) and every fault CardConfig
// exposes. Expected bytes are worked out from the specification in the comments beside
// them, never taken from a run.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "iso7816/atr.hpp"
#include "base/bytes.hpp"
#include "iso7816/convention.hpp"
#include "iso7816/pps.hpp"
#include "iso7816/rate_choice.hpp"
#include "iso7816/step.hpp"
#include "t0/engine.hpp"
#include "t1/block.hpp"
#include "t1/engine.hpp"
#include "tests/sim/card.hpp"

using namespace tessera;
using iso7816::Convention;
using iso7816::FiDi;
using iso7816::LinkChoice;
using iso7816::PlanKind;
using iso7816::PpsError;
using sim::Card;
using sim::CardConfig;
using sim::CardFault;
using sim::CardLink;
using sim::PpsBehaviour;
using sim::T1Fault;

namespace {

constexpr std::uint16_t kT0 = 0x0001;
constexpr std::uint16_t kT1 = 0x0002;

Bytes hex(std::string_view text) {
    auto bytes = parse_hex(text);
    REQUIRE(bytes.has_value());
    return *bytes;
}

Bytes concat(Bytes first, const Bytes& second) {
    first.insert(first.end(), second.begin(), second.end());
    return first;
}

// byte[i] = i & 0xFF: the initial content of the application's EFs (application.hpp).
Bytes pattern(std::size_t offset, std::size_t count) {
    Bytes bytes(count);
    for (std::size_t i = 0; i < count; ++i) {
        bytes[i] = static_cast<std::uint8_t>((offset + i) & 0xFF);
    }
    return bytes;
}

Bytes ramp_down(std::size_t count) {
    Bytes bytes(count);
    for (std::size_t i = 0; i < count; ++i) {
        bytes[i] = static_cast<std::uint8_t>(0xFF - (i & 0xFF));
    }
    return bytes;
}

const Bytes kSw9000{0x90, 0x00};

std::unique_ptr<Card> make_card(CardConfig config) {
    auto card = Card::create(std::move(config));
    REQUIRE(card.has_value());
    return std::move(*card);
}

// ---- The cards -----------------------------------------------------------------------

// A T=1 card: TA1 = 96 (Fi 512, Di 32), IFSC 254, BWI 4, CWI 5, historical "TESS".
// ISO 7816-3 8.2: TS 3B; T0 94 (TA1, TD1; K = 4); TA1 96; TD1 81 (TD2; T=1);
// TD2 31 (TA3, TB3; T=1); TA3 FE (IFSC); TB3 45 (BWI 4, CWI 5); 54 45 53 53; TCK = XOR of
// T0 .. last historical byte = 18 (8.2.5).
const char* const kT1Atr = "3B 94 96 81 31 FE 45 54 45 53 53 18";

CardConfig t1_card() {
    CardConfig config;
    config.atr.protocols = {1};
    config.atr.ta1 = 0x96;
    config.atr.ifsc = 254;
    config.atr.cwi = 5;
    config.atr.historical = {0x54, 0x45, 0x53, 0x53};
    return config;
}

// A T=0 card in inverse convention: TA1 = 13 (Fi 372, Di 4), historical 01 02.
// Logical: TS 3F; T0 12 (TA1; K = 2); TA1 13; 01 02; no TCK (only T=0, 8.2.5).
// On the wire, each byte bit-reversed and complemented (8.1): 3F -> 03, 12 -> B7,
// 13 -> 37, 01 -> 7F, 02 -> BF.
const char* const kInverseAtr = "3F 12 13 01 02";
const char* const kInverseAtrWire = "03 B7 37 7F BF";

CardConfig inverse_t0_card() {
    CardConfig config;
    config.atr.convention = Convention::inverse;
    config.atr.protocols = {0};
    config.atr.ta1 = 0x13;
    config.atr.historical = {0x01, 0x02};
    return config;
}

// A direct-convention T=0 card without TA1: 3B 00, nothing to negotiate.
CardConfig plain_t0_card() {
    CardConfig config;
    config.atr.protocols = {0};
    return config;
}

// A specific-mode T=1 card: TA1 = 18 (Fi 372, Di 12), TA2 = `ta2`.
// TS 3B; T0 90 (TA1, TD1; K = 0); TA1 18; TD1 11 (TA2; T=1); TA2; TCK.
CardConfig specific_t1_card(bool can_change) {
    CardConfig config;
    config.atr.protocols = {1};
    config.atr.ta1 = 0x18;
    config.atr.specific_mode = iso7816::SpecificMode{};
    config.atr.specific_mode->protocol = 1;
    config.atr.specific_mode->can_change = can_change;
    config.atr.specific_mode->implicit_parameters = false;
    return config;
}

// ---- The reader side, as the core runs it --------------------------------------------

// SCR3310: dwDefaultClock 4 MHz, dwMaximumClock 8 MHz, dwMaxDataRate 344105, no lists.
iso7816::ReaderRates scr3310() {
    iso7816::ReaderRates reader;
    reader.default_clock_khz = 4000;
    reader.max_clock_khz = 8000;
    reader.max_data_rate_bps = 344105;
    return reader;
}

// A 4 MHz reader that runs at most 115200 bps.
iso7816::ReaderRates slow_reader() {
    iso7816::ReaderRates reader;
    reader.default_clock_khz = 4000;
    reader.max_clock_khz = 4000;
    reader.max_data_rate_bps = 115200;
    return reader;
}

iso7816::RateRequest wants(std::uint16_t protocols) {
    iso7816::RateRequest request;
    request.protocols = protocols;
    return request;
}

// What a reader reads off the contacts: the convention from the first byte, then the
// decoded ATR.
iso7816::Atr read_atr(const Bytes& wire) {
    REQUIRE_FALSE(wire.empty());
    const auto convention = iso7816::convention_from_raw_ts(wire.front());
    REQUIRE(convention.has_value());
    auto atr = iso7816::parse_atr(iso7816::convert_for_convention(wire, *convention));
    REQUIRE(atr.has_value());
    CHECK(atr->convention == *convention);
    return *atr;
}

iso7816::CardRates rates_of(const iso7816::Atr& atr) {
    iso7816::CardRates rates;
    if (const auto ta1 = atr.ta(1)) {
        rates.ta1 = FiDi::from_byte(*ta1);
    }
    rates.specific = atr.specific_mode;
    rates.offered_protocols = 0;
    for (const std::uint8_t protocol : atr.protocols) {
        rates.offered_protocols = static_cast<std::uint16_t>(rates.offered_protocols | 1u << protocol);
    }
    rates.first_offered_protocol = atr.default_protocol;
    return rates;
}

struct Negotiation {
    std::vector<Bytes> atrs;  // every wire ATR read, in order
    iso7816::Atr atr;         // the last one, parsed
    std::optional<LinkChoice> link;
    std::error_code error;
    std::vector<Bytes> requests;
    std::vector<Bytes> answers;
    std::vector<std::error_code> faults;
    std::size_t cold_resets = 0;
    bool warm_reset = false;
};

// Cold reset, ATR, plan, PPS (or none), and on a refused or wrong answer a new cold reset
// and the plan's next candidate; a warm reset first when the plan says so.
Negotiation negotiate(Card& card, const iso7816::ReaderRates& reader,
                      iso7816::RateRequest request) {
    Negotiation result;
    card.cold_reset();
    result.atrs.push_back(card.atr_wire());
    result.atr = read_atr(result.atrs.back());
    auto plan = iso7816::choose_rates(rates_of(result.atr), reader, request);
    if (plan && plan->kind == PlanKind::warm_reset) {
        card.warm_reset();
        result.warm_reset = true;
        result.atrs.push_back(card.atr_wire());
        result.atr = read_atr(result.atrs.back());
        request.warm_reset_done = true;
        plan = iso7816::choose_rates(rates_of(result.atr), reader, request);
    }
    if (!plan) {
        result.error = plan.error();
        return result;
    }
    if (plan->kind == PlanKind::use_specific) {
        result.link = plan->candidates.front();
        return result;
    }
    for (std::size_t i = 0; i < plan->candidates.size(); ++i) {
        if (i > 0) {
            card.cold_reset();
            ++result.cold_resets;
            result.atrs.push_back(card.atr_wire());
            result.atr = read_atr(result.atrs.back());
        }
        const LinkChoice& candidate = plan->candidates[i];
        if (!candidate.pps_needed) {
            result.link = candidate;
            return result;
        }
        REQUIRE(card.pps_window_open());
        const iso7816::PpsRequest pps = iso7816::pps_request_for(candidate);
        const auto bytes = iso7816::build_pps_request(pps);
        REQUIRE(bytes.has_value());
        result.requests.push_back(*bytes);
        result.answers.push_back(card.answer_pps(*bytes));
        const auto outcome = iso7816::validate_pps_response(pps, result.answers.back());
        if (outcome) {
            result.link = iso7816::link_after_pps(*plan, candidate, *outcome);
            return result;
        }
        result.faults.push_back(outcome.error());
    }
    return result;
}

CardLink card_view(const LinkChoice& link) { return CardLink{link.protocol, link.fi_di}; }

// ---- T=0 at character level: a faithful reader hands the engine one burst per Transmit

struct T0Exchange {
    std::vector<std::string> trace;  // "> bytes sent", "< burst" or "< timeout"
    Step outcome = Failed{};
    std::optional<t0::Diagnostics> failure;

    bool completed() const { return std::holds_alternative<Complete>(outcome); }
    const Bytes& response() const { return std::get<Complete>(outcome).response; }
    std::error_code error() const {
        const auto* failed = std::get_if<Failed>(&outcome);
        return failed ? failed->error : std::error_code();
    }
};

T0Exchange run_t0(Card& card, ByteView apdu, t0::Config config = {}) {
    t0::Engine engine(std::move(config));
    T0Exchange exchange;
    Step step = engine.start(apdu);
    for (int turn = 0; turn < 10'000; ++turn) {
        const auto* transmit = std::get_if<Transmit>(&step);
        if (transmit == nullptr) {
            break;
        }
        exchange.trace.push_back("> " + to_hex(transmit->bytes));
        card.t0_receive(transmit->bytes);
        const auto burst = card.t0_next_burst();
        exchange.trace.push_back(burst ? "< " + to_hex(*burst) : "< timeout");
        step = burst ? engine.on_received(*burst) : engine.on_timeout();
    }
    REQUIRE_FALSE(std::holds_alternative<Transmit>(step));
    exchange.outcome = std::move(step);
    exchange.failure = engine.last_failure();
    return exchange;
}

// ---- T=1: the engine's blocks to the card, the card's blocks back ----------------------

struct T1Exchange {
    std::vector<std::string> trace;   // "> 00C101FE3E", "< 00E101FE1E", "< none"
    std::vector<std::string> blocks;  // decoded: "> S(IFS request FE)", "< I(0) 4 bytes"
    Step outcome = Failed{};

    bool completed() const { return std::holds_alternative<Complete>(outcome); }
    const Bytes& response() const { return std::get<Complete>(outcome).response; }
    std::error_code error() const {
        const auto* failed = std::get_if<Failed>(&outcome);
        return failed ? failed->error : std::error_code();
    }
    std::size_t count(std::string_view line) const {
        return static_cast<std::size_t>(std::count(blocks.begin(), blocks.end(), line));
    }
};

std::string decode(ByteView bytes, t1::EdcType edc) {
    const auto block = t1::parse_block(bytes, edc);
    return block ? t1::describe_block(*block) : "damaged";
}

T1Exchange run_t1(Card& card, t1::Engine& engine, ByteView apdu,
                  t1::EdcType edc = t1::EdcType::lrc) {
    T1Exchange exchange;
    Step step = engine.start(apdu);
    for (int turn = 0; turn < 20'000; ++turn) {
        const auto* transmit = std::get_if<Transmit>(&step);
        if (transmit == nullptr) {
            break;
        }
        exchange.trace.push_back("> " + to_hex(transmit->bytes));
        exchange.blocks.push_back("> " + decode(transmit->bytes, edc));
        const auto answer = card.t1_block(transmit->bytes);
        exchange.trace.push_back(answer ? "< " + to_hex(*answer) : "< none");
        exchange.blocks.push_back(answer ? "< " + decode(*answer, edc) : "< none");
        step = answer ? engine.on_received(*answer) : engine.on_timeout();
    }
    REQUIRE_FALSE(std::holds_alternative<Transmit>(step));
    exchange.outcome = std::move(step);
    return exchange;
}

// The device side configured from the parsed ATR and the negotiated link (11.4).
t1::Config t1_device(const iso7816::Atr& atr, const LinkChoice& link) {
    t1::Config config;
    config.ifsc = atr.ifsc;
    config.edc = atr.edc == iso7816::Edc::crc ? t1::EdcType::crc : t1::EdcType::lrc;
    config.bwi = atr.bwi;
    config.cwi = atr.cwi;
    config.extra_guard_time = atr.n;
    config.rate = link.link_rate();
    return config;
}

std::string join(const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) {
        text += line + "\n";
    }
    return text;
}

// Command APDUs of the application (application.hpp).
const char* const kSelectAid = "00 A4 04 00 08 A0 00 00 05 27 54 45 53";

Bytes echo_command(const Bytes& data, bool extended) {
    Bytes apdu = hex("80 EE 00 00");
    if (extended) {
        apdu.push_back(0x00);
        apdu.push_back(static_cast<std::uint8_t>(data.size() >> 8));
        apdu.push_back(static_cast<std::uint8_t>(data.size()));
        apdu.insert(apdu.end(), data.begin(), data.end());
        apdu.push_back(0x00);  // Le 0000 = 65536 (ISO 7816-4 5.1)
        apdu.push_back(0x00);
    } else {
        apdu.push_back(static_cast<std::uint8_t>(data.size()));
        apdu.insert(apdu.end(), data.begin(), data.end());
        apdu.push_back(0x00);  // Le 00 = 256
    }
    return apdu;
}

}  // namespace

// ==== ATR and convention ================================================================

TEST_CASE("direct convention: the wire ATR is the logical ATR, parsed as the card announced") {
    auto card = make_card(t1_card());
    CHECK(card->cold_reset() == hex(kT1Atr));
    CHECK(card->atr_wire() == hex(kT1Atr));
    const iso7816::Atr atr = read_atr(card->atr_wire());
    CHECK(atr.convention == Convention::direct);
    CHECK(atr.protocols == std::vector<std::uint8_t>{1});
    CHECK(atr.fi == 512);
    CHECK(atr.di == 32);
    CHECK(atr.ifsc == 254);
    CHECK(atr.bwi == 4);
    CHECK(atr.cwi == 5);
    CHECK(atr.historical == hex("54 45 53 53"));
    CHECK(atr.tck == std::optional<std::uint8_t>(0x18));
    CHECK(card->convention() == Convention::direct);
}

TEST_CASE("inverse convention: TS arrives as 03 and every byte decodes to the logical ATR") {
    auto card = make_card(inverse_t0_card());
    CHECK(card->cold_reset() == hex(kInverseAtr));
    CHECK(card->atr() == hex(kInverseAtr));
    CHECK(card->atr_wire() == hex(kInverseAtrWire));
    CHECK(iso7816::convention_from_raw_ts(card->atr_wire().front()) == Convention::inverse);
    const iso7816::Atr atr = read_atr(card->atr_wire());
    CHECK(atr.convention == Convention::inverse);
    CHECK(atr.ts == 0x3F);
    CHECK(atr.fi == 372);
    CHECK(atr.di == 4);
    CHECK(atr.historical == hex("01 02"));
    CHECK_FALSE(atr.tck.has_value());
}

TEST_CASE("the ATR the card announces is the one it runs: atr_rates() agrees with the parsed ATR") {
    for (const CardConfig& config : {t1_card(), inverse_t0_card(), specific_t1_card(false)}) {
        auto card = make_card(config);
        card->cold_reset();
        const auto parsed = rates_of(read_atr(card->atr_wire()));
        const auto own = card->atr_rates();
        CHECK(parsed.ta1 == own.ta1);
        CHECK(parsed.specific.has_value() == own.specific.has_value());
        CHECK(parsed.offered_protocols == own.offered_protocols);
        CHECK(parsed.first_offered_protocol == own.first_offered_protocol);
    }
}

TEST_CASE("create() refuses an ATR the builder refuses") {
    CardConfig no_protocol;
    no_protocol.atr.protocols = {};
    CHECK(Card::create(no_protocol).error() == std::errc::invalid_argument);
    CardConfig t15;
    t15.atr.protocols = {15};
    CHECK(Card::create(t15).error() == std::errc::invalid_argument);
}

// ==== PPS (ISO 7816-3 9) ==================================================================

TEST_CASE("PPS accepted: PPS1 = 96 echoed, the card runs 512/32 with T=1") {
    auto card = make_card(t1_card());
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    // PPSS FF, PPS0 11 (PPS1 present, T=1), PPS1 96, PCK = FF ^ 11 ^ 96 = 78.
    CHECK(n.requests == std::vector<Bytes>{hex("FF 11 96 78")});
    CHECK(n.answers == std::vector<Bytes>{hex("FF 11 96 78")});
    REQUIRE(n.link.has_value());
    CHECK(n.link->fi_di == FiDi{9, 6});
    CHECK(n.link->clock_khz == 4000);  // fmax of FI 9 is 5 MHz: not the reader's 8 MHz
    CHECK(card->link() == card_view(*n.link));
    CHECK_FALSE(card->pps_window_open());
}

TEST_CASE("PPS with an inverse-convention T=0 card: PPS1 = 13 accepted") {
    auto card = make_card(inverse_t0_card());
    const Negotiation n = negotiate(*card, scr3310(), wants(kT0));
    CHECK(n.atrs.front() == hex(kInverseAtrWire));
    // PPS0 10 (PPS1, T=0), PCK = FF ^ 10 ^ 13 = FC.
    CHECK(n.requests == std::vector<Bytes>{hex("FF 10 13 FC")});
    CHECK(n.answers == std::vector<Bytes>{hex("FF 10 13 FC")});
    REQUIRE(n.link.has_value());
    CHECK(card->link() == CardLink{0, FiDi{1, 3}});
}

TEST_CASE("PPS refused: reset and the next candidate, as rate_choice orders them, then Fd/Dd") {
    CardConfig config = t1_card();
    config.pps = PpsBehaviour::refuse;
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    // 512/32, 372/20, 372/16 (rate_choice.hpp: fastest first, three per protocol), each
    // refused; then Fd/Dd with the first offered protocol, which needs no PPS (6.3.1).
    // PCKs: FF ^ 11 ^ 19 = F7, FF ^ 11 ^ 15 = FB.
    CHECK(n.requests == std::vector<Bytes>{hex("FF 11 96 78"), hex("FF 11 19 F7"),
                                           hex("FF 11 15 FB")});
    CHECK(n.answers == std::vector<Bytes>{{}, {}, {}});
    CHECK(n.faults == std::vector<std::error_code>(3, PpsError::no_response));
    CHECK(n.cold_resets == 3);
    for (const Bytes& atr : n.atrs) {
        CHECK(atr == hex(kT1Atr));
    }
    REQUIRE(n.link.has_value());
    CHECK_FALSE(n.link->pps_needed);
    CHECK(n.link->fi_di == iso7816::kDefaultFiDi);
    CHECK(card->link() == CardLink{1, iso7816::kDefaultFiDi});
}

TEST_CASE("PPS beyond the card's real limit: no answer, the fallback finds what it runs") {
    CardConfig config = t1_card();
    config.fastest_supported = FiDi{1, 9};  // announces 512/32, runs at most 372/20
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    CHECK(n.requests == std::vector<Bytes>{hex("FF 11 96 78"), hex("FF 11 19 F7")});
    CHECK(n.answers == std::vector<Bytes>{{}, hex("FF 11 19 F7")});
    CHECK(n.cold_resets == 1);
    CHECK(card->link() == CardLink{1, FiDi{1, 9}});
}

TEST_CASE("PPS beyond the card's limit, answered without PPS1: defaults (9.3)") {
    CardConfig config = t1_card();
    config.fastest_supported = FiDi{1, 9};
    config.unsupported = sim::UnsupportedAnswer::defaults;
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    // PPS0 01 (T=1, no PPS1), PCK = FF ^ 01 = FE.
    CHECK(n.answers == std::vector<Bytes>{hex("FF 01 FE")});
    REQUIRE(n.link.has_value());
    CHECK(n.link->fi_di == iso7816::kDefaultFiDi);
    CHECK(card->link() == CardLink{1, iso7816::kDefaultFiDi});
}

TEST_CASE("PPS partial answer: PPS1 left out, both sides at Fd/Dd (9.3)") {
    CardConfig config = t1_card();
    config.pps = PpsBehaviour::partial;
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    CHECK(n.requests == std::vector<Bytes>{hex("FF 11 96 78")});
    CHECK(n.answers == std::vector<Bytes>{hex("FF 01 FE")});
    CHECK(n.cold_resets == 0);
    REQUIRE(n.link.has_value());
    CHECK(n.link->fi_di == iso7816::kDefaultFiDi);
    CHECK(n.link->protocol == 1);
    CHECK(card->link() == CardLink{1, iso7816::kDefaultFiDi});
}

TEST_CASE("PPS answer with a wrong PCK: rejected, reset, every candidate again, then Fd/Dd") {
    CardConfig config = t1_card();
    config.pps = PpsBehaviour::wrong_pck;
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    // The echo with PCK ^ 5A: 78 -> 22, F7 -> AD, FB -> A1.
    CHECK(n.answers == std::vector<Bytes>{hex("FF 11 96 22"), hex("FF 11 19 AD"),
                                          hex("FF 11 15 A1")});
    CHECK(n.faults == std::vector<std::error_code>(3, PpsError::bad_pck));
    CHECK(n.cold_resets == 3);
    REQUIRE(n.link.has_value());
    CHECK(card->link() == CardLink{1, iso7816::kDefaultFiDi});  // the reset undid 512/32
}

TEST_CASE("PPS answers naming another protocol or garbage are rejected") {
    CardConfig other = t1_card();
    other.pps = PpsBehaviour::other_protocol;
    auto card = make_card(other);
    Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    // PPS0 10 (T=0), PCK = FF ^ 10 ^ 96 = 79.
    CHECK(n.answers.front() == hex("FF 10 96 79"));
    CHECK(n.faults.front() == PpsError::protocol_mismatch);

    CardConfig garbage = t1_card();
    garbage.pps = PpsBehaviour::garbage;
    auto noisy = make_card(garbage);
    n = negotiate(*noisy, scr3310(), wants(kT1));
    CHECK(n.answers.front() == hex("12 34 56"));
    CHECK(n.faults.front() == PpsError::bad_ppss);
}

TEST_CASE("PPS2 is echoed only by a card that supports SPU") {
    for (const bool echoes : {false, true}) {
        CardConfig config = t1_card();
        config.echoes_pps2 = echoes;
        auto card = make_card(config);
        card->cold_reset();
        // PPS0 31 (PPS1, PPS2, T=1), PPS1 96, PPS2 00: PCK = FF ^ 31 ^ 96 = 58.
        // Without PPS2: PPS0 11, PCK 78.
        CHECK(card->answer_pps(hex("FF 31 96 00 58")) ==
              (echoes ? hex("FF 31 96 00 58") : hex("FF 11 96 78")));
    }
}

TEST_CASE("the first exchange that is not a PPS closes the PPS window (9.1)") {
    auto card = make_card(t1_card());
    const Bytes request = hex("FF 11 96 78");

    card->cold_reset();
    CHECK(card->pps_window_open());
    CHECK(card->t1_block(hex("00 C1 01 FE 3E")) == hex("00 E1 01 FE 1E"));
    CHECK_FALSE(card->pps_window_open());
    CHECK(card->answer_pps(request).empty());
    CHECK(card->link() == CardLink{1, iso7816::kDefaultFiDi});

    card->cold_reset();
    CHECK(card->apdu(hex(kSelectAid)) == kSw9000);
    CHECK(card->answer_pps(request).empty());

    card->cold_reset();
    card->t0_receive(hex("00 B0 00 00 01"));
    CHECK(card->answer_pps(request).empty());

    card->cold_reset();
    CHECK(card->t0_tpdu(hex("00 B0 00 00 01")) == hex("00 90 00"));
    CHECK(card->answer_pps(request).empty());

    card->cold_reset();  // the window opens again with each ATR
    CHECK(card->answer_pps(request) == request);
}

// ==== T=0 through t0::Engine at character level (ISO 7816-3 10) ============================

TEST_CASE("T=0 after PPS, inverse convention: SELECT by AID, exact procedure bytes") {
    auto card = make_card(inverse_t0_card());
    const Negotiation n = negotiate(*card, scr3310(), wants(kT0));
    REQUIRE(n.link.has_value());
    t0::Config config;
    config.rate = n.link->link_rate();
    config.wi = n.atr.wi;
    const T0Exchange run = run_t0(*card, hex(kSelectAid), config);
    REQUIRE(run.completed());
    CHECK(run.response() == kSw9000);
    // Header, ACK = INS, the 8 data bytes, SW1, SW2 (10.3.2, 10.3.3); logical bytes.
    CHECK(join(run.trace) == join({"> 00A4040008", "< A4", "> A000000527544553", "< 90",
                                   "> ", "< 00"}));
}

TEST_CASE("T=0 READ BINARY of 256 bytes: P3 = 00, one ACK, 256 data bytes, 90 00") {
    auto card = make_card(plain_t0_card());
    const Negotiation n = negotiate(*card, scr3310(), wants(kT0));
    REQUIRE(n.link.has_value());
    CHECK_FALSE(n.link->pps_needed);  // no TA1: Fd/Dd, no PPS (6.3.1)
    CHECK(n.requests.empty());
    const T0Exchange run = run_t0(*card, hex("00 B0 00 00 00"));
    REQUIRE(run.completed());
    CHECK(run.response() == concat(pattern(0, 256), kSw9000));
    CHECK(join(run.trace) == join({"> 00B0000000", "< B0", "> ", "< " + to_hex(pattern(0, 256)),
                                   "> ", "< 90", "> ", "< 00"}));
}

TEST_CASE("T=0 case 4 ECHO of 255 bytes: 61 FF handed back, GET RESPONSE fetches the data") {
    auto card = make_card(plain_t0_card());
    card->cold_reset();
    const Bytes data = ramp_down(255);
    const T0Exchange echo = run_t0(*card, echo_command(data, false));
    REQUIRE(echo.completed());
    CHECK(echo.response() == hex("61 FF"));  // 12.2.5: case 4S becomes case 3 + 61 La
    CHECK(echo.trace.at(2) == "> " + to_hex(data));

    const T0Exchange get = run_t0(*card, hex("00 C0 00 00 FF"));
    REQUIRE(get.completed());
    CHECK(get.response() == concat(data, kSw9000));
}

TEST_CASE("T=0 UPDATE BINARY then READ BINARY returns what was written") {
    auto card = make_card(inverse_t0_card());
    card->cold_reset();
    const T0Exchange update = run_t0(*card, hex("00 D6 00 10 04 DE AD BE EF"));
    REQUIRE(update.completed());
    CHECK(update.response() == kSw9000);
    const T0Exchange read = run_t0(*card, hex("00 B0 00 0E 08"));
    REQUIRE(read.completed());
    // Offsets 0E, 0F keep the pattern; 10..13 hold DE AD BE EF; 14, 15 the pattern.
    CHECK(read.response() == hex("0E 0F DE AD BE EF 14 15 90 00"));
}

TEST_CASE("T=0 GET CHALLENGE: the application's bytes, unchanged by the protocol") {
    auto card = make_card(plain_t0_card());
    card->cold_reset();
    sim::CardApplication reference;  // a second, fresh application: the same sequence
    const Bytes command = hex("00 84 00 00 08");
    const T0Exchange first = run_t0(*card, command);
    REQUIRE(first.completed());
    CHECK(first.response() == reference.process(command));
    CHECK(first.response().size() == 10);
    const T0Exchange second = run_t0(*card, command);
    REQUIRE(second.completed());
    CHECK(second.response() == reference.process(command));
    CHECK(second.response() != first.response());
}

// ==== T=1 through t1::Engine (ISO 7816-3 11) ===============================================

struct T1Session {
    std::unique_ptr<Card> card;
    Negotiation negotiation;
    std::unique_ptr<t1::Engine> engine;

    explicit T1Session(CardConfig config = t1_card()) : card(make_card(std::move(config))) {
        negotiation = negotiate(*card, scr3310(), wants(kT1));
        REQUIRE(negotiation.link.has_value());
        REQUIRE(negotiation.link->protocol == 1);
        engine = std::make_unique<t1::Engine>(t1_device(negotiation.atr, *negotiation.link));
    }
    T1Exchange run(ByteView apdu) { return run_t1(*card, *engine, apdu); }
};

TEST_CASE("T=1: S(IFS request FE) is the first block after the ATR and PPS, then SELECT") {
    T1Session session;
    const T1Exchange run = session.run(hex(kSelectAid));
    REQUIRE(run.completed());
    CHECK(run.response() == kSw9000);
    // S(IFS request FE): NAD 00, PCB C1, LEN 01, FE, LRC 3E; the card's response PCB E1.
    // I(0): PCB 00, LEN 0D, the APDU, LRC = 0D ^ A4 ^ 04 ^ 08 ^ A0 ^ 05 ^ 27 ^ 54 ^ 45 ^ 53
    // = 65. The answer I(0): LEN 02, 90 00, LRC = 02 ^ 90 = 92.
    CHECK(join(run.trace) == join({"> 00C101FE3E", "< 00E101FE1E",
                                   "> 00000D00A4040008A00000052754455365", "< 000002900092"}));
    const T1Exchange next = session.run(hex(kSelectAid));  // no second S(IFS request)
    REQUIRE(next.completed());
    CHECK(next.blocks == std::vector<std::string>{"> I(1) 13 bytes", "< I(1) 2 bytes"});
}

TEST_CASE("T=1 READ BINARY of 256 bytes: a chained response at IFSD 254") {
    T1Session session;
    const T1Exchange run = session.run(hex("00 B0 00 00 00"));
    REQUIRE(run.completed());
    CHECK(run.response() == concat(pattern(0, 256), kSw9000));
    CHECK(run.blocks == std::vector<std::string>{"> S(IFS request FE)", "< S(IFS response FE)",
                                                 "> I(0) 5 bytes", "< I(0,M) 254 bytes",
                                                 "> R(1)", "< I(1) 4 bytes"});
}

TEST_CASE("T=1 extended READ BINARY: Le 4096 and Le 65536 (0000)") {
    T1Session session;
    const T1Exchange small = session.run(hex("00 B0 00 00 00 10 00"));
    REQUIRE(small.completed());
    CHECK(small.response() == concat(pattern(0, 4096), kSw9000));
    // 4098 bytes at IFSD 254: 16 full blocks and one of 34 (4098 = 16 x 254 + 34).
    CHECK(small.count("< I(0,M) 254 bytes") + small.count("< I(1,M) 254 bytes") == 16);
    CHECK(small.blocks.back() == "< I(0) 34 bytes");

    const T1Exchange large = session.run(hex("00 B0 00 00 00 00 00"));
    REQUIRE(large.completed());
    CHECK(large.response() == concat(pattern(0, 65536), kSw9000));
    // 65538 = 258 x 254 + 6.
    CHECK(large.count("< I(0,M) 254 bytes") + large.count("< I(1,M) 254 bytes") == 258);
    CHECK((large.blocks.back() == "< I(0) 6 bytes" || large.blocks.back() == "< I(1) 6 bytes"));
}

TEST_CASE("T=1 extended ECHO of 4096 bytes: chaining both ways") {
    T1Session session;
    const Bytes data = ramp_down(4096);
    const Bytes command = echo_command(data, true);
    REQUIRE(command.size() == 4 + 3 + 4096 + 2);
    const T1Exchange run = session.run(command);
    REQUIRE(run.completed());
    CHECK(run.response() == concat(data, kSw9000));
    // Command 4105 bytes at IFSC 254: 16 chained blocks of 254, the last of 41, each chained
    // block acknowledged by R(N(R)) (11.6.2.3).
    CHECK(run.count("> I(0,M) 254 bytes") + run.count("> I(1,M) 254 bytes") == 16);
    CHECK(run.count("> I(0) 41 bytes") + run.count("> I(1) 41 bytes") == 1);
    CHECK(run.count("< R(0)") + run.count("< R(1)") == 16);
    // Response 4098 bytes: 16 chained blocks acknowledged by the device, then 34 bytes.
    CHECK(run.count("< I(0,M) 254 bytes") + run.count("< I(1,M) 254 bytes") == 16);
    CHECK(run.count("> R(0)") + run.count("> R(1)") == 16);
}

TEST_CASE("T=1 short ECHO, UPDATE then READ back, GET CHALLENGE") {
    T1Session session;
    const Bytes data = ramp_down(255);
    const T1Exchange echo = session.run(echo_command(data, false));
    REQUIRE(echo.completed());
    CHECK(echo.response() == concat(data, kSw9000));  // case 4 at T=1: data + 90 00 at once

    const T1Exchange update = session.run(hex("00 D6 01 00 03 CA FE 01"));
    REQUIRE(update.completed());
    CHECK(update.response() == kSw9000);
    const T1Exchange read = session.run(hex("00 B0 00 FF 05"));
    REQUIRE(read.completed());
    CHECK(read.response() == hex("FF CA FE 01 03 90 00"));  // 00FF, 0100..0102, 0103

    sim::CardApplication reference;
    const Bytes challenge = hex("00 84 00 00 10");
    const T1Exchange random = session.run(challenge);
    REQUIRE(random.completed());
    CHECK(random.response() == reference.process(challenge));
}

TEST_CASE("T=1: the card enforces the IFSC its ATR announces (11.4.2)") {
    CardConfig config = t1_card();
    config.atr.ifsc = 32;
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    REQUIRE(n.link.has_value());
    CHECK(n.atr.ifsc == 32);
    t1::Engine engine(t1_device(n.atr, *n.link));
    const T1Exchange obeying = run_t1(*card, engine, echo_command(ramp_down(40), false));
    REQUIRE(obeying.completed());
    CHECK(obeying.count("> I(0,M) 32 bytes") == 1);  // 46 bytes: 32, then 14

    t1::Config wrong = t1_device(n.atr, *n.link);
    wrong.ifsc = 254;  // a device that ignores the ATR
    wrong.request_ifsd = false;
    t1::Engine careless(wrong);
    card->cold_reset();
    const T1Exchange ignored = run_t1(*card, careless, echo_command(ramp_down(40), false));
    // The 46-byte I-block is invalid for the card: R(N(R) 0) other error, PCB 82, LRC 82.
    CHECK(ignored.trace.at(1) == "< 00820082");
}

TEST_CASE("T=1 with CRC: the card's EDC is the ATR's") {
    CardConfig config = t1_card();
    config.atr.edc = iso7816::Edc::crc;
    T1Session session(config);
    CHECK(session.negotiation.atr.edc == iso7816::Edc::crc);
    const T1Exchange run = run_t1(*session.card, *session.engine, hex(kSelectAid),
                                  t1::EdcType::crc);
    REQUIRE(run.completed());
    CHECK(run.blocks.front() == "> S(IFS request FE)");
    CHECK(run.blocks.at(1) == "< S(IFS response FE)");
    CHECK(run.trace.front().size() == std::string("> 00C101FE").size() + 4);  // two EDC bytes
}

// ==== TPDU level (t0_tpdu) ===================================================================

TEST_CASE("t0_tpdu: cases 1 to 4 at TPDU level, NULL bytes absorbed") {
    CardConfig config = plain_t0_card();
    config.t0.nulls_before_procedure = 2;
    auto card = make_card(config);
    card->cold_reset();
    // Case 1: SLOW with P1 = 3 asks for three NULLs before 90 00.
    CHECK(card->t0_tpdu(hex("80 57 03 00 00")) == kSw9000);
    // Case 2: READ BINARY 16.
    CHECK(card->t0_tpdu(hex("00 B0 00 20 10")) == concat(pattern(0x20, 16), kSw9000));
    // Case 3: UPDATE BINARY 2 bytes, then read back.
    CHECK(card->t0_tpdu(hex("00 D6 00 20 02 AA BB")) == kSw9000);
    CHECK(card->t0_tpdu(hex("00 B0 00 1F 04")) == hex("1F AA BB 22 90 00"));
    // Case 4 at TPDU level: the command's data, then 61 La handed back (12.2.5).
    CHECK(card->t0_tpdu(hex("80 EE 00 00 03 01 02 03")) == hex("61 03"));
    CHECK(card->t0_tpdu(hex("00 C0 00 00 03")) == hex("01 02 03 90 00"));
}

TEST_CASE("t0_tpdu: 6Cxx and 61xx go back to the caller, never resent by the card side") {
    auto card = make_card(plain_t0_card());
    card->cold_reset();
    CHECK(card->t0_tpdu(hex("80 EE 00 00 05 11 22 33 44 55")) == hex("61 05"));
    // GET RESPONSE with Le above La: 6C 05 (10.3.3, application: Le > La).
    CHECK(card->t0_tpdu(hex("00 C0 00 00 08")) == hex("6C 05"));
    // Le below La: Le bytes and 61 with the rest.
    CHECK(card->t0_tpdu(hex("00 C0 00 00 02")) == hex("11 22 61 03"));
    CHECK(card->t0_tpdu(hex("00 C0 00 00 03")) == hex("33 44 55 90 00"));
    // The small EF (300 bytes): 32 bytes asked at offset 288, 12 remain -> 6C 0C.
    CHECK(card->t0_tpdu(hex("00 A4 00 00 02 01 02")) == kSw9000);
    CHECK(card->t0_tpdu(hex("00 B0 01 20 20")) == hex("6C 0C"));
    CHECK(card->t0_tpdu(hex("00 B0 01 20 0C")) == concat(pattern(288, 12), kSw9000));
}

TEST_CASE("t0_tpdu with an inverse-convention card answers logical bytes") {
    auto card = make_card(inverse_t0_card());
    card->cold_reset();
    CHECK(card->t0_tpdu(hex(kSelectAid)) == kSw9000);
    CHECK(card->t0_tpdu(hex("00 B0 00 00 00")) == concat(pattern(0, 256), kSw9000));
}

// ==== APDU level ============================================================================

TEST_CASE("apdu(): short and extended commands answered whole") {
    auto card = make_card(t1_card());
    card->cold_reset();
    CHECK(card->apdu(hex(kSelectAid)) == kSw9000);
    CHECK(card->apdu(hex("00 B0 00 00 00")) == concat(pattern(0, 256), kSw9000));
    CHECK(card->apdu(hex("00 B0 00 00 00 10 00")) == concat(pattern(0, 4096), kSw9000));
    CHECK(card->apdu(hex("00 B0 00 00 00 00 00")) == concat(pattern(0, 65536), kSw9000));
    const Bytes data = ramp_down(4096);
    CHECK(card->apdu(echo_command(data, true)) == concat(data, kSw9000));
    CHECK(card->apdu(echo_command(ramp_down(255), false)) == concat(ramp_down(255), kSw9000));
    CHECK(card->apdu(hex("00 A4 04 00 02 01 02")) == hex("6A 82"));  // unknown AID
    CHECK(card->apdu(hex("00 B0 00")) == hex("67 00"));              // malformed
}

// ==== Power (ISO 7816-3 6) ===================================================================

TEST_CASE("warm reset of a specific-mode card with TA2 b8 = 0: negotiable, ATR without TA2") {
    auto card = make_card(specific_t1_card(true));
    // TA2 = 01 (b8 = 0: can change; b5 = 0: Fi/Di of TA1; T=1).
    // TCK = 90 ^ 18 ^ 11 ^ 01 = 98. Without TA2: TD1 01, TCK = 90 ^ 18 ^ 01 = 89.
    CHECK(card->cold_reset() == hex("3B 90 18 11 01 98"));
    CHECK(card->link() == CardLink{1, FiDi{1, 8}});  // TA2: TA1's 372/12 at once
    CHECK_FALSE(card->pps_window_open());

    // The reader can not run 372/12 at 4 MHz (129032 bps > 115200): warm reset (6.3.1).
    const Negotiation n = negotiate(*card, slow_reader(), wants(kT1));
    CHECK(n.warm_reset);
    REQUIRE(n.atrs.size() == 2);
    CHECK(n.atrs[0] == hex("3B 90 18 11 01 98"));
    CHECK(n.atrs[1] == hex("3B 90 18 01 89"));
    CHECK_FALSE(n.atr.specific_mode.has_value());
    // Negotiable now: 372/8 (86021 bps) first; PCK = FF ^ 11 ^ 14 = FA.
    CHECK(n.requests.front() == hex("FF 11 14 FA"));
    CHECK(n.answers.front() == hex("FF 11 14 FA"));
    CHECK(card->link() == CardLink{1, FiDi{1, 4}});

    // Another warm reset keeps it negotiable; a cold reset brings specific mode back.
    CHECK(card->warm_reset() == hex("3B 90 18 01 89"));
    CHECK(card->pps_window_open());
    CHECK(card->cold_reset() == hex("3B 90 18 11 01 98"));
    CHECK_FALSE(card->pps_window_open());
}

TEST_CASE("warm reset of a specific-mode card with TA2 b8 = 1: stays specific, PPS unanswered") {
    auto card = make_card(specific_t1_card(false));
    // TA2 = 81; TCK = 90 ^ 18 ^ 11 ^ 81 = 18.
    CHECK(card->cold_reset() == hex("3B 90 18 11 81 18"));
    CHECK(card->warm_reset() == hex("3B 90 18 11 81 18"));
    CHECK(card->link() == CardLink{1, FiDi{1, 8}});
    CHECK_FALSE(card->pps_window_open());
    CHECK(card->answer_pps(hex("FF 11 18 F6")).empty());  // FF ^ 11 ^ 18 = F6

    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    REQUIRE(n.link.has_value());
    CHECK(n.requests.empty());  // specific mode: no PPS (9.1)
    CHECK(card_view(*n.link) == card->link());

    const Negotiation refused = negotiate(*card, slow_reader(), wants(kT1));
    CHECK(refused.error == iso7816::RateChoiceError::specific_parameters_unsupported);
}

TEST_CASE("warm reset of a negotiable card: the same ATR, the PPS window open again") {
    auto card = make_card(t1_card());
    card->cold_reset();
    CHECK(card->answer_pps(hex("FF 11 96 78")) == hex("FF 11 96 78"));
    CHECK(card->warm_reset() == hex(kT1Atr));
    CHECK(card->link() == CardLink{1, iso7816::kDefaultFiDi});
    CHECK(card->pps_window_open());
}

TEST_CASE("a deactivated card is mute: no ATR, no answer to anything") {
    auto card = make_card(t1_card());
    const auto check_mute = [&card] {
        CHECK_FALSE(card->powered());
        CHECK(card->atr().empty());
        CHECK(card->atr_wire().empty());
        CHECK(card->warm_reset().empty());
        CHECK_FALSE(card->powered());
        CHECK_FALSE(card->pps_window_open());
        CHECK(card->answer_pps(hex("FF 11 96 78")).empty());
        card->t0_receive(hex("00 B0 00 00 01"));
        CHECK_FALSE(card->t0_next_burst().has_value());
        CHECK_FALSE(card->t0_tpdu(hex("00 B0 00 00 01")).has_value());
        CHECK_FALSE(card->t1_block(hex("00 C1 01 FE 3E")).has_value());
        CHECK_FALSE(card->apdu(hex(kSelectAid)).has_value());
    };
    check_mute();  // never activated
    CHECK(card->exchanges() == 0);

    card->cold_reset();
    CHECK(card->powered());
    CHECK(card->apdu(hex(kSelectAid)) == kSw9000);
    CHECK(card->exchanges() == 1);
    card->deactivate();
    check_mute();
    CHECK(card->exchanges() == 1);
}

TEST_CASE("the application's state survives resets and deactivation") {
    auto card = make_card(t1_card());
    card->cold_reset();
    CHECK(card->apdu(hex("00 D6 00 00 02 C0 DE")) == kSw9000);
    card->deactivate();
    card->cold_reset();
    CHECK(card->apdu(hex("00 B0 00 00 03")) == hex("C0 DE 02 90 00"));
    // Written through T=1, read back through T=0 after a warm reset: one application.
    T1Session session;
    REQUIRE(session.run(hex("00 D6 00 40 01 77")).completed());
    session.card->warm_reset();
    CHECK(session.card->t0_tpdu(hex("00 B0 00 3F 03")) == hex("3F 77 41 90 00"));
    CHECK(session.card->application().selected_file().at(0x40) == 0x77);
}

TEST_CASE("a reset forgets a T=0 response kept for GET RESPONSE") {
    auto card = make_card(plain_t0_card());
    card->cold_reset();
    CHECK(card->t0_tpdu(hex("80 EE 00 00 01 5A")) == hex("61 01"));
    card->warm_reset();
    CHECK(card->t0_tpdu(hex("00 C0 00 00 01")) == hex("69 85"));  // nothing pending
}

TEST_CASE("exchanges() counts what the card answered") {
    auto card = make_card(plain_t0_card());
    card->cold_reset();
    CHECK(card->exchanges() == 0);
    CHECK(card->t0_tpdu(hex("00 B0 00 00 01")).has_value());
    CHECK(card->apdu(hex(kSelectAid)).has_value());
    card->t0_receive(hex("00 B0 00 00 01"));
    CHECK(card->t0_next_burst() == hex("B0"));
    CHECK(card->exchanges() == 3);
    CHECK(card->config().atr.protocols == std::vector<std::uint8_t>{0});

    CardConfig refusing = t1_card();
    refusing.pps = PpsBehaviour::refuse;
    auto silent = make_card(refusing);
    silent->cold_reset();
    CHECK(silent->answer_pps(hex("FF 11 96 78")).empty());
    CHECK(silent->exchanges() == 0);  // no answer, nothing counted
}

// ==== Card faults exposed through CardConfig ==================================================

TEST_CASE("T=0 card faults end the exchange with the engine's named error") {
    struct Case {
        CardFault fault;
        std::size_t fault_at;
        t0::T0Error error;
    };
    // READ BINARY 16: bursts ACK (1), data (2), SW1 (3), SW2 (4).
    const Case cases[] = {
        {CardFault::mute, 1, t0::T0Error::timeout},
        {CardFault::truncate, 2, t0::T0Error::timeout},         // 15 data bytes, then silence
        {CardFault::extra_byte, 1, t0::T0Error::excess_data},   // ACK + 42 in one burst
        {CardFault::endless_null, 1, t0::T0Error::too_many_null_bytes},
        {CardFault::invalid_procedure_byte, 1, t0::T0Error::invalid_procedure_byte},
        {CardFault::wrong_ins_ack, 1, t0::T0Error::invalid_procedure_byte},  // B1, not B0
        {CardFault::extra_data, 1, t0::T0Error::excess_data},   // 17 bytes for P3 = 16
        {CardFault::extra_ack, 1, t0::T0Error::unexpected_ack},  // B0 after all data
        {CardFault::no_sw2, 1, t0::T0Error::timeout},
    };
    for (const Case& c : cases) {
        const std::string name = sim::to_string(c.fault);
        CAPTURE(name);
        CardConfig config = plain_t0_card();
        config.t0.fault = c.fault;
        config.t0.fault_at = c.fault_at;
        auto card = make_card(config);
        card->cold_reset();
        t0::Config engine_config;
        engine_config.max_null_bytes = 20;
        const T0Exchange run = run_t0(*card, hex("00 B0 00 00 10"), engine_config);
        CHECK(run.error() == c.error);

        // At TPDU level the same card gives no answer (the reader's timeout or error).
        card->cold_reset();
        CHECK_FALSE(card->t0_tpdu(hex("00 B0 00 00 10")).has_value());
    }

    // Without a fault the same exchange completes: the checks above can fail.
    auto healthy = make_card(plain_t0_card());
    healthy->cold_reset();
    CHECK(run_t0(*healthy, hex("00 B0 00 00 10")).completed());
    CHECK(healthy->t0_tpdu(hex("00 B0 00 00 10")) == concat(pattern(0, 16), kSw9000));
}

TEST_CASE("T=0 options: single-byte ACKs and NULL bytes before each procedure byte") {
    CardConfig config = plain_t0_card();
    config.t0.single_byte_acks = 2;
    config.t0.nulls_before_procedure = 1;
    auto card = make_card(config);
    card->cold_reset();
    const T0Exchange run = run_t0(*card, hex("00 D6 00 00 03 0A 0B 0C"));
    REQUIRE(run.completed());
    // NULL, ACK INS ^ FF = 29 for one byte, twice; then NULL, ACK D6 for the rest (10.3.3).
    CHECK(join(run.trace) == join({"> 00D6000003", "< 60", "> ", "< 29", "> 0A", "< 60", "> ",
                                   "< 29", "> 0B", "< 60", "> ", "< D6", "> 0C", "< 60", "> ",
                                   "< 90", "> ", "< 00"}));
}

TEST_CASE("T=1 fault plans from CardConfig: each fires once and the engine recovers") {
    const T1Fault recoverable[] = {
        T1Fault::corrupt_answer, T1Fault::corrupt_received, T1Fault::drop_answer,
        T1Fault::drop_received,  T1Fault::wrong_ns,         T1Fault::desynchronise,
        T1Fault::resynch_request, T1Fault::refuse_ifs,      T1Fault::wtx,
        T1Fault::ifs_request,
    };
    T1Session clean;
    const T1Exchange reference = clean.run(hex("00 B0 00 00 00"));
    REQUIRE(reference.completed());
    for (const T1Fault fault : recoverable) {
        const std::string name = sim::name(fault);
        CAPTURE(name);
        CardConfig config = t1_card();
        config.t1_faults = {{fault, 0, 1, 0x40}};
        T1Session session(config);
        const T1Exchange run = session.run(hex("00 B0 00 00 00"));
        REQUIRE(run.completed());
        CHECK(run.response() == concat(pattern(0, 256), kSw9000));
        CHECK(run.trace != reference.trace);  // the fault did fire
    }
}

TEST_CASE("T=1 fault: the card refuses S(IFS request) with R(other error), the I-block follows") {
    CardConfig config = t1_card();
    config.t1_supports_ifs_request = false;
    T1Session session(config);
    const T1Exchange run = session.run(hex("00 B0 00 00 10"));
    REQUIRE(run.completed());
    // R-block PCB 82 (N(R) 0, other error), LRC 82; IFSD stays 32 (11.4.2).
    CHECK(run.trace.at(1) == "< 00820082");
    CHECK(run.blocks.at(2) == "> I(0) 5 bytes");
    CHECK(session.engine->ifsd() == 32);
}

TEST_CASE("T=1 fault: the card's S(ABORT request) ends the exchange") {
    CardConfig config = t1_card();
    config.t1_faults = {{T1Fault::abort, 1, 1, 0}};
    T1Session session(config);
    const T1Exchange run = session.run(hex(kSelectAid));
    CHECK(run.error() == t1::Error::aborted_by_card);
    CHECK(run.count("< S(ABORT request)") == 1);
    CHECK(run.count("> S(ABORT response)") == 1);
}

TEST_CASE("T=1 fault: endless WTX ends in the engine's bounded error") {
    CardConfig config = t1_card();
    config.t1_faults = {{T1Fault::wtx, 0, sim::kAlways, 0}};
    T1Session session(config);
    const T1Exchange run = session.run(hex(kSelectAid));
    CHECK(run.error() == t1::Error::too_many_card_requests);
    // Config::max_card_requests = 250 consecutive S(WTX request)s answered, then it stops.
    CHECK(run.count("> S(WTX response 01)") == 250);
}

TEST_CASE("T=1 fault: a WTX multiplier from CardConfig, endless, ends on the time bound") {
    CardConfig config = t1_card();
    config.t1_wtx_multiplier = 255;
    config.t1_faults = {{T1Fault::wtx, 0, sim::kAlways, 0}};
    T1Session session(config);
    const T1Exchange run = session.run(hex(kSelectAid));
    CHECK(run.error() == t1::Error::wtx_time_exceeded);
    CHECK(run.count("> S(WTX response FF)") >= 1);
}

TEST_CASE("T=1 fault: endless chaining ends in the engine's bounded error, kept across resets") {
    CardConfig config = t1_card();
    config.t1_faults = {{T1Fault::endless_chaining, 0, sim::kAlways, 0}};
    T1Session session(config);
    const T1Exchange run = session.run(hex("00 B0 00 00 00"));
    CHECK(run.error() == t1::Error::response_too_long);  // max_response_size 65538
    CHECK(run.count("> R(0)") + run.count("> R(1)") > 256);

    // The plan survives a reset (CardT1 keeps its plans), and add_t1_fault adds more.
    session.card->cold_reset();
    session.engine->reset();
    session.card->add_t1_fault({T1Fault::corrupt_answer, 0, 1, 0});
    const T1Exchange again = session.run(hex("00 B0 00 00 00"));
    CHECK(again.error() == t1::Error::response_too_long);
    CHECK(again.count("< damaged") == 1);
}

TEST_CASE("T=1 starting IFSD from CardConfig: a reader that negotiated IFSD itself") {
    CardConfig config = t1_card();
    config.t1_initial_ifsd = 254;
    auto card = make_card(config);
    const Negotiation n = negotiate(*card, scr3310(), wants(kT1));
    REQUIRE(n.link.has_value());
    t1::Config device = t1_device(n.atr, *n.link);
    device.request_ifsd = false;
    t1::Engine engine(device);
    const T1Exchange run = run_t1(*card, engine, hex("00 B0 00 00 00"));
    REQUIRE(run.completed());
    CHECK(run.blocks == std::vector<std::string>{"> I(0) 5 bytes", "< I(0,M) 254 bytes",
                                                 "> R(1)", "< I(1) 4 bytes"});
}
