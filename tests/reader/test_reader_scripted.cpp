// CcidReader and Slot over a scripted UsbPort: the exact CCID messages for open, power on
// with class selection, PPS, SetParameters, XfrBlock; scripted answers with failures,
// time extensions, stale bSeq, timeouts (abort sequence, CCID 5.3.1), stalls and device
// loss; presence changes from the interrupt endpoint waking the right waiter.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <thread>

#include "t1/block.hpp"
#include "transport/ccid_interrupt.hpp"
#include "transport/reader/card_parameters.hpp"
#include "transport/reader/ccid_reader.hpp"
#include "transport/reader/protocol_setup.hpp"
#include "transport/usb/usb_error.hpp"
#include "tests/reader/ccid_script.hpp"
#include "tests/reader/script_port.hpp"

using namespace tessera;
using namespace tessera::reader;
using namespace tessera::test;
using namespace std::chrono_literals;
using transport::MessageType;
using transport::PowerSelect;

namespace {

constexpr std::uint8_t kIccMute = 0xFE;
constexpr std::uint8_t kPinCancelled = 0xEF;  // CCID 6.2.6 PIN_CANCELLED

// The ABORT class request (CCID 5.3.1): class, interface, host to device; wValue bSeq << 8
// | bSlot; wIndex the interface (0).
usb::ControlSetup abort_setup(std::uint8_t seq, std::uint8_t slot = 0) {
    return {0x21, 0x01, static_cast<std::uint16_t>(seq << 8 | slot), 0};
}

std::unique_ptr<CcidReader> open_reader(ScriptPort& port, const transport::ClassDescriptor& descriptor) {
    auto reader = CcidReader::open(port, descriptor);
    REQUIRE(reader.has_value());
    return std::move(*reader);
}

void check_script_done(const ScriptPort& port) {
    for (const auto& m : port.mismatches()) MESSAGE(m);
    CHECK(port.mismatches().empty());
    CHECK(port.remaining() == 0);
}

// Plays a script in which the first candidate rate is refused: the card is powered on
// with the second one, `fi_di`, after one fallback, and the script is used up.
void check_power_on_falls_back(ScriptPort& port, const transport::ClassDescriptor& descriptor,
                               iso7816::FiDi fi_di) {
    auto reader = open_reader(port, descriptor);
    auto atr = reader->slot(0)->power_on();
    REQUIRE(atr.has_value());
    const auto link = reader->slot(0)->link();
    REQUIRE(link.has_value());
    CHECK(link->fi_di == fi_di);
    CHECK(link->fallbacks == 1);
    check_script_done(port);
}

// Opens a one-slot reader and powers a card with ATR 3B 00 at 5 V (automatic voltage
// selection), T=0 at Fd/Dd: bSeq 0 GetSlotStatus, 1 IccPowerOn, 2 SetParameters.
std::unique_ptr<CcidReader> powered_reader(ScriptPort& port, std::uint32_t features) {
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::automatic)), answer_read(data_block(1, hex("3B 00"))),
              expect_write(set_parameters(2, transport::ProtocolDataT0{})),
              answer_read(parameters_answer(2, transport::ProtocolDataT0{}))});
    auto reader = open_reader(port, test_descriptor(features | transport::kFeatureAutoVoltage));
    auto atr = reader->slot(0)->power_on();
    REQUIRE(atr.has_value());
    CHECK(*atr == hex("3B 00"));
    return reader;
}

// Opens a one-slot reader of `descriptor` (automatic voltage) and powers a T=1 card with
// IFSC 254 and CRC (ATR 3B 80 81 71 FE 45 01 CA) at Fd/Dd: bSeq 0 GetSlotStatus,
// 1 IccPowerOn, 2 SetParameters.
std::unique_ptr<CcidReader> powered_t1_tpdu_reader(ScriptPort& port,
                                                   const transport::ClassDescriptor& descriptor) {
    const Bytes atr_bytes = hex("3B 80 81 71 FE 45 01 CA");
    auto card = read_card_parameters(atr_bytes);
    REQUIRE(card.has_value());
    CHECK(card->crc);
    iso7816::LinkChoice fd_dd;
    fd_dd.protocol = 1;
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::automatic)), answer_read(data_block(1, atr_bytes)),
              expect_write(set_parameters(2, protocol_data_for(*card, fd_dd))),
              answer_read(parameters_answer(2, protocol_data_for(*card, fd_dd)))});
    auto reader = open_reader(port, descriptor);
    REQUIRE(reader->slot(0)->power_on().has_value());
    return reader;
}

}  // namespace

