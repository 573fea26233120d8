// Cards whose ATR holds reserved, invalid or contradictory values (iso7816/atr_error.hpp,
// AtrWarning), powered through CcidReader and Slot over a scripted UsbPort: the exact
// CCID messages show that power-up succeeds, that the ATR goes up as the card sent it,
// that no PPS is sent for an unusable TA1, and that PC_to_RDR_SetParameters and the T=1
// engine carry the ISO defaults (Fd/Dd, WI 10, IFSC 32, BWI 4) in place of the values
// the card sent; then an APDU is exchanged.
#include <doctest/doctest.h>

#include <string>

#include "t1/block.hpp"
#include "transport/reader/card_parameters.hpp"
#include "transport/reader/ccid_reader.hpp"
#include "transport/reader/protocol_setup.hpp"
#include "tests/reader/ccid_script.hpp"
#include "tests/reader/script_port.hpp"

using namespace tessera;
using namespace tessera::reader;
using namespace tessera::test;
using transport::PowerSelect;
using transport::ProtocolDataT0;
using transport::ProtocolDataT1;
using W = iso7816::AtrWarning;

namespace {

void check_script_done(const ScriptPort& port) {
    for (const auto& m : port.mismatches()) MESSAGE(m);
    CHECK(port.mismatches().empty());
    CHECK(port.remaining() == 0);
}

// A T=0 card on a TPDU reader where the host runs PPS itself (no automatic PPS or
// parameters): bSeq 0 GetSlotStatus, 1 IccPowerOn (the reader answers `reader_atr`),
// 2 SetParameters with `expected` (no PPS XfrBlock before it), 3 an APDU.
struct T0Case {
    const char* name;
    const char* reader_atr;   // abData of the reader's answer to IccPowerOn
    const char* logical_atr;  // what power_on() returns, for pcscd
    std::vector<W> warnings;
    ProtocolDataT0 expected;
};

const T0Case kT0Cases[] = {
    {"Conax: TA1 00 (DI 0 reserved)", "3B 34 00 00 30 42 30 30", "3B 34 00 00 30 42 30 30",
     {W::reserved_di}, {0x11, 0x00, 0x00, 0x0A, 0x00}},
    {"DNIe: TA1 7F (FI 7, DI F reserved)", "3B 3B 7F 38 00 00 00 6A 44 4E 49 65 10 02 4C",
     "3B 3B 7F 38 00 00 00 6A 44 4E 49 65 10 02 4C", {W::reserved_fi, W::reserved_di},
     {0x11, 0x00, 0x00, 0x0A, 0x00}},
    // The reader hands over the raw image of an inverse-convention card (TS read as 03):
    // pcscd gets the logical bytes. Specific mode T=0 with TA1 FF: Fd/Dd, N 2, WI 15.
    {"Sky Italia: inverse, TA1 FF, specific mode T=0",
     "03 40 00 5B BF F5 FE 0F D5 F2 DF 69 00 AD F5 F4 FE FF 6D D5 3F",
     "3F FD FF 25 02 50 80 0F 54 B0 04 69 FF 4A 50 D0 80 00 49 54 03",
     {W::reserved_fi, W::reserved_di}, {0x11, 0x02, 0x02, 0x0F, 0x00}},
    {"WI 00 in TC2", "3B 80 40 00", "3B 80 40 00", {W::reserved_wi},
     {0x11, 0x00, 0x00, 0x0A, 0x00}},
    {"eToken R2: TD1 indicates T=15", "3B 81 1F 00 CC 52", "3B 81 1F 00 CC 52",
     {W::td1_t15, W::no_class_indicated}, {0x11, 0x00, 0x00, 0x0A, 0x00}},
    {"T=0 and T=15 (classes A B C) without TCK", "3B 80 80 1F 07", "3B 80 80 1F 07",
     {W::tck_absent}, {0x11, 0x00, 0x00, 0x0A, 0x00}},
};

}  // namespace

TEST_CASE("deviating ATR, T=0: powered, ATR as sent, no PPS, SetParameters with the defaults, APDU") {
    for (const T0Case& c : kT0Cases) {
        CAPTURE(std::string(c.name));
        const auto card = read_card_parameters(hex(c.reader_atr));
        REQUIRE(card.has_value());
        CHECK(card->warnings == c.warnings);
        CHECK(card->atr == hex(c.logical_atr));

        ScriptPort port(test_port_info(false));
        port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
                  expect_write(power_on(1, PowerSelect::automatic)), answer_read(data_block(1, hex(c.reader_atr))),
                  expect_write(set_parameters(2, c.expected)), answer_read(parameters_answer(2, c.expected)),
                  expect_write(xfr_block(3, hex("00 B0 00 00 02"))), answer_read(data_block(3, hex("01 02 90 00")))});
        auto opened = CcidReader::open(port, test_descriptor(transport::kFeatureTpduLevel | transport::kFeatureAutoVoltage));
        REQUIRE(opened.has_value());
        Slot& slot = *(*opened)->slot(0);
        auto atr = slot.power_on();
        REQUIRE_MESSAGE(atr.has_value(), atr.error().message(), " / ", slot.last_cause().message());
        CHECK(*atr == hex(c.logical_atr));
        CHECK(slot.atr() == hex(c.logical_atr));
        const auto link = slot.link();
        REQUIRE(link.has_value());
        CHECK(link->protocol == 0);
        CHECK(link->fi_di == iso7816::kDefaultFiDi);
        CHECK_FALSE(link->pps_sent_by_host);
        CHECK(link->fallbacks == 0);
        auto response = slot.transmit(hex("00 B0 00 00 02"));
        REQUIRE(response.has_value());
        CHECK(*response == hex("01 02 90 00"));
        check_script_done(port);
    }
}

