// PC_to_RDR_XfrBlock at every exchange level (CCID 6.1.4, dwFeatures bits 16..18):
// character level, T=0 and T=1 TPDUs, PPS at TPDU level, short APDUs, extended APDUs with
// wLevelParameter / bChainParameter chaining both ways (Table 6.1-3, 6.2.1), and time
// extensions (6.2.6 bmCommandStatus 2) for cards that need time.
#include <doctest/doctest.h>

#include "iso7816/pps.hpp"
#include "t1/block.hpp"
#include "tests/emulator/model/model_test_support.hpp"
#include "tests/emulator/model/slot_errors.hpp"
#include "tests/sim/application.hpp"

using namespace tessera;
using namespace tessera::emulator;
using namespace tessera::emulator::testing;

namespace {

const Bytes kSelectEf{0x00, 0xA4, 0x00, 0x00, 0x02, 0x01, 0x01};

ReaderConfig with_card(Profile profile, sim::CardConfig card) {
    ReaderConfig config = make_profile(profile);
    InsertedCard inserted;
    inserted.card = std::move(card);
    config.cards = {inserted};
    return config;
}

sim::CardConfig t1_only_card() {
    sim::CardConfig card;
    card.atr.protocols = {1};
    return card;
}

Bytes file_bytes(CcidDevice& device, std::size_t offset, std::size_t length) {
    const Bytes& file = device.card(0)->application().selected_file();
    REQUIRE(offset + length <= file.size());
    return Bytes(file.begin() + static_cast<std::ptrdiff_t>(offset),
                 file.begin() + static_cast<std::ptrdiff_t>(offset + length));
}

Bytes data_of(const Bytes& response) {
    REQUIRE(response.size() >= 2);
    return Bytes(response.begin(), response.end() - 2);
}

Bytes echo_command(std::size_t length, bool extended) {
    Bytes apdu{0x80, sim::kInsEcho, 0x00, 0x00};
    if (extended) {
        apdu.insert(apdu.end(), {0x00, static_cast<std::uint8_t>(length >> 8),
                                 static_cast<std::uint8_t>(length & 0xFF)});
    } else {
        apdu.push_back(static_cast<std::uint8_t>(length));
    }
    for (std::size_t i = 0; i < length; ++i) {
        apdu.push_back(static_cast<std::uint8_t>(i * 7 + 3));
    }
    if (extended) {
        apdu.insert(apdu.end(), {0x00, 0x00});
    } else {
        apdu.push_back(0x00);
    }
    return apdu;
}

Bytes echo_payload(const Bytes& command, bool extended) {
    const std::size_t header = extended ? 7 : 5;
    const std::size_t trailer = extended ? 2 : 1;
    return Bytes(command.begin() + static_cast<std::ptrdiff_t>(header),
                 command.end() - static_cast<std::ptrdiff_t>(trailer));
}

}  // namespace

TEST_CASE("TPDU level, T=0: TPDUs run on the card, data and status come back") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    auto response = host.xfr(kSelectEf);
    REQUIRE(response.processed());
    CHECK(status_word(response.abData) == 0x9000);

    response = host.xfr(Bytes{0x00, 0xB0, 0x00, 0x10, 0x20});
    REQUIRE(response.processed());
    CHECK(status_word(response.abData) == 0x9000);
    CHECK(data_of(response.abData) == file_bytes(*device, 0x10, 0x20));
    CHECK(device->counters().received(transport::MessageType::PC_to_RDR_XfrBlock) == 2);
}

TEST_CASE("TPDU level, T=1: blocks go to the card as they are") {
    const auto device = make_device(with_card(Profile::tpdu, t1_only_card()));
    Host host(*device);
    REQUIRE(host.power_on().processed());
    REQUIRE(host.set_parameters(transport::ProtocolDataT1{}).processed());
    const Bytes block = t1::encode_block(t1::Block::i_block(0, 0, false, kSelectEf), t1::EdcType::lrc);
    const auto response = host.xfr(block);
    REQUIRE(response.processed());
    const auto answer = t1::parse_block(response.abData, t1::EdcType::lrc);
    REQUIRE(answer.has_value());
    CHECK(answer->kind == t1::BlockKind::i);
    CHECK(status_word(answer->inf) == 0x9000);
}

TEST_CASE("below APDU level a card not at the slot's protocol and rate is mute") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    // The card runs T=0 (its first protocol); the host sets T=1 without PPS.
    REQUIRE(host.set_parameters(transport::ProtocolDataT1{}).processed());
    const auto response = host.xfr(kSelectEf);
    CHECK(response.failed());
    CHECK(response.bError == kErrorIccMute);
}