TEST_CASE("open: the listener starts, then one GetSlotStatus per slot learns presence") {
    ScriptPort port(test_port_info(true));
    port.add({expect_write(get_slot_status(0, 0, 1)), answer_read(slot_status(0, IccStatus::present_inactive, 0)),
              expect_write(get_slot_status(1, 1, 1)), answer_read(slot_status(1, IccStatus::absent, 1))});
    auto reader = open_reader(port, test_descriptor(transport::kFeatureTpduLevel, 1));
    check_script_done(port);
    CHECK(port.listening());
    CHECK(reader->slot_count() == 2);
    CHECK(reader->slot(2) == nullptr);
    CHECK(reader->notifies_slot_changes());
    CHECK(reader->presence(0)->present);
    CHECK_FALSE(reader->presence(1)->present);
    // Presence now comes from the board: no transfer.
    CHECK(*reader->slot(0)->card_present());
    CHECK(port.writes().size() == 2);
}

TEST_CASE("NotifySlotChange wakes the waiter of the slot that changed, not the other's") {
    ScriptPort port(test_port_info(true));
    port.add({expect_write(get_slot_status(0, 0, 1)), answer_read(slot_status(0, IccStatus::present_inactive, 0)),
              expect_write(get_slot_status(1, 1, 1)), answer_read(slot_status(1, IccStatus::absent, 1))});
    auto reader = open_reader(port, test_descriptor(transport::kFeatureTpduLevel, 1));
    auto slot1 = std::async(std::launch::async, [&] { return reader->wait_for_slot_change(1, 10s); });
    auto slot0 = std::async(std::launch::async, [&] { return reader->wait_for_slot_change(0, 300ms); });
    std::this_thread::sleep_for(30ms);
    const std::vector<transport::SlotChange> change{{true, false}, {true, true}};
    port.interrupt(transport::encode_notify_slot_change(change));
    REQUIRE(slot1.wait_for(2s) == std::future_status::ready);
    CHECK(*slot1.get() == WaitOutcome::changed);
    CHECK(reader->presence(1)->present);
    REQUIRE(slot0.wait_for(2s) == std::future_status::ready);
    CHECK(*slot0.get() == WaitOutcome::timeout);
    // Garbage on the interrupt pipe changes nothing.
    port.interrupt(hex("50"));
    port.interrupt(hex("77 01 02"));
    CHECK(reader->presence(1)->present);
    // A stop request ends a wait at once.
    std::stop_source stop;
    auto stopped = std::async(std::launch::async, [&] { return reader->wait_for_slot_change(0, 60s, stop.get_token()); });
    std::this_thread::sleep_for(20ms);
    stop.request_stop();
    REQUIRE(stopped.wait_for(2s) == std::future_status::ready);
    CHECK(*stopped.get() == WaitOutcome::stopped);
    check_script_done(port);
}

TEST_CASE("RDR_to_PC_HardwareError is recorded for its slot and wakes its waiter") {
    ScriptPort port(test_port_info(true));
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_active))});
    auto reader = open_reader(port, test_descriptor(transport::kFeatureTpduLevel));
    auto waiter = std::async(std::launch::async, [&] { return reader->wait_for_slot_change(0, 10s); });
    std::this_thread::sleep_for(20ms);
    port.interrupt(transport::encode_hardware_error({0, 7, transport::kHardwareErrorOvercurrent}));
    REQUIRE(waiter.wait_for(2s) == std::future_status::ready);
    CHECK(*waiter.get() == WaitOutcome::changed);
    CHECK(reader->presence(0)->hardware_error == transport::kHardwareErrorOvercurrent);
    check_script_done(port);
}