TEST_CASE("deviating ATR, T=1: IFSC 00 and BWI A give IFSC 32 (the engine chains at 32) and BWI 4") {
    // TD1 81, TD2 31 (T=1), TA3 00 (IFSC), TB3 A5 (BWI A, CWI 5), TCK 95.
    const Bytes atr_bytes = hex("3B 80 81 31 00 A5 95");
    const auto card = read_card_parameters(atr_bytes);
    REQUIRE(card.has_value());
    CHECK(card->warnings == std::vector{W::invalid_ifsc, W::reserved_bwi});
    CHECK(card->ifsc == 32);
    CHECK(card->bwi == 4);
    CHECK(card->cwi == 5);
    const ProtocolDataT1 expected{0x11, 0x10, 0x00, 0x45, 0x00, 0x20, 0x00};

    // A 45-byte APDU: I(0,M) with 32 bytes, R(1) from the card, I(1) with the last 13.
    Bytes apdu = hex("80 EE 00 00 28");
    for (int i = 0; i < 40; ++i) apdu.push_back(static_cast<std::uint8_t>(i));
    const ByteView whole(apdu);
    const auto lrc = t1::EdcType::lrc;
    ScriptPort port(test_port_info(false));
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::automatic)), answer_read(data_block(1, atr_bytes)),
              expect_write(set_parameters(2, expected)), answer_read(parameters_answer(2, expected)),
              expect_write(xfr_block(3, t1::encode_block(t1::Block::i_block(0, 0, true, whole.first(32)), lrc))),
              answer_read(data_block(3, t1::encode_block(t1::Block::r_block(0, 1, t1::RCode::ok), lrc))),
              expect_write(xfr_block(4, t1::encode_block(t1::Block::i_block(0, 1, false, whole.subspan(32)), lrc))),
              answer_read(data_block(4, t1::encode_block(t1::Block::i_block(0, 0, false, hex("90 00")), lrc)))});
    // The reader exchanges IFSD itself (0x400): the engine sends no S(IFS request).
    auto opened = CcidReader::open(port, test_descriptor(transport::kFeatureTpduLevel | transport::kFeatureAutoVoltage |
                                                         transport::kFeatureAutoIfsdExchange));
    REQUIRE(opened.has_value());
    Slot& slot = *(*opened)->slot(0);
    auto atr = slot.power_on();
    REQUIRE_MESSAGE(atr.has_value(), atr.error().message(), " / ", slot.last_cause().message());
    CHECK(*atr == atr_bytes);
    REQUIRE(slot.link().has_value());
    CHECK(slot.link()->protocol == 1);
    CHECK(slot.link()->ifsc == 32);
    auto response = slot.transmit(apdu);
    REQUIRE_MESSAGE(response.has_value(), response.error().message(), " / ", slot.last_cause().message());
    CHECK(*response == hex("90 00"));
    check_script_done(port);
}

TEST_CASE("deviating ATR, T=1: IBM MFC with IFSC FF and N 255: SetParameters IFSC 20, guard time FF") {
    const Bytes atr_bytes = hex("3B EF 00 FF 81 31 FF 65 49 42 4D 20 4D 46 43 39 32 32 39 32 38 39 30 17");
    const ProtocolDataT1 expected{0x11, 0x10, 0xFF, 0x65, 0x00, 0x20, 0x00};
    const auto lrc = t1::EdcType::lrc;
    ScriptPort port(test_port_info(false));
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::automatic)), answer_read(data_block(1, atr_bytes)),
              expect_write(set_parameters(2, expected)), answer_read(parameters_answer(2, expected)),
              expect_write(xfr_block(3, t1::encode_block(t1::Block::i_block(0, 0, false, hex("00 B0 00 00 02")), lrc))),
              answer_read(data_block(3, t1::encode_block(t1::Block::i_block(0, 0, false, hex("01 02 90 00")), lrc)))});
    auto opened = CcidReader::open(port, test_descriptor(transport::kFeatureTpduLevel | transport::kFeatureAutoVoltage |
                                                         transport::kFeatureAutoIfsdExchange));
    REQUIRE(opened.has_value());
    Slot& slot = *(*opened)->slot(0);
    auto atr = slot.power_on();
    REQUIRE_MESSAGE(atr.has_value(), atr.error().message(), " / ", slot.last_cause().message());
    CHECK(*atr == atr_bytes);
    CHECK(slot.link()->ifsc == 32);
    auto response = slot.transmit(hex("00 B0 00 00 02"));
    REQUIRE(response.has_value());
    CHECK(*response == hex("01 02 90 00"));
    check_script_done(port);
}

