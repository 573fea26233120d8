// Answers longer than the reader's dwMaxCCIDMessageLength (CCID 6.1.4 words the limit for
// what the host sends), byte by byte over a scripted UsbPort: readers that declare 263 or
// 264 bytes and return the 268-byte answer of a 256-byte short APDU, or a 269-byte T=1
// block, are read whole (the bulk-IN transfer has room for it, rounded up to whole
// packets); answers that are not well formed (dwLength beyond what came, or beyond the
// hard bound of transport::max_answer_length) are still refused; and what the driver
// sends stays within dwMaxCCIDMessageLength.
#include <doctest/doctest.h>

#include "t1/block.hpp"
#include "transport/ccid_message.hpp"
#include "transport/reader/card_parameters.hpp"
#include "transport/reader/ccid_reader.hpp"
#include "transport/reader/command_channel.hpp"
#include "transport/reader/protocol_setup.hpp"
#include "transport/reader/reader_error.hpp"
#include "tests/reader/ccid_script.hpp"
#include "tests/reader/script_port.hpp"

using namespace tessera;
using namespace tessera::reader;
using namespace tessera::test;
using namespace std::chrono_literals;
using transport::MessageError;
using transport::MessageType;
using transport::PowerSelect;

namespace {

constexpr std::uint32_t kDeclared = 263;  // dwMaxCCIDMessageLength of the reader under test

// A port whose bulk-IN endpoint has 64-byte packets (full speed).
usb::UsbPortInfo port_info() {
    auto info = test_port_info(false);
    info.bulk_in_max_packet = 64;
    return info;
}

// `count` bytes 00 01 02 ... then SW1 SW2 = 90 00.
Bytes response_apdu(std::size_t count) {
    Bytes bytes;
    for (std::size_t i = 0; i < count; ++i) bytes.push_back(static_cast<std::uint8_t>(i));
    bytes.push_back(0x90);
    bytes.push_back(0x00);
    return bytes;
}

Result<transport::Response> run_xfr(CommandChannel& channel, std::uint32_t declared, Bytes data) {
    return channel.run(0, [&](transport::Address address) {
        return transport::encode_xfr_block(test_limits(0, declared), address, data);
    });
}

void check_script_done(const ScriptPort& port) {
    for (const auto& m : port.mismatches()) MESSAGE(m);
    CHECK(port.mismatches().empty());
    CHECK(port.remaining() == 0);
}

}  // namespace

TEST_CASE("a 268-byte answer from a reader declaring 263 bytes is read whole, in 5 packets of 64") {
    ScriptPort port(port_info());
    CommandChannel channel(port, test_limits(0, kDeclared), {}, 0, 100ms);
    const Bytes read_binary = hex("00 B0 00 00 00");
    const Bytes answer = data_block(0, response_apdu(256));
    REQUIRE(answer.size() == 268);
    port.add({expect_write(xfr_block(0, read_binary, 0, 0, kDeclared)), answer_read(answer)});
    const auto response = run_xfr(channel, kDeclared, read_binary);
    REQUIRE_MESSAGE(response.has_value(), response.error().message());
    CHECK(response->abData == response_apdu(256));
    // 10 + 3 + 254 + 2 = 269 bytes rounded up to whole packets.
    CHECK(port.read_lengths() == std::vector<std::size_t>{320});
    check_script_done(port);
}

