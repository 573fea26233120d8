// Power and parameters of an emulated slot: IccPowerOn with its ATR (direct and inverse
// convention) and voltage selection (CCID 6.1.1), IccPowerOff and GetSlotStatus (6.1.2,
// 6.1.3), Get/Reset/SetParameters (6.1.5 to 6.1.7), and what readers with automatic
// features do on their own (dwFeatures 0x02, 0x40, 0x80, 0x400; CCID 5.1).
#include <doctest/doctest.h>

#include "iso7816/atr.hpp"
#include "t1/block.hpp"
#include "tests/emulator/model/model_test_support.hpp"
#include "tests/emulator/model/slot_errors.hpp"
#include "transport/ccid_error.hpp"

using namespace tessera;
using namespace tessera::emulator;
using namespace tessera::emulator::testing;
using transport::IccStatus;

namespace {

InsertedCard card_with(sim::CardConfig config, std::uint8_t voltages = kAllVoltages) {
    InsertedCard card;
    card.card = std::move(config);
    card.accepted_voltages = voltages;
    return card;
}

ReaderConfig with_card(Profile profile, InsertedCard card) {
    ReaderConfig config = make_profile(profile);
    config.cards = {card};
    return config;
}

std::uint8_t findex_dindex(const transport::Response& parameters) {
    REQUIRE(parameters.abProtocolDataStructure.has_value());
    return std::visit([](const auto& p) { return p.bmFindexDindex; }, *parameters.abProtocolDataStructure);
}

}  // namespace

TEST_CASE("IccPowerOn answers the card's ATR and activates the slot") {
    for (const auto convention : {iso7816::Convention::direct, iso7816::Convention::inverse}) {
        CAPTURE(static_cast<int>(convention));
        sim::CardConfig card = dual_protocol_card();
        card.atr.convention = convention;
        const auto device = make_device(with_card(Profile::tpdu, card_with(card)));
        Host host(*device);

        CHECK(host.slot_status().bmICCStatus == IccStatus::present_inactive);
        const auto response = host.power_on();
        REQUIRE(response.processed());
        CHECK(response.bmICCStatus == IccStatus::present_active);
        CHECK(response.abData == device->card(0)->atr());
        const auto atr = iso7816::parse_atr(response.abData);
        REQUIRE(atr.has_value());
        CHECK(atr->convention == convention);

        // The reader uses the card's convention from TS (bmTCCKST0 bit 1, CCID 6.1.7).
        const auto parameters = host.get_parameters();
        REQUIRE(parameters.processed());
        const auto& t0 = std::get<transport::ProtocolDataT0>(*parameters.abProtocolDataStructure);
        CHECK(((t0.bmTCCKST0 & 0x02) != 0) == (convention == iso7816::Convention::inverse));
    }
}

TEST_CASE("IccPowerOff deactivates the card; an empty slot reports absent") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    REQUIRE(device->card(0)->powered());
    const auto off = host.run(transport::encode_icc_power_off(host.limits(), host.next()));
    CHECK(off.processed());
    CHECK(off.bmICCStatus == IccStatus::present_inactive);
    CHECK_FALSE(device->card(0)->powered());

    device->remove_card(0);
    CHECK(host.slot_status().bmICCStatus == IccStatus::absent);
    const auto on = host.power_on();
    CHECK(on.failed());
    CHECK(on.bError == kErrorIccMute);
    CHECK(on.bmICCStatus == IccStatus::absent);
}

TEST_CASE("bPowerSelect is checked against bVoltageSupport and the card's classes") {
    // A 1.8 V card in a reader with every class: the host's retry of lower classes works.
    ReaderConfig config = with_card(Profile::tpdu, card_with(dual_protocol_card(), kVoltage1V8));
    auto device = make_device(config);
    Host host(*device);
    auto response = host.power_on(0, transport::PowerSelect::volts_5_0);
    CHECK(response.failed());
    CHECK(transport::slot_error(response.bError) == transport::CcidError::icc_mute);
    CHECK_FALSE(device->card(0)->powered());
    response = host.power_on(0, transport::PowerSelect::volts_3_0);
    CHECK(response.bError == kErrorIccMute);
    response = host.power_on(0, transport::PowerSelect::volts_1_8);
    CHECK(response.processed());
    CHECK(response.abData == device->card(0)->atr());

    // Automatic selection finds the class both sides share.
    device = make_device(config);
    Host automatic(*device);
    CHECK(automatic.power_on(0, transport::PowerSelect::automatic).processed());

    // A voltage the reader does not offer is a bad bPowerSelect (offset 7).
    config.descriptor.bVoltageSupport = kVoltage5V;
    device = make_device(config);
    Host five_volt(*device);
    response = five_volt.power_on(0, transport::PowerSelect::volts_3_0);
    CHECK(response.failed());
    CHECK(transport::bad_parameter_offset(response.bError) == 7);
    // ...and automatic selection on it reaches no class of this card.
    CHECK(five_volt.power_on(0, transport::PowerSelect::automatic).bError == kErrorIccMute);
}