TEST_CASE("a reader without interrupt endpoint: presence by GetSlotStatus, waits not supported") {
    ScriptPort port(test_port_info(false));
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::absent)),
              expect_write(get_slot_status(1)), answer_read(slot_status(1, IccStatus::present_inactive))});
    auto reader = open_reader(port, test_descriptor(transport::kFeatureTpduLevel));
    CHECK_FALSE(reader->notifies_slot_changes());
    CHECK(*reader->slot(0)->card_present());
    CHECK(reader->wait_for_slot_change(0, 10ms).error() == ReaderError::not_supported);
    check_script_done(port);
}

TEST_CASE("power on: 1.8 V first, power off after ICC_MUTE, then 3 V; then PPS and SetParameters") {
    ScriptPort port(test_port_info(false));
    const transport::ProtocolDataT0 fast{0x13, 0x00, 0x00, 0x0A, 0x00};
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::volts_1_8)),
              answer_read(failed_answer(MessageType::RDR_to_PC_DataBlock, 1, kIccMute, IccStatus::present_inactive)),
              expect_write(power_off(2)), answer_read(slot_status(2, IccStatus::present_inactive)),
              expect_write(power_on(3, PowerSelect::volts_3_0)), answer_read(data_block(3, hex("3B 10 13"))),
              // ISO 7816-3 9.2: PPSS FF, PPS0 10 (PPS1, T=0), PPS1 13, PCK FC.
              expect_write(xfr_block(4, hex("FF 10 13 FC"))), answer_read(data_block(4, hex("FF 10 13 FC"))),
              expect_write(set_parameters(5, fast)), answer_read(parameters_answer(5, fast)),
              expect_write(xfr_block(6, hex("00 B0 00 00 02"))), answer_read(data_block(6, hex("01 02 90 00")))});
    auto reader = open_reader(port, test_descriptor(transport::kFeatureTpduLevel));
    Slot& slot = *reader->slot(0);
    auto atr = slot.power_on();
    REQUIRE(atr.has_value());
    CHECK(*atr == hex("3B 10 13"));
    REQUIRE(slot.link().has_value());
    CHECK(slot.link()->fi_di == iso7816::FiDi{1, 3});
    CHECK(slot.link()->pps_sent_by_host);
    auto response = slot.transmit(hex("00 B0 00 00 02"));
    REQUIRE(response.has_value());
    CHECK(*response == hex("01 02 90 00"));
    check_script_done(port);
}

TEST_CASE("a refused PPS: cold reset, then the next candidate (ISO 7816-3 9.3)") {
    ScriptPort port(test_port_info(false));
    auto descriptor = test_descriptor(transport::kFeatureTpduLevel);
    descriptor.bVoltageSupport = 0x01;
    const transport::ProtocolDataT0 slower{0x12, 0x00, 0x00, 0x0A, 0x00};
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::volts_5_0)), answer_read(data_block(1, hex("3B 10 13"))),
              expect_write(xfr_block(2, hex("FF 10 13 FC"))),
              answer_read(failed_answer(MessageType::RDR_to_PC_DataBlock, 2, kIccMute)),
              expect_write(power_off(3)), answer_read(slot_status(3, IccStatus::present_inactive)),
              expect_write(power_on(4, PowerSelect::volts_5_0)), answer_read(data_block(4, hex("3B 10 13"))),
              expect_write(xfr_block(5, hex("FF 10 12 FD"))), answer_read(data_block(5, hex("FF 10 12 FD"))),
              expect_write(set_parameters(6, slower)), answer_read(parameters_answer(6, slower))});
    check_power_on_falls_back(port, descriptor, iso7816::FiDi{1, 2});
}