TEST_CASE("PPS at TPDU level goes to the card; the host then sets the new rate") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    const auto ta1 = iso7816::FiDi::from_byte(*device->card(0)->config().atr.ta1);
    const iso7816::PpsRequest request{0, ta1, std::nullopt, std::nullopt};
    const auto pps = iso7816::build_pps_request(request);
    REQUIRE(pps.has_value());
    const auto response = host.xfr(*pps);
    REQUIRE(response.processed());
    CHECK(iso7816::validate_pps_response(request, response.abData).has_value());
    CHECK(device->card(0)->link().fi_di == ta1);

    // The slot still runs Fd/Dd: the card does not hear it.
    CHECK(host.xfr(kSelectEf).bError == kErrorIccMute);
    transport::ProtocolDataT0 t0;
    t0.bmFindexDindex = ta1.byte();
    REQUIRE(host.set_parameters(t0).processed());
    const auto select = host.xfr(kSelectEf);
    REQUIRE(select.processed());
    CHECK(status_word(select.abData) == 0x9000);
}

TEST_CASE("short APDU level: whole APDUs, 256 bytes out and a 255-byte echo") {
    const auto device = make_device(Profile::short_apdu);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    REQUIRE(host.xfr(kSelectEf).processed());
    auto response = host.xfr(Bytes{0x00, 0xB0, 0x00, 0x00, 0x00});
    REQUIRE(response.processed());
    CHECK(response.abData.size() == 258);
    CHECK(data_of(response.abData) == file_bytes(*device, 0, 256));

    const Bytes echo = echo_command(255, false);
    response = host.xfr(echo);
    REQUIRE(response.processed());
    CHECK(status_word(response.abData) == 0x9000);
    CHECK(data_of(response.abData) == echo_payload(echo, false));
}

TEST_CASE("extended APDU level: responses and commands chained per CCID 6.1.4") {
    const auto device = make_device(Profile::extended_apdu);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    REQUIRE(host.xfr(kSelectEf).processed());
    const std::size_t piece = host.limits().max_data_length();

    SUBCASE("a 4 KiB READ BINARY") {
        std::size_t parts = 0;
        const Bytes response = host.extended_apdu(Bytes{0x00, 0xB0, 0x00, 0x00, 0x00, 0x10, 0x00}, nullptr, &parts);
        CHECK(status_word(response) == 0x9000);
        CHECK(data_of(response) == file_bytes(*device, 0, 4096));
        CHECK(parts == (4096 + 2 + piece - 1) / piece);
    }
    SUBCASE("a 65536-byte READ BINARY") {
        std::size_t parts = 0;
        const Bytes response = host.extended_apdu(Bytes{0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00}, nullptr, &parts);
        CHECK(status_word(response) == 0x9000);
        CHECK(data_of(response) == file_bytes(*device, 0, 65536));
        CHECK(parts == (65536 + 2 + piece - 1) / piece);
    }
    SUBCASE("a 255-byte echo in one message each way") {
        const Bytes echo = echo_command(255, false);
        std::size_t commands = 0;
        std::size_t parts = 0;
        const Bytes response = host.extended_apdu(echo, &commands, &parts);
        CHECK(commands == 1);
        CHECK(parts == 1);
        CHECK(data_of(response) == echo_payload(echo, false));
    }
    SUBCASE("a 3000-byte extended echo chained both ways") {
        const Bytes echo = echo_command(3000, true);
        std::size_t commands = 0;
        std::size_t parts = 0;
        const Bytes response = host.extended_apdu(echo, &commands, &parts);
        CHECK(commands == (echo.size() + piece - 1) / piece);
        CHECK(parts == (3000 + 2 + piece - 1) / piece);
        CHECK(status_word(response) == 0x9000);
        CHECK(data_of(response) == echo_payload(echo, true));
    }
    SUBCASE("chaining out of order is a bad wLevelParameter (offset 8)") {
        for (const auto chain : {transport::XfrChain::ends, transport::XfrChain::continues,
                                 transport::XfrChain::continue_response}) {
            CAPTURE(static_cast<int>(chain));
            const Bytes data = chain == transport::XfrChain::continue_response ? Bytes{} : kSelectEf;
            const auto response =
                host.run(transport::encode_xfr_block(host.limits(), host.next(), data, chain));
            CHECK(response.failed());
            CHECK(transport::bad_parameter_offset(response.bError) == 8);
        }
    }
}