TEST_CASE("a 269-byte T=1 block and a long Escape answer are well formed; without packet size the buffer is exact") {
    ScriptPort port(test_port_info(false));  // wMaxPacketSize unknown
    CommandChannel channel(port, test_limits(0, kDeclared), {}, 0, 100ms);
    const Bytes block = t1::encode_block(t1::Block::i_block(0, 0, false, response_apdu(252)), t1::EdcType::crc);
    REQUIRE(block.size() == 259);
    port.add({expect_write(xfr_block(0, hex("00 00 00 00"), 0, 0, kDeclared)), answer_read(data_block(0, block))});
    const auto response = run_xfr(channel, kDeclared, hex("00 00 00 00"));
    REQUIRE_MESSAGE(response.has_value(), response.error().message());
    CHECK(response->abData == block);

    // RDR_to_PC_Escape (CCID 6.2.4) carries vendor data of any size up to the largest message.
    transport::Response escape;
    escape.bMessageType = MessageType::RDR_to_PC_Escape;
    escape.bSeq = 1;
    escape.abData = Bytes(1000, 0xA5);
    port.add({expect_write(*transport::encode_escape(test_limits(0, kDeclared), {0, 1}, hex("01 02"))),
              answer_read(transport::encode_response(escape))});
    const auto vendor = channel.run(0, [](transport::Address address) {
        return transport::encode_escape(test_limits(0, kDeclared), address, hex("01 02"));
    });
    REQUIRE_MESSAGE(vendor.has_value(), vendor.error().message());
    CHECK(vendor->abData.size() == 1000);
    CHECK(port.read_lengths() ==
          std::vector<std::size_t>{transport::kMinAnswerLength, transport::kMaxMaxMessageLength});
    check_script_done(port);
}

TEST_CASE("answers that are not well formed are refused: dwLength beyond what came, or beyond the hard bound") {
    ScriptPort port(port_info());
    CommandChannel channel(port, test_limits(0, kDeclared), {}, 0, 100ms);
    const Bytes apdu = hex("00 B0 00 00 00");
    std::uint8_t seq = 0;
    auto refused = [&](Bytes answer) {
        port.add({expect_write(xfr_block(seq, apdu, 0, 0, kDeclared)), answer_read(std::move(answer))});
        const auto response = run_xfr(channel, kDeclared, apdu);
        ++seq;
        return response ? std::error_code() : response.error();
    };
    // dwLength says 258 bytes, 200 came.
    Bytes cut = data_block(seq, response_apdu(256));
    cut.resize(10 + 200);
    CHECK(refused(cut) == MessageError::truncated);
    // 260 data bytes, all there and within the 320-byte buffer, but 10 + 260 exceeds the
    // hard bound max(263, 269) of a DataBlock.
    CHECK(refused(data_block(seq, Bytes(260, 0x11))) == MessageError::length_exceeds_maximum);
    // A header claiming 4 GiB.
    Bytes huge = data_block(seq, {});
    huge[1] = huge[2] = huge[3] = huge[4] = 0xFF;
    CHECK(refused(huge) == MessageError::length_exceeds_maximum);
    CHECK(channel.counters().aborts == 0);
    check_script_done(port);
    // More than even the rounded buffer holds: the transfer overflows, and the command is
    // aborted (CCID 5.3.1) since the reader's state is unknown.
    port.add({expect_write(xfr_block(seq, apdu, 0, 0, kDeclared)), answer_read(data_block(seq, Bytes(400, 0x22))),
              expect_control({0x21, 0x01, static_cast<std::uint16_t>((seq + 1) << 8), 0}),
              expect_write(abort_message(static_cast<std::uint8_t>(seq + 1))),
              answer_read(slot_status(static_cast<std::uint8_t>(seq + 1), IccStatus::present_active))});
    CHECK(run_xfr(channel, kDeclared, apdu).error() == usb::UsbError::overflow);
    CHECK(channel.counters().aborts == 1);
    check_script_done(port);
}