TEST_CASE("power on with a forced voltage: only that class, no other tried after ICC_MUTE") {
    ScriptPort port(test_port_info(false));
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::volts_5_0)),
              answer_read(failed_answer(MessageType::RDR_to_PC_DataBlock, 1, kIccMute, IccStatus::present_inactive)),
              expect_write(power_off(2)), answer_read(slot_status(2, IccStatus::present_inactive))});
    ReaderOptions options;
    options.power_on_voltage = PowerSelect::volts_5_0;
    auto reader = CcidReader::open(port, test_descriptor(transport::kFeatureTpduLevel), options);
    REQUIRE(reader.has_value());
    CHECK((*reader)->slot(0)->power_on().error() == ReaderError::card_mute);
    check_script_done(port);
}

TEST_CASE("an empty slot: power on fails with no_card, transmit with card_inactive") {
    ScriptPort port(test_port_info(false));
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::absent)),
              expect_write(power_on(1, PowerSelect::automatic)),
              answer_read(failed_answer(MessageType::RDR_to_PC_DataBlock, 1, kIccMute, IccStatus::absent))});
    auto reader = open_reader(port, test_descriptor(transport::kFeatureTpduLevel | transport::kFeatureAutoVoltage));
    CHECK(reader->slot(0)->power_on().error() == ReaderError::no_card);
    CHECK(reader->slot(0)->transmit(hex("00 B0 00 00 01")).error() == ReaderError::card_inactive);
    check_script_done(port);
}

TEST_CASE("a card mute at every voltage: one try per class, power off between, card_mute") {
    ScriptPort port(test_port_info(false));
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive))});
    std::uint8_t seq = 1;
    for (const auto voltage : {PowerSelect::volts_1_8, PowerSelect::volts_3_0, PowerSelect::volts_5_0}) {
        port.add({expect_write(power_on(seq, voltage)),
                  answer_read(failed_answer(MessageType::RDR_to_PC_DataBlock, seq, kIccMute, IccStatus::present_inactive))});
        ++seq;
        port.add({expect_write(power_off(seq)), answer_read(slot_status(seq, IccStatus::present_inactive))});
        ++seq;
    }
    auto reader = open_reader(port, test_descriptor(transport::kFeatureTpduLevel));
    CHECK(reader->slot(0)->power_on().error() == ReaderError::card_mute);
    CHECK(reader->slot(0)->last_cause() == transport::CcidError::icc_mute);
    check_script_done(port);
}

TEST_CASE("transmit: a time extension and a stale answer are absorbed by the exchange") {
    ScriptPort port(test_port_info(false));
    auto reader = powered_reader(port, transport::kFeatureTpduLevel);
    port.add({expect_write(xfr_block(3, hex("00 B0 00 00 01"))), answer_read(time_extension(3, 2)),
              answer_read(data_block(2, hex("6F 00"))),  // an old bSeq: discarded
              answer_read(data_block(3, hex("AA 90 00")))});
    auto response = reader->slot(0)->transmit(hex("00 B0 00 00 01"));
    REQUIRE(response.has_value());
    CHECK(*response == hex("AA 90 00"));
    check_script_done(port);
}

TEST_CASE("transmit: a reader that does not answer gets the abort sequence (CCID 5.3.1)") {
    ScriptPort port(test_port_info(false));
    auto reader = powered_reader(port, transport::kFeatureTpduLevel);
    port.add({expect_write(xfr_block(3, hex("00 B0 00 00 01"))), fail_read(make_error_code(usb::UsbError::timeout)),
              expect_control(abort_setup(4)),
              expect_write(abort_message(4)),
              answer_read(failed_answer(MessageType::RDR_to_PC_DataBlock, 3, 0xFF)),  // CMD_ABORTED, old bSeq
              answer_read(slot_status(4, IccStatus::present_active))});
    CHECK(reader->slot(0)->transmit(hex("00 B0 00 00 01")).error() == ReaderError::timeout);
    CHECK(reader->counters().aborts == 1);
    check_script_done(port);
    // The next command uses the next bSeq and works.
    port.add({expect_write(xfr_block(5, hex("00 B0 00 00 01"))), answer_read(data_block(5, hex("BB 90 00")))});
    CHECK(*reader->slot(0)->transmit(hex("00 B0 00 00 01")) == hex("BB 90 00"));
    check_script_done(port);
}