TEST_CASE("character level: bytes to the card, wLevelParameter bytes back") {
    SUBCASE("T=0: header, procedure byte, data and status") {
        const auto device = make_device(Profile::character);
        Host host(*device);
        REQUIRE(host.power_on().processed());
        const Bytes header{0x00, 0xB0, 0x00, 0x08, 0x04};
        auto response = host.xfr(header, 0, 1);
        REQUIRE(response.processed());
        REQUIRE(response.abData.size() == 1);
        CHECK(response.abData[0] == header[1]);  // ACK = INS (ISO 7816-3 10.3.3)
        response = host.xfr(Bytes{}, 0, 6);
        REQUIRE(response.processed());
        REQUIRE(response.abData.size() == 6);
        CHECK(status_word(response.abData) == 0x9000);
        CHECK(data_of(response.abData) == file_bytes(*device, 8, 4));
        // Nothing more comes from the card: asking for a byte times out as ICC_MUTE.
        CHECK(host.xfr(Bytes{}, 0, 1).bError == kErrorIccMute);
    }
    SUBCASE("T=1: a block sent whole, read back as prologue then the rest") {
        const auto device = make_device(with_card(Profile::character, t1_only_card()));
        Host host(*device);
        REQUIRE(host.power_on().processed());
        REQUIRE(host.set_parameters(transport::ProtocolDataT1{}).processed());
        const Bytes block = t1::encode_block(t1::Block::i_block(0, 0, false, kSelectEf), t1::EdcType::lrc);
        auto prologue = host.xfr(block, 0, 3);
        REQUIRE(prologue.processed());
        REQUIRE(prologue.abData.size() == 3);
        auto rest = host.xfr(Bytes{}, 0, static_cast<std::uint16_t>(prologue.abData[2] + 1));
        REQUIRE(rest.processed());
        Bytes whole = prologue.abData;
        whole.insert(whole.end(), rest.abData.begin(), rest.abData.end());
        const auto answer = t1::parse_block(whole, t1::EdcType::lrc);
        REQUIRE(answer.has_value());
        CHECK(status_word(answer->inf) == 0x9000);
    }
}

TEST_CASE("a card that needs time gets time extensions before its answer") {
    for (const auto profile : {Profile::tpdu, Profile::short_apdu, Profile::extended_apdu}) {
        CAPTURE(to_string(profile));
        // Case 1: a T=0 TPDU carries P3 = 00 (ISO 7816-3 10.3.2), the APDU does not.
        Bytes slow{0x80, sim::kInsSlow, 0x03, 0x00};
        if (profile == Profile::tpdu) {
            slow.push_back(0x00);
        }
        const auto device = make_device(profile);
        Host host(*device);
        REQUIRE(host.power_on().processed());
        std::size_t extensions = 0;
        const auto response = host.xfr(slow, 0, 0, &extensions);
        REQUIRE(response.processed());
        CHECK(status_word(response.abData) == 0x9000);
        CHECK(extensions == slow[2]);
        CHECK(device->counters().time_extensions_sent == slow[2]);
    }
}

TEST_CASE("a slow card: configured time extensions with their multiplier") {
    ReaderConfig config = make_profile(Profile::short_apdu);
    config.cards[0]->time_extensions_per_command = 2;
    config.cards[0]->time_extension_multiplier = 5;
    const auto device = make_device(config);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    REQUIRE(host.send(*transport::encode_xfr_block(host.limits(), host.next(), kSelectEf)).status ==
            Completion::done);
    for (int i = 0; i < 2; ++i) {
        const auto extension = host.receive();
        CHECK(extension.time_extension());
        CHECK(extension.bError == 5);
        CHECK(extension.bSeq == host.last_seq());
    }
    const auto response = host.receive();
    CHECK(response.processed());
    CHECK(status_word(response.abData) == 0x9000);
    CHECK(host.read().status == Completion::pending);
}

TEST_CASE("263-byte messages: READ BINARY 256 is XFR_OVERRUN, unless the reader answers beyond the limit") {
    for (const bool beyond : {false, true}) {
        CAPTURE(beyond);
        ReaderConfig config = make_profile(Profile::short_apdu);
        config.descriptor.dwMaxCCIDMessageLength = 263;
        config.answers_beyond_max_message_length = beyond;
        const auto device = make_device(config);
        Host host(*device);
        REQUIRE(host.power_on().processed());
        REQUIRE(host.xfr(kSelectEf).processed());
        const auto response = host.xfr(Bytes{0x00, 0xB0, 0x00, 0x00, 0x00});
        if (beyond) {
            REQUIRE(response.processed());
            CHECK(response.abData.size() == 258);  // a 268-byte message
            CHECK(status_word(response.abData) == 0x9000);
        } else {
            CHECK(response.failed());
            CHECK(response.bError == kErrorXfrOverrun);
        }
    }
}
