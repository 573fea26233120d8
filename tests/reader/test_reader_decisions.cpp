// The pure decisions of the reader model: voltage order and class selection (ISO 7816-3
// 6.2.4), who negotiates what for each dwFeatures combination (CCID 5.1), the
// SetParameters structures (CCID 6.1.7) and the error translation.
#include <doctest/doctest.h>

#include "iso7816/pps.hpp"
#include "t0/error.hpp"
#include "t1/error.hpp"
#include "transport/ccid_error.hpp"
#include "transport/reader/card_parameters.hpp"
#include "transport/reader/protocol_setup.hpp"
#include "transport/reader/reader_error.hpp"
#include "transport/reader/voltage_order.hpp"
#include "transport/usb/usb_error.hpp"
#include "tests/reader/ccid_script.hpp"

using namespace tessera;
using namespace tessera::reader;
using transport::PowerSelect;

namespace {

transport::ReaderCapabilities caps_with(std::uint32_t features, std::uint8_t voltages = 0x07) {
    auto d = test::test_descriptor(features);
    d.bVoltageSupport = voltages;
    return transport::make_capabilities(d);
}

CardParameters card(const char* atr_hex) {
    auto parsed = read_card_parameters(test::hex(atr_hex));
    REQUIRE(parsed.has_value());
    return *parsed;
}

}  // namespace

TEST_CASE("voltage order starts with the lowest class the reader supports (ISO 7816-3 6.2.4)") {
    CHECK(voltage_order(caps_with(0, 0x07)) ==
          std::vector{PowerSelect::volts_1_8, PowerSelect::volts_3_0, PowerSelect::volts_5_0});
    CHECK(voltage_order(caps_with(0, 0x03)) == std::vector{PowerSelect::volts_3_0, PowerSelect::volts_5_0});
    CHECK(voltage_order(caps_with(0, 0x01)) == std::vector{PowerSelect::volts_5_0});
}

TEST_CASE("voltage order: automatic voltage selection or no voltage named means bPowerSelect 00") {
    CHECK(voltage_order(caps_with(transport::kFeatureAutoVoltage, 0x07)) == std::vector{PowerSelect::automatic});
    CHECK(voltage_order(caps_with(0, 0x00)) == std::vector{PowerSelect::automatic});
}

TEST_CASE("voltage order: a forced voltage (driver option) is the only one tried") {
    CHECK(voltage_order(caps_with(0, 0x07), PowerSelect::volts_5_0) == std::vector{PowerSelect::volts_5_0});
    CHECK(voltage_order(caps_with(transport::kFeatureAutoVoltage, 0x07), PowerSelect::volts_1_8) ==
          std::vector{PowerSelect::volts_1_8});
    CHECK(voltage_order(caps_with(0, 0x07), std::nullopt) == voltage_order(caps_with(0, 0x07)));
}

TEST_CASE("class indicator: kept without one, moved to a listed class with one") {
    const auto order = voltage_order(caps_with(0, 0x07));
    const CardParameters plain = card("3B 00");
    CHECK(class_accepted(plain, PowerSelect::volts_1_8));
    CHECK_FALSE(next_indicated_voltage(order, PowerSelect::volts_1_8, plain).has_value());

    // TD1 = 80 (T=0, TD2 follows), TD2 = 1F (T=15, TA3 follows), TA3 = first TA for T=15:
    // clock stop 0, classes A and B (03); TCK 1C.
    const CardParameters ab = card("3B 80 80 1F 03 1C");
    REQUIRE(ab.classes.has_value());
    CHECK_FALSE(class_accepted(ab, PowerSelect::volts_1_8));
    CHECK(class_accepted(ab, PowerSelect::volts_3_0));
    CHECK(next_indicated_voltage(order, PowerSelect::volts_1_8, ab) == PowerSelect::volts_3_0);
    CHECK(class_accepted(ab, PowerSelect::automatic));
    // Only class A listed: from 1.8 V straight to 5 V.
    const CardParameters a = card("3B 80 80 1F 01 1E");
    CHECK(next_indicated_voltage(order, PowerSelect::volts_1_8, a) == PowerSelect::volts_5_0);
    CHECK_FALSE(next_indicated_voltage(order, PowerSelect::volts_5_0, a).has_value());
}

TEST_CASE("setup policy: TPDU reader without automatic features: the host sends PPS and SetParameters") {
    const SetupPolicy p = setup_policy(caps_with(transport::kFeatureTpduLevel));
    CHECK(p.host_sends_pps);
    CHECK_FALSE(p.reader_runs_pps);
    CHECK(p.send_set_parameters);
    CHECK(p.host_requests_ifsd);
    CHECK(p.can_change_rates());
}