TEST_CASE("SetParameters sets, GetParameters reads, ResetParameters restores") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    const auto after_reset = host.get_parameters();
    REQUIRE(after_reset.processed());
    CHECK(after_reset.bProtocolNum == 0);

    transport::ProtocolDataT1 t1;
    t1.bmFindexDindex = 0x13;
    t1.bmTCCKST1 = 0x11;  // CRC
    t1.bIFSC = 0xFE;
    t1.bmWaitingIntegersT1 = 0x45;
    auto set = host.set_parameters(t1);
    REQUIRE(set.processed());
    CHECK(set.bProtocolNum == 1);
    REQUIRE(set.abProtocolDataStructure.has_value());
    CHECK(std::get<transport::ProtocolDataT1>(*set.abProtocolDataStructure) == t1);
    CHECK(wire::write_parameters(device->slot_parameters(0)) == transport::encode_protocol_data(t1));
    CHECK(host.get_parameters().abProtocolDataStructure == set.abProtocolDataStructure);

    const auto reset = host.run(transport::encode_reset_parameters(host.limits(), host.next()));
    REQUIRE(reset.processed());
    CHECK(reset.abProtocolDataStructure == after_reset.abProtocolDataStructure);
}

TEST_CASE("SetParameters with a bad field fails with that field's offset") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    struct Case {
        const char* what;
        std::size_t offset;  // the byte patched in a valid T=1 SetParameters
        std::uint8_t value;
    };
    // CCID 6.1.7: 10 bmFindexDindex, 11 bmTCCKST1, 13 bmWaitingIntegersT1, 14 bClockStop,
    // 15 bIFSC, 16 bNadValue; 7 bProtocolNum.
    const Case cases[] = {
        {"reserved Fi", 10, 0x71},          {"reserved Di", 10, 0x1A},
        {"bmTCCKST1", 11, 0x14},            {"BWI 10", 13, 0xA5},
        {"bClockStop 4", 14, 0x04},         {"bIFSC 0", 15, 0x00},
        {"bIFSC FF", 15, 0xFF},             {"NAD without 0x200", 16, 0x12},
        {"bProtocolNum 2", 7, 0x02},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        auto message = transport::encode_set_parameters(host.limits(), host.next(), transport::ProtocolDataT1{});
        REQUIRE(message.has_value());
        (*message)[c.offset] = c.value;
        const auto response = host.run(Result<Bytes>(*message));
        CHECK(response.failed());
        CHECK(transport::bad_parameter_offset(response.bError) == c.offset);
    }

    // dwLength that does not fit bProtocolNum: bad length (offset 1).
    auto message = transport::encode_set_parameters(host.limits(), host.next(), transport::ProtocolDataT0{});
    REQUIRE(message.has_value());
    (*message)[7] = 1;  // says T=1 with the 5 bytes of T=0
    const auto response = host.run(Result<Bytes>(*message));
    CHECK(response.failed());
    CHECK(response.bError == kOffsetDwLength);
}

TEST_CASE("SetParameters refuses a rate the reader cannot run") {
    ReaderConfig config = make_profile(Profile::tpdu);
    config.descriptor.dwMaxDataRate = 43010;  // 4 MHz, Fi 372, Di 4
    const auto device = make_device(config);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    transport::ProtocolDataT0 t0;
    t0.bmFindexDindex = 0x13;
    CHECK(host.set_parameters(t0).processed());
    t0.bmFindexDindex = 0x18;  // Di 12: 129 032 bps
    const auto response = host.set_parameters(t0);
    CHECK(response.failed());
    CHECK(transport::bad_parameter_offset(response.bError) == 10);
}