TEST_CASE("short APDU level, 263-byte messages: the driver sends at most 263 bytes, reads the 268-byte answer") {
    ScriptPort port(port_info());
    auto descriptor = test_descriptor(transport::kFeatureShortApduLevel | transport::kFeatureAutoVoltage |
                                      transport::kFeatureAutoParameterConfiguration |
                                      transport::kFeatureAutoParameterNegotiation);
    descriptor.dwMaxCCIDMessageLength = kDeclared;
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::automatic)), answer_read(data_block(1, hex("3B 00"))),
              expect_write(get_parameters(2)), answer_read(parameters_answer(2, transport::ProtocolDataT0{}))});
    auto opened = CcidReader::open(port, descriptor);
    REQUIRE(opened.has_value());
    auto& slot = *(*opened)->slot(0);
    REQUIRE(slot.power_on().has_value());
    check_script_done(port);

    // 253 bytes of APDU: a 263-byte XfrBlock, the most the reader accepts.
    Bytes update = hex("00 D6 00 00 F8");
    update.resize(253, 0x5A);
    port.add({expect_write(xfr_block(3, update, 0, 0, kDeclared)), answer_read(data_block(3, hex("90 00")))});
    CHECK(slot.transmit(update).has_value());
    // One byte more does not fit: refused before anything goes out.
    Bytes too_long = update;
    too_long.push_back(0x5A);
    CHECK(slot.transmit(too_long).error() == ReaderError::not_supported);
    // READ BINARY of 256 bytes: the 268-byte answer comes whole.
    port.add({expect_write(xfr_block(4, hex("00 B0 00 00 00"), 0, 0, kDeclared)),
              answer_read(data_block(4, response_apdu(256)))});
    const auto read = slot.transmit(hex("00 B0 00 00 00"));
    REQUIRE_MESSAGE(read.has_value(), read.error().message());
    CHECK(*read == response_apdu(256));
    check_script_done(port);
    for (const Bytes& sent : port.writes()) CHECK(sent.size() <= kDeclared);
}

TEST_CASE("T=1 at TPDU level with automatic IFSD exchange: the reader's IFSD is in force, its 254-byte blocks pass") {
    // 263-byte messages, dwMaxIFSD 254, the reader exchanges IFSD itself (CCID 5.1 0x400):
    // the card may send blocks of 3 + 254 + 2 bytes, in 269-byte DataBlocks. The host's own
    // blocks stay within 263 bytes (IFSC 254 cut to 248 with CRC).
    ScriptPort port(port_info());
    auto descriptor = test_descriptor(transport::kFeatureTpduLevel | transport::kFeatureAutoVoltage |
                                      transport::kFeatureAutoIfsdExchange);
    descriptor.dwMaxCCIDMessageLength = kDeclared;
    const Bytes atr = hex("3B 80 81 71 FE 45 01 CA");  // T=1, IFSC 254, CRC
    auto card = read_card_parameters(atr);
    REQUIRE(card.has_value());
    iso7816::LinkChoice fd_dd;
    fd_dd.protocol = 1;
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::automatic)), answer_read(data_block(1, atr)),
              expect_write(set_parameters(2, protocol_data_for(*card, fd_dd))),
              answer_read(parameters_answer(2, protocol_data_for(*card, fd_dd)))});
    auto opened = CcidReader::open(port, descriptor);
    REQUIRE(opened.has_value());
    auto& slot = *(*opened)->slot(0);
    REQUIRE(slot.power_on().has_value());
    const auto link = slot.link();
    REQUIRE(link.has_value());
    CHECK(link->ifsd == 254);  // the reader's, not cut to the message size
    CHECK(link->ifsc == 248);  // 263 - 10 - 3 - 2: what the host sends fits

    const auto crc = t1::EdcType::crc;
    const Bytes apdu = hex("00 B0 00 00 FC");
    port.add({expect_write(xfr_block(3, t1::encode_block(t1::Block::i_block(0, 0, false, apdu), crc), 0, 0, kDeclared)),
              answer_read(data_block(3, t1::encode_block(t1::Block::i_block(0, 0, false, response_apdu(252)), crc)))});
    const auto read = slot.transmit(apdu);
    REQUIRE_MESSAGE(read.has_value(), read.error().message());
    CHECK(*read == response_apdu(252));
    check_script_done(port);
    for (const Bytes& sent : port.writes()) CHECK(sent.size() <= kDeclared);
}