TEST_CASE("transmit: a stalled bulk-IN is cleared and the command aborted") {
    ScriptPort port(test_port_info(false));
    auto reader = powered_reader(port, transport::kFeatureTpduLevel);
    port.add({expect_write(xfr_block(3, hex("00 B0 00 00 01"))), fail_read(make_error_code(usb::UsbError::pipe)),
              expect_clear_halt(usb::Endpoint::bulk_in),
              expect_control(abort_setup(4)),
              expect_write(abort_message(4)), answer_read(slot_status(4, IccStatus::present_active))});
    CHECK(reader->slot(0)->transmit(hex("00 B0 00 00 01")).error() == ReaderError::reader_failed);
    CHECK(reader->slot(0)->last_cause() == usb::UsbError::pipe);
    CHECK(reader->counters().stalls_cleared == 1);
    check_script_done(port);
}

TEST_CASE("transmit: a malformed answer is a protocol error, and an oversized one too") {
    ScriptPort port(test_port_info(false));
    auto reader = powered_reader(port, transport::kFeatureTpduLevel);
    Bytes lying = data_block(3, hex("90 00"));
    lying[1] = 0xFF;  // dwLength far beyond the message
    lying[2] = 0xFF;
    port.add({expect_write(xfr_block(3, hex("00 B0 00 00 01"))), answer_read(lying)});
    CHECK(reader->slot(0)->transmit(hex("00 B0 00 00 01")).error() == ReaderError::protocol_error);
    check_script_done(port);
}

TEST_CASE("device loss: the call fails with reader_gone, every later call and wait at once") {
    ScriptPort port(test_port_info(true));
    auto reader = powered_reader(port, transport::kFeatureTpduLevel);
    auto waiter = std::async(std::launch::async, [&] { return reader->wait_for_slot_change(0, 60s); });
    port.add({expect_write(xfr_block(3, hex("00 B0 00 00 01"))), fail_read(make_error_code(usb::UsbError::no_device))});
    CHECK(reader->slot(0)->transmit(hex("00 B0 00 00 01")).error() == ReaderError::reader_gone);
    REQUIRE(waiter.wait_for(2s) == std::future_status::ready);
    CHECK(waiter.get().error() == ReaderError::reader_gone);
    CHECK(reader->gone());
    const auto writes = port.writes().size();
    CHECK(reader->slot(0)->transmit(hex("00 B0 00 00 01")).error() == ReaderError::reader_gone);
    CHECK(reader->slot(0)->power_on().error() == ReaderError::reader_gone);
    CHECK(reader->slot(0)->card_present().error() == ReaderError::reader_gone);
    CHECK(port.writes().size() == writes);
    check_script_done(port);
}

TEST_CASE("the listener's final no_device marks the reader gone") {
    ScriptPort port(test_port_info(true));
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::absent))});
    auto reader = open_reader(port, test_descriptor(transport::kFeatureTpduLevel));
    auto waiter = std::async(std::launch::async, [&] { return reader->wait_for_slot_change(0, 60s); });
    std::this_thread::sleep_for(20ms);
    port.interrupt({}, make_error_code(usb::UsbError::no_device));
    REQUIRE(waiter.wait_for(2s) == std::future_status::ready);
    CHECK(waiter.get().error() == ReaderError::reader_gone);
    CHECK(reader->slot(0)->power_on().error() == ReaderError::reader_gone);
    check_script_done(port);
}

TEST_CASE("a card removed since power on: transmit says no_card without a transfer") {
    ScriptPort port(test_port_info(true));
    auto reader = powered_reader(port, transport::kFeatureTpduLevel);
    const std::vector<transport::SlotChange> removed{{false, true}};
    port.interrupt(transport::encode_notify_slot_change(removed));
    CHECK(reader->slot(0)->transmit(hex("00 B0 00 00 01")).error() == ReaderError::no_card);
    CHECK_FALSE(reader->slot(0)->atr().has_value());
    check_script_done(port);
}