TEST_CASE("automatic parameter negotiation (0x40): the reader runs PPS at power-on") {
    SUBCASE("the card accepts its TA1") {
        const auto device = make_device(Profile::tpdu_auto_pps);
        Host host(*device);
        REQUIRE(host.power_on().processed());
        const sim::Card& card = *device->card(0);
        const auto wanted = iso7816::FiDi::from_byte(*card.config().atr.ta1);
        CHECK(card.link().fi_di == wanted);
        CHECK(card.link().protocol == card.config().atr.protocols.front());
        const auto parameters = host.get_parameters();
        CHECK(findex_dindex(parameters) == wanted.byte());
        CHECK(parameters.bProtocolNum == card.link().protocol);
        CHECK_FALSE(card.pps_window_open());
    }
    SUBCASE("the card refuses PPS: the reader falls back to Fd/Dd") {
        sim::CardConfig refusing = dual_protocol_card();
        refusing.pps = sim::PpsBehaviour::refuse;
        const auto device = make_device(with_card(Profile::tpdu_auto_pps, card_with(refusing)));
        Host host(*device);
        REQUIRE(host.power_on().processed());
        CHECK(device->card(0)->link().fi_di == iso7816::kDefaultFiDi);
        CHECK(findex_dindex(host.get_parameters()) == iso7816::kDefaultFiDi.byte());
    }
}

TEST_CASE("automatic PPS on SetParameters (0x80): the reader negotiates what the host sets") {
    ReaderConfig config = make_profile(Profile::tpdu);
    config.descriptor.dwFeatures |= transport::kFeatureAutoPps;
    SUBCASE("accepted") {
        const auto device = make_device(config);
        Host host(*device);
        REQUIRE(host.power_on().processed());
        transport::ProtocolDataT0 t0;
        t0.bmFindexDindex = 0x13;
        REQUIRE(host.set_parameters(t0).processed());
        CHECK(device->card(0)->link().fi_di == iso7816::FiDi::from_byte(0x13));
        const Bytes select{0x00, 0xA4, 0x00, 0x00, 0x02, 0x01, 0x01};
        const auto answer = host.xfr(select);
        REQUIRE(answer.processed());
        CHECK(status_word(answer.abData) == 0x9000);
    }
    SUBCASE("refused") {
        sim::CardConfig refusing = dual_protocol_card();
        refusing.pps = sim::PpsBehaviour::refuse;
        config.cards = {card_with(refusing)};
        const auto device = make_device(config);
        Host host(*device);
        REQUIRE(host.power_on().processed());
        transport::ProtocolDataT0 t0;
        t0.bmFindexDindex = 0x13;
        const auto response = host.set_parameters(t0);
        CHECK(response.failed());
        CHECK(response.bError == kErrorIccMute);
    }
}

TEST_CASE("automatic IFSD exchange (0x400): a T=1 card chains at the reader's IFSD") {
    sim::CardConfig t1_card;
    t1_card.atr.protocols = {1};
    const Bytes read_200{0x00, 0xB0, 0x00, 0x00, 0xC8};
    const Bytes block = t1::encode_block(t1::Block::i_block(0, 0, false, read_200), t1::EdcType::lrc);

    for (const bool automatic : {true, false}) {
        CAPTURE(automatic);
        ReaderConfig config = with_card(automatic ? Profile::tpdu_auto_pps : Profile::tpdu, card_with(t1_card));
        const auto device = make_device(config);
        Host host(*device);
        REQUIRE(host.power_on().processed());
        if (!automatic) {
            REQUIRE(host.set_parameters(transport::ProtocolDataT1{}).processed());
        } else {
            REQUIRE(host.get_parameters().bProtocolNum == 1);
        }
        const auto answer = host.xfr(block);
        REQUIRE(answer.processed());
        const auto parsed = t1::parse_block(answer.abData, t1::EdcType::lrc);
        REQUIRE(parsed.has_value());
        REQUIRE(parsed->kind == t1::BlockKind::i);
        // 200 bytes + SW fit one block only after S(IFS 254); at IFSD 32 the card chains.
        CHECK(parsed->more == !automatic);
        if (automatic) {
            CHECK(parsed->inf.size() == read_200[4] + 2u);
        }
    }
}