TEST_CASE("deviating ATR on a reader running the PPS itself (0x80): SetParameters at Fd/Dd, nothing else") {
    // Automatic PPS: the reader would negotiate whatever SetParameters asks for; a TA1 the
    // driver can not use must not reach it.
    const ProtocolDataT0 expected{0x11, 0x00, 0x00, 0x0A, 0x00};
    ScriptPort port(test_port_info(false));
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::automatic)),
              answer_read(data_block(1, hex("3B 3B 7F 38 00 00 00 6A 44 4E 49 65 10 02 4C"))),
              expect_write(set_parameters(2, expected)), answer_read(parameters_answer(2, expected))});
    auto opened = CcidReader::open(port, test_descriptor(transport::kFeatureTpduLevel | transport::kFeatureAutoVoltage |
                                                         transport::kFeatureAutoPps));
    REQUIRE(opened.has_value());
    auto atr = (*opened)->slot(0)->power_on();
    REQUIRE(atr.has_value());
    CHECK((*opened)->slot(0)->link()->fi_di == iso7816::kDefaultFiDi);
    check_script_done(port);
}

TEST_CASE("card_rates of a TA1 with a reserved DI: no TA1, but the FI's fmax (4 MHz for FI 0)") {
    const auto conax = read_card_parameters(hex("3B 34 00 00 30 42 30 30"));
    REQUIRE(conax.has_value());
    CHECK_FALSE(conax->ta1.has_value());
    CHECK(conax->fmax_khz == 4000);
    const iso7816::CardRates rates = card_rates(*conax);
    CHECK_FALSE(rates.ta1.has_value());
    CHECK(rates.fmax_khz == 4000u);
    // A reader that could clock the card at 4.8 MHz keeps to the card's 4 MHz.
    iso7816::ReaderRates reader;
    reader.default_clock_khz = 4000;
    reader.max_clock_khz = 4800;
    reader.max_data_rate_bps = 20000;
    reader.clocks_khz = {4000, 4800};
    const auto plan = iso7816::choose_rates(rates, reader, iso7816::RateRequest{});
    REQUIRE(plan.has_value());
    REQUIRE(plan->candidates.size() == 1);
    CHECK(plan->candidates[0].fi_di == iso7816::kDefaultFiDi);
    CHECK_FALSE(plan->candidates[0].pps_needed);
    CHECK(plan->candidates[0].clock_khz == 4000);
    // The Sky card: TA2 kept (specific mode), TA1 not; a TA2 naming T=15 is dropped.
    const auto sky = read_card_parameters(hex("3F FD FF 25 02 50 80 0F 54 B0 04 69 FF 4A 50 D0 80 00 49 54 03"));
    REQUIRE(sky.has_value());
    CHECK(sky->inverse_convention);
    CHECK_FALSE(sky->ta1.has_value());
    CHECK(sky->ta2 == std::optional<std::uint8_t>(0x80));
    CHECK(sky->n == 2);
    CHECK(sky->wi == 15);
    const auto ta2_t15 = read_card_parameters(hex("3B 80 10 8F"));
    REQUIRE(ta2_t15.has_value());
    CHECK_FALSE(ta2_t15->ta2.has_value());
    // A class indicator naming no class is not one: the class in use is kept.
    const auto etoken = read_card_parameters(hex("3B 81 1F 00 CC 52"));
    REQUIRE(etoken.has_value());
    CHECK_FALSE(etoken->classes.has_value());
    CHECK(etoken->offered_protocols == 0x0001);
}

TEST_CASE("structurally broken ATRs are still refused: power off, next class, then bad_atr") {
    // Missing TCK with T=1 offered (8.2.5): at 5 V only (bVoltageSupport 01).
    ScriptPort port(test_port_info(false));
    auto descriptor = test_descriptor(transport::kFeatureTpduLevel);
    descriptor.bVoltageSupport = 0x01;
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::volts_5_0)), answer_read(data_block(1, hex("3B 80 01"))),
              expect_write(power_off(2)), answer_read(slot_status(2, IccStatus::present_inactive))});
    auto opened = CcidReader::open(port, descriptor);
    REQUIRE(opened.has_value());
    CHECK((*opened)->slot(0)->power_on().error() == ReaderError::bad_atr);
    CHECK((*opened)->slot(0)->last_cause() == iso7816::AtrError::missing_tck);
    check_script_done(port);
}