TEST_CASE("extended APDU level on the wire: wLevelParameter 0001 then 0002, answer 10h between") {
    ScriptPort port(test_port_info(false));
    auto reader = powered_reader(port, transport::kFeatureExtendedApduLevel);
    Bytes apdu = hex("00 D6 00 00 00 01 2C");
    apdu.resize(7 + 300, 0x5A);
    const Bytes first(apdu.begin(), apdu.begin() + 261);
    const Bytes rest(apdu.begin() + 261, apdu.end());
    port.add({expect_write(xfr_block(3, first, 0x0001)),
              answer_read(data_block(3, {}, 0, transport::ChainParameter::continue_command)),
              expect_write(xfr_block(4, rest, 0x0002)), answer_read(data_block(4, hex("90 00")))});
    auto response = reader->slot(0)->transmit(apdu);
    REQUIRE(response.has_value());
    CHECK(*response == hex("90 00"));
    check_script_done(port);
}

TEST_CASE("transmit checks the caller's buffer") {
    ScriptPort port(test_port_info(false));
    auto reader = powered_reader(port, transport::kFeatureShortApduLevel);
    port.add({expect_write(xfr_block(3, hex("00 B0 00 00 04"))), answer_read(data_block(3, hex("01 02 03 04 90 00")))});
    std::array<std::uint8_t, 4> small{};
    CHECK(reader->slot(0)->transmit(hex("00 B0 00 00 04"), small).error() == ReaderError::buffer_too_small);
    CHECK(reader->slot(0)->transmit(hex("00")).error() == ReaderError::invalid_apdu);
    check_script_done(port);
}

TEST_CASE("escape: PC_to_RDR_Escape out, RDR_to_PC_Escape abData back (CCID 6.1.8, 6.2.4)") {
    ScriptPort port(test_port_info(false));
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::absent))});
    auto reader = open_reader(port, test_descriptor(transport::kFeatureTpduLevel));
    transport::Response escape_answer;
    escape_answer.bMessageType = MessageType::RDR_to_PC_Escape;
    escape_answer.bSeq = 1;
    escape_answer.bmICCStatus = IccStatus::absent;
    escape_answer.abData = hex("CA FE");
    port.add({expect_write(*transport::encode_escape(test_limits(), {0, 1}, hex("01 02 03"))),
              answer_read(transport::encode_response(escape_answer))});
    std::array<std::uint8_t, 8> response{};
    auto size = reader->escape(hex("01 02 03"), response);
    REQUIRE(size.has_value());
    CHECK(*size == 2);
    CHECK(response[0] == 0xCA);
    check_script_done(port);
}

TEST_CASE("verify_pin: PC_to_RDR_Secure with the PIN verification structure (CCID 6.1.11.7)") {
    ScriptPort port(test_port_info(false));
    auto descriptor = test_descriptor(transport::kFeatureShortApduLevel | transport::kFeatureAutoVoltage);
    descriptor.bPINSupport = 0x01;
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::automatic)), answer_read(data_block(1, hex("3B 00"))),
              expect_write(set_parameters(2, transport::ProtocolDataT0{})),
              answer_read(parameters_answer(2, transport::ProtocolDataT0{}))});
    auto reader = open_reader(port, descriptor);
    REQUIRE(reader->slot(0)->power_on().has_value());
    transport::PinVerification pin;
    pin.bTimeOut = 5;
    pin.abPINApdu = hex("00 20 00 01 08 FF FF FF FF FF FF FF FF");
    port.add({expect_write(*transport::encode_secure_pin_verification(test_limits(), {0, 3}, pin)),
              answer_read(time_extension(3, 1)), answer_read(data_block(3, hex("90 00")))});
    std::array<std::uint8_t, 4> response{};
    auto size = reader->slot(0)->verify_pin(pin, response);
    REQUIRE(size.has_value());
    CHECK(*size == 2);
    CHECK(reader->slot(0)->modify_pin({}, response).error() == ReaderError::not_supported);  // bPINSupport bit 1 clear
    check_script_done(port);
}