TEST_CASE("automatic IFSD exchange (0x400) waits for the first T=1 XfrBlock: a host PPS still reaches the card") {
    // A reader with automatic parameters (0x02), PPS on SetParameters (0x80) and IFSD
    // exchange (0x400) but no automatic negotiation (0x40): CCID 5.1 has the IFSD exchange
    // as the first exchange of T=1, so the card's PPS window (ISO 7816-3 9.1) stays open.
    sim::CardConfig t1_card;
    t1_card.atr.protocols = {1};
    t1_card.atr.ta1 = 0x13;
    ReaderConfig config = with_card(Profile::tpdu, card_with(t1_card));
    config.descriptor.dwFeatures |= transport::kFeatureAutoParameterConfiguration |
                                    transport::kFeatureAutoPps | transport::kFeatureAutoIfsdExchange;
    const auto device = make_device(config);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    REQUIRE(host.get_parameters().bProtocolNum == 1);
    CHECK(device->card(0)->pps_window_open());

    transport::ProtocolDataT1 t1;
    t1.bmFindexDindex = 0x13;
    REQUIRE(host.set_parameters(t1).processed());
    CHECK(device->card(0)->link().fi_di == iso7816::FiDi::from_byte(0x13));
    CHECK(device->card(0)->link().protocol == 1);

    const Bytes read_200{0x00, 0xB0, 0x00, 0x00, 0xC8};
    const Bytes block = t1::encode_block(t1::Block::i_block(0, 0, false, read_200), t1::EdcType::lrc);
    const auto answer = host.xfr(block);
    REQUIRE(answer.processed());
    const auto parsed = t1::parse_block(answer.abData, t1::EdcType::lrc);
    REQUIRE(parsed.has_value());
    REQUIRE(parsed->kind == t1::BlockKind::i);
    // S(IFS 254) went first on this XfrBlock: the 200 bytes + SW come in one block.
    CHECK_FALSE(parsed->more);
    CHECK(parsed->inf.size() == read_200[4] + 2u);
}

TEST_CASE("SetParameters always accepts the default Fi/Di 11, even off the listed data rates") {
    ReaderConfig config = make_profile(Profile::tpdu);
    config.clocks_khz = {4000};
    config.data_rates_bps = {43010};  // 4 MHz, Fi 372, Di 4 only: not clock/372
    config.descriptor.bNumClockSupported = 1;
    config.descriptor.bNumDataRatesSupported = 1;
    const auto device = make_device(config);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    transport::ProtocolDataT0 t0;
    t0.bmFindexDindex = 0x11;
    CHECK(host.set_parameters(t0).processed());
    transport::ProtocolDataT1 t1;
    t1.bmFindexDindex = 0x11;
    CHECK(host.set_parameters(t1).processed());
    t0.bmFindexDindex = 0x13;
    CHECK(host.set_parameters(t0).processed());
    t0.bmFindexDindex = 0x12;  // 21 505 bps: not listed
    const auto response = host.set_parameters(t0);
    CHECK(response.failed());
    CHECK(transport::bad_parameter_offset(response.bError) == 10);
}

TEST_CASE("a host PPS at TPDU level reaches the card when Fi/Di match, whatever the protocol") {
    // Reader set to T=1 at Fd/Dd while the dual-protocol card is still in T=0 after its ATR.
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    REQUIRE(device->card(0)->link().protocol == 0);
    REQUIRE(host.set_parameters(transport::ProtocolDataT1{}).processed());
    REQUIRE(device->card(0)->pps_window_open());

    const Bytes pps{0xFF, 0x11, 0x13, static_cast<std::uint8_t>(0xFF ^ 0x11 ^ 0x13)};
    const auto answer = host.xfr(pps);
    REQUIRE(answer.processed());
    CHECK(answer.abData == pps);
    CHECK(device->card(0)->link().protocol == 1);
    CHECK(device->card(0)->link().fi_di == iso7816::FiDi::from_byte(0x13));

    transport::ProtocolDataT1 t1;
    t1.bmFindexDindex = 0x13;
    REQUIRE(host.set_parameters(t1).processed());
    const Bytes select{0x00, 0xA4, 0x00, 0x00, 0x02, 0x01, 0x01};
    const Bytes block = t1::encode_block(t1::Block::i_block(0, 0, false, select), t1::EdcType::lrc);
    const auto reply = host.xfr(block);
    REQUIRE(reply.processed());
    const auto parsed = t1::parse_block(reply.abData, t1::EdcType::lrc);
    REQUIRE(parsed.has_value());
    CHECK(status_word(parsed->inf) == 0x9000);
}

TEST_CASE("a host PPS at TPDU level is still mute when Fi/Di differ from the card's") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    transport::ProtocolDataT0 t0;
    t0.bmFindexDindex = 0x13;  // no 0x80: the card stays at Fd/Dd
    REQUIRE(host.set_parameters(t0).processed());
    const Bytes pps{0xFF, 0x10, 0x13, static_cast<std::uint8_t>(0xFF ^ 0x10 ^ 0x13)};
    const auto answer = host.xfr(pps);
    CHECK(answer.failed());
    CHECK(answer.bError == kErrorIccMute);
}