TEST_CASE("setup policy: automatic PPS (0x80) makes SetParameters the negotiation") {
    const SetupPolicy p = setup_policy(caps_with(transport::kFeatureTpduLevel | transport::kFeatureAutoPps));
    CHECK_FALSE(p.host_sends_pps);
    CHECK(p.reader_runs_pps);
    CHECK(p.send_set_parameters);
    CHECK(p.can_change_rates());
    CHECK(reader_rates(caps_with(transport::kFeatureAutoPps), p).pps_by == iso7816::PpsBy::reader);
}

TEST_CASE("setup policy: automatic parameter negotiation (0x40): the host sends nothing") {
    const SetupPolicy p = setup_policy(caps_with(transport::kFeatureTpduLevel |
                                                 transport::kFeatureAutoParameterNegotiation |
                                                 transport::kFeatureAutoPps));
    CHECK_FALSE(p.host_sends_pps);
    CHECK_FALSE(p.reader_runs_pps);
    CHECK(p.reader_negotiates_alone);
    CHECK_FALSE(p.send_set_parameters);
    CHECK_FALSE(p.can_change_rates());
}

TEST_CASE("setup policy: APDU levels never send PPS bytes and never run the T=1 IFSD request") {
    for (const std::uint32_t level : {transport::kFeatureShortApduLevel, transport::kFeatureExtendedApduLevel}) {
        const SetupPolicy p = setup_policy(caps_with(level));
        CHECK_FALSE(p.host_sends_pps);
        CHECK_FALSE(p.host_requests_ifsd);
        CHECK(p.send_set_parameters);
        CHECK_FALSE(p.can_change_rates());
    }
}

TEST_CASE("setup policy: automatic IFSD exchange (0x400) turns off the engine's S(IFS)") {
    CHECK_FALSE(setup_policy(caps_with(transport::kFeatureAutoIfsdExchange)).host_requests_ifsd);
    CHECK(setup_policy(caps_with(0)).host_requests_ifsd);  // character level
}

TEST_CASE("setup policy: automatic parameter configuration (0x02) skips SetParameters at ATR defaults only") {
    const SetupPolicy p = setup_policy(caps_with(transport::kFeatureTpduLevel |
                                                 transport::kFeatureAutoParameterConfiguration));
    iso7816::LinkChoice defaults;
    defaults.pps_needed = false;
    iso7816::LinkChoice faster;
    faster.fi_di = {1, 3};
    CHECK_FALSE(needs_set_parameters(p, defaults));
    CHECK(needs_set_parameters(p, faster));
    CHECK(needs_set_parameters(setup_policy(caps_with(transport::kFeatureTpduLevel)), defaults));
}

TEST_CASE("setup policy: SetDataRateAndClockFrequency only with a clock list and no automatic clock/baud") {
    auto d = test::test_descriptor(transport::kFeatureTpduLevel);
    d.bNumClockSupported = 2;
    CHECK(setup_policy(transport::make_capabilities(d)).may_set_clock);
    d.dwFeatures |= transport::kFeatureAutoClock;
    CHECK_FALSE(setup_policy(transport::make_capabilities(d)).may_set_clock);
    CHECK_FALSE(setup_policy(caps_with(transport::kFeatureTpduLevel)).may_set_clock);
}

TEST_CASE("usable candidates: without a way to change rates only the link without PPS remains") {
    const CardParameters c = card("3B 10 13");  // TA1 = 13: Fi 372, Di 4
    const auto caps = caps_with(transport::kFeatureShortApduLevel);
    const SetupPolicy p = setup_policy(caps);
    auto plan = iso7816::choose_rates(card_rates(c), reader_rates(caps, p), {});
    REQUIRE(plan.has_value());
    REQUIRE(plan->candidates.size() >= 2);
    const auto usable = usable_candidates(*plan, p);
    REQUIRE(usable.size() == 1);
    CHECK(usable[0].fi_di == iso7816::kDefaultFiDi);
    CHECK_FALSE(usable[0].pps_needed);

    const auto tpdu = caps_with(transport::kFeatureTpduLevel);
    auto all = iso7816::choose_rates(card_rates(c), reader_rates(tpdu, setup_policy(tpdu)), {});
    REQUIRE(all.has_value());
    CHECK(usable_candidates(*all, setup_policy(tpdu)).size() == all->candidates.size());
    CHECK(usable_candidates(*all, setup_policy(tpdu)).front().fi_di == iso7816::FiDi{1, 3});
}