TEST_CASE("SetParameters refusing bmFindexDindex (bError 0x0A) after an accepted PPS: cold reset, next candidate (CCID 6.2.6)") {
    ScriptPort port(test_port_info(false));
    auto descriptor = test_descriptor(transport::kFeatureTpduLevel);
    descriptor.bVoltageSupport = 0x01;
    const transport::ProtocolDataT0 fast{0x13, 0x00, 0x00, 0x0A, 0x00};
    const transport::ProtocolDataT0 slower{0x12, 0x00, 0x00, 0x0A, 0x00};
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::volts_5_0)), answer_read(data_block(1, hex("3B 10 13"))),
              expect_write(xfr_block(2, hex("FF 10 13 FC"))), answer_read(data_block(2, hex("FF 10 13 FC"))),
              expect_write(set_parameters(3, fast)),
              answer_read(failed_answer(MessageType::RDR_to_PC_Parameters, 3, 0x0A)),
              expect_write(power_off(4)), answer_read(slot_status(4, IccStatus::present_inactive)),
              expect_write(power_on(5, PowerSelect::volts_5_0)), answer_read(data_block(5, hex("3B 10 13"))),
              expect_write(xfr_block(6, hex("FF 10 12 FD"))), answer_read(data_block(6, hex("FF 10 12 FD"))),
              expect_write(set_parameters(7, slower)), answer_read(parameters_answer(7, slower))});
    check_power_on_falls_back(port, descriptor, iso7816::FiDi{1, 2});
}

TEST_CASE("SetParameters refused at Fd/Dd: the parameters in force (GetParameters) are kept, no failure") {
    ScriptPort port(test_port_info(false));
    const transport::ProtocolDataT0 in_force{0x11, 0x00, 0x00, 0x0A, 0x00};
    port.add({expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::present_inactive)),
              expect_write(power_on(1, PowerSelect::automatic)), answer_read(data_block(1, hex("3B 00"))),
              expect_write(set_parameters(2, transport::ProtocolDataT0{})),
              answer_read(failed_answer(MessageType::RDR_to_PC_Parameters, 2, 0x0A)),
              expect_write(get_parameters(3)), answer_read(parameters_answer(3, in_force))});
    auto reader = open_reader(port, test_descriptor(transport::kFeatureTpduLevel | transport::kFeatureAutoVoltage));
    auto atr = reader->slot(0)->power_on();
    REQUIRE(atr.has_value());
    const auto link = reader->slot(0)->link();
    REQUIRE(link.has_value());
    CHECK(link->protocol == 0);
    CHECK(link->fi_di == iso7816::kDefaultFiDi);
    check_script_done(port);
}

TEST_CASE("T=1 at TPDU level: IFSD and the host's INF fit one CCID message (CCID 6.1.4, ISO 7816-3 11.4.2)") {
    // SCR331-DI: dwMaxCCIDMessageLength 263, dwMaxIFSD 252; the card: IFSC 254, CRC.
    ScriptPort port(test_port_info(false));
    auto descriptor = test_descriptor(transport::kFeatureTpduLevel | transport::kFeatureAutoVoltage);
    descriptor.dwMaxCCIDMessageLength = 263;
    descriptor.dwMaxIFSD = 252;
    auto reader = powered_t1_tpdu_reader(port, descriptor);
    const auto link = reader->slot(0)->link();
    REQUIRE(link.has_value());
    CHECK(link->protocol == 1);
    CHECK(link->ifsd == 248);  // 263 - 10 - 3 - 2
    CHECK(link->ifsc == 248);  // min(IFSC 254, 248)
    check_script_done(port);
}

TEST_CASE("verify_pin at TPDU level with T=1: bTeoPrologue from the engine; a mute card gets R(0) by XfrBlock") {
    ScriptPort port(test_port_info(false));
    auto descriptor = test_descriptor(transport::kFeatureTpduLevel | transport::kFeatureAutoVoltage);
    descriptor.bPINSupport = 0x01;
    auto reader = powered_t1_tpdu_reader(port, descriptor);

    transport::PinVerification pin;
    pin.bTimeOut = 5;
    pin.abPINApdu = hex("00 20 00 01 08 FF FF FF FF FF FF FF FF");
    transport::PinVerification sent = pin;
    sent.bTeoPrologue = {0x00, 0x00, 0x0D};  // NAD 0, I(0) (the S(IFS request) waits), LEN 13
    const auto crc = t1::EdcType::crc;
    port.add({expect_write(*transport::encode_secure_pin_verification(test_limits(), {0, 3}, sent)),
              answer_read(failed_answer(MessageType::RDR_to_PC_DataBlock, 3, kIccMute)),
              expect_write(xfr_block(4, t1::encode_block(t1::Block::r_block(0, 0, t1::RCode::other_error), crc))),
              answer_read(data_block(4, t1::encode_block(t1::Block::i_block(0, 0, false, hex("90 00")), crc)))});
    std::array<std::uint8_t, 4> response{};
    auto size = reader->slot(0)->verify_pin(pin, response);
    REQUIRE_MESSAGE(size.has_value(), size.error().message());
    CHECK(*size == 2);
    CHECK(response[0] == 0x90);
    check_script_done(port);

    // The user cancels at the keypad: the block never went out, N(S) stays 1.
    sent.bTeoPrologue = {0x00, 0x40, 0x0D};
    port.add({expect_write(*transport::encode_secure_pin_verification(test_limits(), {0, 5}, sent)),
              answer_read(failed_answer(MessageType::RDR_to_PC_DataBlock, 5, kPinCancelled))});
    CHECK(reader->slot(0)->verify_pin(pin, response).error() == ReaderError::cancelled);
    port.add({expect_write(*transport::encode_secure_pin_verification(test_limits(), {0, 6}, sent)),
              answer_read(data_block(6, t1::encode_block(t1::Block::i_block(0, 1, false, hex("63 C2")), crc)))});
    size = reader->slot(0)->verify_pin(pin, response);
    REQUIRE(size.has_value());
    CHECK(response[1] == 0xC2);
    check_script_done(port);
}

TEST_CASE("open: GET_CLOCK_FREQUENCIES / GET_DATA_RATES are asked even when the descriptor counts 0") {
    auto dwords = [](std::initializer_list<std::uint32_t> values) {
        Bytes bytes;
        for (const auto v : values) {
            for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        }
        return bytes;
    };
    ScriptPort port(test_port_info(false));
    port.add({expect_control({0xA1, 0x02, 0, 0}, dwords({4000, 6000})),
              expect_control({0xA1, 0x03, 0, 0}, dwords({10752, 21505})),
              expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::absent))});
    auto descriptor = test_descriptor(transport::kFeatureTpduLevel);
    descriptor.dwMaximumClock = 8000;
    auto reader = open_reader(port, descriptor);
    check_script_done(port);
    const auto lengths = port.control_lengths();
    REQUIRE(lengths.size() == 2);
    CHECK(lengths[0] == 1024);
    CHECK(lengths[1] == 1024);
    CHECK(reader->capabilities().clocks_khz == std::vector<std::uint32_t>{4000, 6000});
    CHECK(reader->capabilities().data_rates_bps == std::vector<std::uint32_t>{10752, 21505});

    // Refused (stall) or empty: the descriptor's range stands.
    ScriptPort refused(test_port_info(false));
    refused.add({expect_control({0xA1, 0x02, 0, 0}, {}, make_error_code(usb::UsbError::pipe)),
                 expect_control({0xA1, 0x03, 0, 0}, {}),
                 expect_write(get_slot_status(0)), answer_read(slot_status(0, IccStatus::absent))});
    auto plain = open_reader(refused, descriptor);
    check_script_done(refused);
    CHECK(plain->capabilities().clocks_khz == std::vector<std::uint32_t>{4000, 8000});
    CHECK(plain->capabilities().data_rates_bps.empty());
}