TEST_CASE("SetParameters structures carry Fi/Di, convention, guard time, waiting integers, EDC, IFSC") {
    auto c = card("3B 00");
    c.inverse_convention = true;
    c.n = 2;
    c.ifsc = 0xFE;
    c.bwi = 4;
    c.cwi = 5;
    c.crc = true;
    c.wi = 20;
    iso7816::LinkChoice link;
    link.protocol = 1;
    link.fi_di = {1, 3};
    const auto t1 = std::get<transport::ProtocolDataT1>(protocol_data_for(c, link));
    CHECK(t1.bmFindexDindex == 0x13);
    CHECK(t1.bmTCCKST1 == 0x13);
    CHECK(t1.bGuardTimeT1 == 2);
    CHECK(t1.bmWaitingIntegersT1 == 0x45);
    CHECK(t1.bIFSC == 0xFE);
    link.protocol = 0;
    const auto t0 = std::get<transport::ProtocolDataT0>(protocol_data_for(c, link));
    CHECK(t0.bmFindexDindex == 0x13);
    CHECK(t0.bmTCCKST0 == 0x02);
    CHECK(t0.bGuardTimeT0 == 2);
    CHECK(t0.bWaitingIntegerT0 == 20);
}

TEST_CASE("card parameters from an inverse-convention ATR as the wire shows it") {
    // 3F 00 on the wire is 03 FF (each byte inverted and bit-reversed).
    const auto parsed = read_card_parameters(test::hex("03 FF"));
    REQUIRE(parsed.has_value());
    CHECK(parsed->inverse_convention);
    CHECK(parsed->atr == test::hex("3F 00"));
    CHECK_FALSE(read_card_parameters(test::hex("12 00")).has_value());
}

TEST_CASE("lower-layer errors map once onto ReaderError") {
    using transport::CcidError;
    CHECK(to_reader_error(make_error_code(CcidError::icc_mute)) == ReaderError::card_mute);
    CHECK(to_reader_error(make_error_code(CcidError::hw_error)) == ReaderError::reader_failed);
    CHECK(to_reader_error(make_error_code(CcidError::cmd_slot_busy)) == ReaderError::busy);
    CHECK(to_reader_error(make_error_code(CcidError::bad_atr_tck)) == ReaderError::bad_atr);
    CHECK(to_reader_error(make_error_code(usb::UsbError::no_device)) == ReaderError::reader_gone);
    CHECK(to_reader_error(make_error_code(usb::UsbError::timeout)) == ReaderError::timeout);
    CHECK(to_reader_error(make_error_code(transport::ExchangeError::time_extension_limit)) == ReaderError::timeout);
    CHECK(to_reader_error(make_error_code(transport::MessageError::truncated)) == ReaderError::protocol_error);
    CHECK(to_reader_error(make_error_code(t0::T0Error::extended_length_unsupported)) == ReaderError::not_supported);
    CHECK(to_reader_error(make_error_code(t0::T0Error::timeout)) == ReaderError::card_mute);
    CHECK(to_reader_error(make_error_code(t1::Error::resynch_failed)) == ReaderError::protocol_error);
    CHECK(to_reader_error(make_error_code(iso7816::PpsError::no_response)) == ReaderError::protocol_error);
    CHECK(to_reader_error(make_error_code(ReaderError::busy)) == ReaderError::busy);
    CHECK_FALSE(to_reader_error(std::error_code()));
    CHECK(to_reader_error(std::make_error_code(std::errc::io_error)) == ReaderError::reader_failed);
}

TEST_CASE("t1_inf_bound: a whole T=1 block fits one CCID message (CCID 6.1.4, ISO 7816-3 11.4.2)") {
    using t1::EdcType;
    CHECK(t1_inf_bound({0, 263}, EdcType::crc) == 248);  // SCR331-DI
    CHECK(t1_inf_bound({0, 263}, EdcType::lrc) == 249);
    CHECK(t1_inf_bound({0, 64}, EdcType::crc) == 49);  // Elatec TWN4, Identiv FIDO2: 64 - 10 - 3 - 2
    CHECK(t1_inf_bound({0, 64}, EdcType::lrc) == 50);
    CHECK(t1_inf_bound({0, 271}, EdcType::lrc) == 254);  // never beyond a valid IFS
    CHECK(t1_inf_bound({0, 65544}, EdcType::crc) == 254);
    CHECK(t1_inf_bound({0, 12}, EdcType::lrc) == 1);  // never 0
}
