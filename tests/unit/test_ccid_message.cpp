// The CCID message codec byte by byte (USB CCID rev 1.1): every PC_to_RDR encoder (6.1),
// every RDR_to_PC decoder (6.2) and its error checks, the slot error table (6.2.6), the
// interrupt-IN messages (6.3) and the class requests (5.3). Expected bytes are computed by
// hand from the specification's tables; the comments show the fields.
#include <doctest/doctest.h>

#include <array>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/hex.hpp"
#include "transport/ccid_command.hpp"
#include "transport/ccid_control.hpp"
#include "transport/ccid_error.hpp"
#include "transport/ccid_interrupt.hpp"
#include "transport/ccid_message.hpp"
#include "transport/ccid_response.hpp"

namespace {
using namespace tessera::transport;
using tessera::Bytes;
using tessera::ByteView;
using tessera::Result;

using tessera::test::hex;

// The bytes of an encoder result that must have succeeded.
Bytes ok(const Result<Bytes>& result) {
    REQUIRE_MESSAGE(result.has_value(), result.error().message());
    return *result;
}

template <class T>
std::error_code error_of(const Result<T>& result) {
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

Response decoded(std::string_view message, const MessageLimits& limits = {}) {
    auto response = decode_response(hex(message), limits);
    REQUIRE_MESSAGE(response.has_value(), response.error().message());
    return *response;
}

std::error_code decode_error(std::string_view message, const MessageLimits& limits = {}) {
    return error_of(decode_response(hex(message), limits));
}

const MessageLimits kOneSlot{};         // bMaxSlotIndex 0, dwMaxCCIDMessageLength 271
const MessageLimits kTwoSlots{1, 271};  // bMaxSlotIndex 1
}  // namespace

// ---------------------------------------------------------------------------------------
// Encoders (CCID 6.1)

TEST_CASE("CCID 6.1.1 PC_to_RDR_IccPowerOn carries bPowerSelect") {
    // 62 | dwLength 00000000 | bSlot 00 | bSeq 01 | bPowerSelect | abRFU 0000
    CHECK(ok(encode_icc_power_on(kOneSlot, {0, 1}, PowerSelect::automatic)) ==
          hex("62 00000000 00 01 00 0000"));
    CHECK(ok(encode_icc_power_on(kOneSlot, {0, 1}, PowerSelect::volts_5_0)) ==
          hex("62 00000000 00 01 01 0000"));
    CHECK(ok(encode_icc_power_on(kOneSlot, {0, 1}, PowerSelect::volts_3_0)) ==
          hex("62 00000000 00 01 02 0000"));
    CHECK(ok(encode_icc_power_on(kOneSlot, {0, 1}, PowerSelect::volts_1_8)) ==
          hex("62 00000000 00 01 03 0000"));
    CHECK(error_of(encode_icc_power_on(kOneSlot, {0, 1}, static_cast<PowerSelect>(4))) ==
          CommandError::invalid_power_select);
}

TEST_CASE("CCID 6.1.2 / 6.1.3 IccPowerOff and GetSlotStatus carry bSlot and bSeq") {
    // 63 | 00000000 | bSlot 01 | bSeq 02 | abRFU 000000
    CHECK(ok(encode_icc_power_off(kTwoSlots, {1, 2})) == hex("63 00000000 01 02 000000"));
    // 65 | 00000000 | bSlot 00 | bSeq FF | abRFU 000000
    CHECK(ok(encode_get_slot_status(kOneSlot, {0, 0xFF})) == hex("65 00000000 00 FF 000000"));
}

TEST_CASE("CCID 6.1.4 PC_to_RDR_XfrBlock carries bBWI, wLevelParameter and abData") {
    // 6F | dwLength 4 | 00 | bSeq 03 | bBWI 00 | wLevelParameter 0000 | 00 A4 04 00
    CHECK(ok(encode_xfr_block(kOneSlot, {0, 3}, hex("00A40400"))) ==
          hex("6F 04000000 00 03 00 0000 00A40400"));
    // Character level: wLevelParameter = 258 expected bytes, little endian 02 01; bBWI 5.
    CHECK(ok(encode_xfr_block(kOneSlot, {0, 3}, hex("00A40400"), 5, 0x0102)) ==
          hex("6F 04000000 00 03 05 0201 00A40400"));
    // Extended APDU level chaining values.
    CHECK(ok(encode_xfr_block(kOneSlot, {0, 3}, hex("AA"), XfrChain::begins_continues)) ==
          hex("6F 01000000 00 03 00 0100 AA"));
    CHECK(ok(encode_xfr_block(kOneSlot, {0, 3}, hex("AA"), XfrChain::ends)) ==
          hex("6F 01000000 00 03 00 0200 AA"));
    CHECK(ok(encode_xfr_block(kOneSlot, {0, 3}, hex("AA"), XfrChain::continues)) ==
          hex("6F 01000000 00 03 00 0300 AA"));
    CHECK(ok(encode_xfr_block(kOneSlot, {0, 3}, {}, XfrChain::continue_response)) ==
          hex("6F 00000000 00 03 00 1000"));
    CHECK(error_of(encode_xfr_block(kOneSlot, {0, 3}, {}, static_cast<XfrChain>(0x0004))) ==
          CommandError::invalid_level_parameter);
}

TEST_CASE("CCID 5.1 abData is limited to dwMaxCCIDMessageLength - 10") {
    const Bytes largest(261, 0x55);  // 271 - 10
    const Bytes message = ok(encode_xfr_block(kOneSlot, {0, 0}, largest));
    CHECK(message.size() == 271);
    CHECK(message[1] == 0x05);  // dwLength 261 = 0x105
    CHECK(message[2] == 0x01);
    const Bytes too_long(262, 0x55);
    CHECK(error_of(encode_xfr_block(kOneSlot, {0, 0}, too_long)) == CommandError::data_too_long);
    CHECK(error_of(encode_escape(kOneSlot, {0, 0}, too_long)) == CommandError::data_too_long);
    const Bytes pin_too_long(262, 0x00);  // bPINOperation 00, then too many bytes
    CHECK(error_of(encode_secure(kOneSlot, {0, 0}, pin_too_long)) == CommandError::data_too_long);
    // A larger reader accepts it.
    CHECK(encode_xfr_block({0, 65554}, {0, 0}, too_long).has_value());
    // A limit below the header is refused outright.
    CHECK(error_of(encode_get_slot_status({0, 9}, {0, 0})) == CommandError::invalid_limits);
}

TEST_CASE("CCID encoders refuse a bSlot above bMaxSlotIndex") {
    CHECK(error_of(encode_icc_power_on(kOneSlot, {1, 0}, PowerSelect::automatic)) ==
          CommandError::slot_out_of_range);
    CHECK(error_of(encode_xfr_block(kOneSlot, {1, 0}, hex("00"))) ==
          CommandError::slot_out_of_range);
    CHECK(error_of(encode_abort(kTwoSlots, {2, 0})) == CommandError::slot_out_of_range);
    CHECK(encode_abort(kTwoSlots, {1, 0}).has_value());
}

TEST_CASE("CCID 6.1.5 / 6.1.6 GetParameters and ResetParameters") {
    CHECK(ok(encode_get_parameters(kOneSlot, {0, 4})) == hex("6C 00000000 00 04 000000"));
    CHECK(ok(encode_reset_parameters(kOneSlot, {0, 4})) == hex("6D 00000000 00 04 000000"));
}

TEST_CASE("CCID 6.1.7 PC_to_RDR_SetParameters for T=0: bProtocolNum 0, 5 bytes") {
    // 61 | dwLength 5 | 00 | bSeq 05 | bProtocolNum 00 | abRFU 0000 |
    // bmFindexDindex 96 | bmTCCKST0 02 | bGuardTimeT0 FF | bWaitingIntegerT0 0A | bClockStop 03
    const ProtocolDataT0 t0{0x96, 0x02, 0xFF, 0x0A, 0x03};
    CHECK(ok(encode_set_parameters(kOneSlot, {0, 5}, t0)) ==
          hex("61 05000000 00 05 00 0000 96 02 FF 0A 03"));
    CHECK(error_of(encode_set_parameters(kOneSlot, {0, 5}, ProtocolDataT0{0x11, 0x01})) ==
          CommandError::invalid_tcckst);
    CHECK(error_of(encode_set_parameters(kOneSlot, {0, 5},
                                         ProtocolDataT0{0x11, 0x00, 0x00, 0x0A, 0x04})) ==
          CommandError::invalid_clock_stop);
}

TEST_CASE("CCID 6.1.7 PC_to_RDR_SetParameters for T=1: bProtocolNum 1, 7 bytes") {
    // 61 | dwLength 7 | 00 | bSeq 06 | bProtocolNum 01 | abRFU 0000 |
    // bmFindexDindex 13 | bmTCCKST1 11 (CRC) | bGuardTimeT1 00 | bmWaitingIntegersT1 45 |
    // bClockStop 00 | bIFSC FE | bNadValue 00
    const ProtocolDataT1 t1{0x13, 0x11, 0x00, 0x45, 0x00, 0xFE, 0x00};
    CHECK(ok(encode_set_parameters(kOneSlot, {0, 6}, t1)) ==
          hex("61 07000000 00 06 01 0000 13 11 00 45 00 FE 00"));
    auto with = [](auto change) {
        ProtocolDataT1 data;
        change(data);
        return encode_set_parameters(kOneSlot, {0, 6}, data);
    };
    CHECK(error_of(with([](ProtocolDataT1& d) { d.bmTCCKST1 = 0x00; })) ==
          CommandError::invalid_tcckst);
    CHECK(error_of(with([](ProtocolDataT1& d) { d.bmTCCKST1 = 0x14; })) ==
          CommandError::invalid_tcckst);
    CHECK(with([](ProtocolDataT1& d) { d.bmTCCKST1 = 0x13; }).has_value());
    CHECK(error_of(with([](ProtocolDataT1& d) { d.bmWaitingIntegersT1 = 0xA5; })) ==
          CommandError::invalid_waiting_integers);
    CHECK(with([](ProtocolDataT1& d) { d.bmWaitingIntegersT1 = 0x9F; }).has_value());
    CHECK(error_of(with([](ProtocolDataT1& d) { d.bClockStop = 4; })) ==
          CommandError::invalid_clock_stop);
    CHECK(error_of(with([](ProtocolDataT1& d) { d.bIFSC = 0x00; })) == CommandError::invalid_ifsc);
    CHECK(error_of(with([](ProtocolDataT1& d) { d.bIFSC = 0xFF; })) == CommandError::invalid_ifsc);
}

TEST_CASE("CCID 6.1.8 PC_to_RDR_Escape passes abData through") {
    CHECK(ok(encode_escape(kOneSlot, {0, 7}, hex("010203"))) ==
          hex("6B 03000000 00 07 000000 010203"));
}

TEST_CASE("CCID 6.1.9 PC_to_RDR_IccClock carries bClockCommand") {
    CHECK(ok(encode_icc_clock(kOneSlot, {0, 8}, ClockCommand::restart)) ==
          hex("6E 00000000 00 08 00 0000"));
    CHECK(ok(encode_icc_clock(kOneSlot, {0, 8}, ClockCommand::stop)) ==
          hex("6E 00000000 00 08 01 0000"));
    CHECK(error_of(encode_icc_clock(kOneSlot, {0, 8}, static_cast<ClockCommand>(2))) ==
          CommandError::invalid_clock_command);
}

TEST_CASE("CCID 6.1.10 PC_to_RDR_T0APDU carries bmChanges and the two classes") {
    // 6A | 00000000 | 00 | bSeq 09 | bmChanges 03 | bClassGetResponse 00 | bClassEnvelope 80
    CHECK(ok(encode_t0apdu(kOneSlot, {0, 9}, 0x03, 0x00, 0x80)) ==
          hex("6A 00000000 00 09 03 00 80"));
    CHECK(error_of(encode_t0apdu(kOneSlot, {0, 9}, 0x04, 0x00, 0x00)) ==
          CommandError::invalid_changes);
}

TEST_CASE("CCID 6.1.11.7 PC_to_RDR_Secure with the PIN verification data structure") {
    PinVerification pin;
    pin.bTimeOut = 0x1E;
    pin.bmFormatString = 0x89;
    pin.bmPINBlockString = 0x47;
    pin.bmPINLengthFormat = 0x04;
    pin.wPINMaxExtraDigit = 0x0408;  // minimum 4, maximum 8 digits
    pin.bEntryValidationCondition = 0x02;
    pin.bNumberMessage = 0x01;
    pin.wLangId = 0x0409;
    pin.bMsgIndex = 0x00;
    pin.abPINApdu = hex("00 20 00 01 08 FFFFFFFFFFFFFFFF");
    // 69 | dwLength 28 = 1 + 14 + 13 | 00 | bSeq 0A | bBWI 00 | wLevelParameter 0000 |
    // bPINOperation 00 | bTimeOut 1E | bmFormatString 89 | bmPINBlockString 47 |
    // bmPINLengthFormat 04 | wPINMaxExtraDigit 08 04 (little endian 0x0408) |
    // bEntryValidationCondition 02 | bNumberMessage 01 | wLangId 09 04 | bMsgIndex 00 |
    // bTeoPrologue 000000 | abPINApdu
    const Bytes expected =
        hex("69 1C000000 00 0A 00 0000"
            "00 1E 89 47 04 0804 02 01 0904 00 000000 0020000108FFFFFFFFFFFFFFFF");
    const Bytes message = ok(encode_secure_pin_verification(kOneSlot, {0, 0x0A}, pin));
    CHECK(message == expected);
    CHECK(message[15] == 0x08);  // wPINMaxExtraDigit at message offset 15 (6.1.11.7)
    CHECK(message[25] == 0x00);  // abPINApdu at offset 25

    pin.abPINApdu = hex("002000");
    CHECK(error_of(encode_secure_pin_verification(kOneSlot, {0, 0x0A}, pin)) ==
          CommandError::pin_apdu_too_short);
}

TEST_CASE("CCID 6.1.11.8 PC_to_RDR_Secure with the PIN modification data structure") {
    PinModification pin;
    pin.bTimeOut = 0x00;
    pin.bmFormatString = 0x82;
    pin.bmPINBlockString = 0x04;
    pin.bmPINLengthFormat = 0x00;
    pin.bInsertionOffsetOld = 0x00;
    pin.bInsertionOffsetNew = 0x04;
    pin.wPINMaxExtraDigit = 0x0408;
    pin.bConfirmPIN = 0x03;
    pin.bEntryValidationCondition = 0x02;
    pin.bNumberMessage = 0x03;
    pin.wLangId = 0x0409;
    pin.bMsgIndex1 = 0x00;
    pin.bMsgIndex2 = 0x01;
    pin.bMsgIndex3 = 0x02;
    pin.abPINApdu = hex("00 24 00 01 08 3030303030303030");
    // 69 | dwLength 33 = 1 + 19 + 13 | 00 | bSeq 0B | 00 | 0000 |
    // bPINOperation 01 | bTimeOut 00 | bmFormatString 82 | bmPINBlockString 04 |
    // bmPINLengthFormat 00 | bInsertionOffsetOld 00 | bInsertionOffsetNew 04 |
    // wPINMaxExtraDigit 08 04 | bConfirmPIN 03 | bEntryValidationCondition 02 |
    // bNumberMessage 03 | wLangId 09 04 | bMsgIndex1 00 | bMsgIndex2 01 | bMsgIndex3 02 |
    // bTeoPrologue 000000 | abPINApdu
    const Bytes message = ok(encode_secure_pin_modification(kOneSlot, {0, 0x0B}, pin));
    CHECK(message == hex("69 21000000 00 0B 00 0000"
                         "01 00 82 04 00 00 04 0804 03 02 03 0904 00 01 02 000000"
                         "00240001083030303030303030"));
    CHECK(message[19] == 0x03);  // bConfirmPIN at offset 19
    CHECK(message[24] == 0x00);  // bMsgIndex1 at offset 24
    CHECK(message[27] == 0x00);  // bTeoPrologue after three message indexes

    // One message: bMsgIndex2 and bMsgIndex3 absent, bTeoPrologue at offset 25.
    pin.bNumberMessage = 0x01;
    pin.bMsgIndex2.reset();
    pin.bMsgIndex3.reset();
    CHECK(ok(encode_secure_pin_modification(kOneSlot, {0, 0x0B}, pin)) ==
          hex("69 1F000000 00 0B 00 0000"
              "01 00 82 04 00 00 04 0804 03 02 01 0904 00 000000"
              "00240001083030303030303030"));

    pin.bMsgIndex3 = 0x02;  // a third index without a second
    CHECK(error_of(encode_secure_pin_modification(kOneSlot, {0, 0x0B}, pin)) ==
          CommandError::pin_message_index_order);
    pin.bMsgIndex3.reset();
    pin.abPINApdu.clear();
    CHECK(error_of(encode_secure_pin_modification(kOneSlot, {0, 0x0B}, pin)) ==
          CommandError::pin_apdu_too_short);
}

TEST_CASE("CCID 6.1.11 PC_to_RDR_Secure checks bPINOperation only in a first part") {
    // bPINOperation 04: cancel the PIN function.
    CHECK(ok(encode_secure(kOneSlot, {0, 1}, hex("04"))) == hex("69 01000000 00 01 00 0000 04"));
    CHECK(ok(encode_secure(kOneSlot, {0, 1}, hex("06"))).size() == 11);
    CHECK(error_of(encode_secure(kOneSlot, {0, 1}, hex("07"))) ==
          CommandError::invalid_pin_operation);
    CHECK(error_of(encode_secure(kOneSlot, {0, 1}, hex("07"), 0, 0x0001)) ==
          CommandError::invalid_pin_operation);
    // A continuation (wLevelParameter 0002) carries APDU bytes, not bPINOperation.
    CHECK(ok(encode_secure(kOneSlot, {0, 1}, hex("07"), 0, 0x0002)) ==
          hex("69 01000000 00 01 00 0200 07"));
}

TEST_CASE("CCID 6.1.12 PC_to_RDR_Mechanical carries bFunction 1..5") {
    CHECK(ok(encode_mechanical(kOneSlot, {0, 0x0C}, MechanicalFunction::eject_card)) ==
          hex("71 00000000 00 0C 02 0000"));
    CHECK(ok(encode_mechanical(kOneSlot, {0, 0x0C}, MechanicalFunction::unlock_card)) ==
          hex("71 00000000 00 0C 05 0000"));
    CHECK(error_of(encode_mechanical(kOneSlot, {0, 0}, static_cast<MechanicalFunction>(0))) ==
          CommandError::invalid_mechanical_function);
    CHECK(error_of(encode_mechanical(kOneSlot, {0, 0}, static_cast<MechanicalFunction>(6))) ==
          CommandError::invalid_mechanical_function);
}

TEST_CASE("CCID 6.1.13 PC_to_RDR_Abort") {
    CHECK(ok(encode_abort(kOneSlot, {0, 0x0D})) == hex("72 00000000 00 0D 000000"));
}

TEST_CASE("CCID 6.1.14 PC_to_RDR_SetDataRateAndClockFrequency: two little-endian dwords") {
    // 73 | dwLength 8 | 00 | bSeq 0E | abRFU 000000 |
    // dwClockFrequency 4000 kHz = 00000FA0 | dwDataRate 10752 bps = 00002A00
    CHECK(ok(encode_set_data_rate_and_clock_frequency(kOneSlot, {0, 0x0E}, 4000, 10752)) ==
          hex("73 08000000 00 0E 000000 A00F0000 002A0000"));
}

TEST_CASE("CCID 6.1 each command names its response type") {
    CHECK(expected_response(MessageType::PC_to_RDR_IccPowerOn) == MessageType::RDR_to_PC_DataBlock);
    CHECK(expected_response(MessageType::PC_to_RDR_XfrBlock) == MessageType::RDR_to_PC_DataBlock);
    CHECK(expected_response(MessageType::PC_to_RDR_Secure) == MessageType::RDR_to_PC_DataBlock);
    for (auto type : {MessageType::PC_to_RDR_IccPowerOff, MessageType::PC_to_RDR_GetSlotStatus,
                      MessageType::PC_to_RDR_IccClock, MessageType::PC_to_RDR_T0APDU,
                      MessageType::PC_to_RDR_Mechanical, MessageType::PC_to_RDR_Abort}) {
        CHECK(expected_response(type) == MessageType::RDR_to_PC_SlotStatus);
    }
    for (auto type : {MessageType::PC_to_RDR_GetParameters, MessageType::PC_to_RDR_ResetParameters,
                      MessageType::PC_to_RDR_SetParameters}) {
        CHECK(expected_response(type) == MessageType::RDR_to_PC_Parameters);
    }
    CHECK(expected_response(MessageType::PC_to_RDR_Escape) == MessageType::RDR_to_PC_Escape);
    CHECK(expected_response(MessageType::PC_to_RDR_SetDataRateAndClockFrequency) ==
          MessageType::RDR_to_PC_DataRateAndClockFrequency);
    CHECK_FALSE(expected_response(MessageType::RDR_to_PC_DataBlock).has_value());
    CHECK_FALSE(expected_response(MessageType::RDR_to_PC_NotifySlotChange).has_value());
    CHECK(std::string(to_string(MessageType::PC_to_RDR_XfrBlock)) == "PC_to_RDR_XfrBlock");

    const auto answer = expected_answer(hex("6F 00000000 01 2A 00 0000"));
    REQUIRE(answer.has_value());
    CHECK(answer->bMessageType == MessageType::RDR_to_PC_DataBlock);
    CHECK(answer->bSlot == 1);
    CHECK(answer->bSeq == 0x2A);
    CHECK_FALSE(expected_answer(hex("80 00000000 00 00 00 00 00")).has_value());
    CHECK_FALSE(expected_answer(hex("6F 00000000 00")).has_value());
}

// ---------------------------------------------------------------------------------------
// Class requests (CCID 5.3)

TEST_CASE("CCID 5.3.1 ABORT request: 21 01, wValue bSeq << 8 | bSlot, wIndex interface") {
    const SetupPacket setup = abort_request(1, 0x0D, 2);
    CHECK(setup == SetupPacket{0x21, 0x01, 0x0D01, 0x0002, 0x0000});
    CHECK(setup.bytes() == std::array<std::uint8_t, 8>{0x21, 0x01, 0x01, 0x0D, 0x02, 0, 0, 0});
}

// ---------------------------------------------------------------------------------------
// Decoders (CCID 6.2)

TEST_CASE("CCID 6.2.1 RDR_to_PC_DataBlock with an ATR") {
    // 80 | dwLength 4 | bSlot 00 | bSeq 01 | bStatus 00 | bError 00 | bChainParameter 00 | ATR
    const Response r = decoded("80 04000000 00 01 00 00 00 3B021450");
    CHECK(r.bMessageType == MessageType::RDR_to_PC_DataBlock);
    CHECK(r.dwLength == 4);
    CHECK(r.bSlot == 0);
    CHECK(r.bSeq == 1);
    CHECK(r.processed());
    CHECK(r.bmICCStatus == IccStatus::present_active);
    CHECK(r.bChainParameter == ChainParameter::begins_and_ends);
    CHECK_FALSE(r.response_continues());
    CHECK(r.abData == hex("3B021450"));
    CHECK_FALSE(r.slot_error());
}

TEST_CASE("CCID 6.2.6 bStatus: bmICCStatus in bits 0..1, bmCommandStatus in bits 6..7") {
    // bStatus 41: failed, ICC present and inactive; bError FE ICC_MUTE.
    Response r = decoded("80 00000000 00 01 41 FE 00");
    CHECK(r.failed());
    CHECK(r.bmICCStatus == IccStatus::present_inactive);
    CHECK(r.slot_error() == CcidError::icc_mute);
    // bStatus 42: failed, no ICC.
    r = decoded("81 00000000 00 01 42 FE 00");
    CHECK(r.bmICCStatus == IccStatus::absent);
    CHECK_FALSE(r.card_present());
    // bStatus 80: time extension, bError = multiplier 5.
    r = decoded("80 00000000 00 01 80 05 00");
    CHECK(r.time_extension());
    CHECK(r.time_extension_multiplier() == 5);
    CHECK_FALSE(r.slot_error());  // bError is a multiplier here, not an error
    // The RFU bits 2..5 are ignored.
    r = decoded("81 00000000 00 01 3C 00 00");
    CHECK(r.processed());
    CHECK(r.bmICCStatus == IccStatus::present_active);
    // The reserved values 3 are refused.
    CHECK(decode_error("81 00000000 00 01 03 00 00") == MessageError::reserved_icc_status);
    CHECK(decode_error("81 00000000 00 01 C0 00 00") == MessageError::reserved_command_status);
}

TEST_CASE("CCID 6.2.1 bChainParameter: 00 01 02 03 10 decoded, others refused") {
    CHECK(decoded("80 01000000 00 01 00 00 01 AA").bChainParameter ==
          ChainParameter::begins_continues);
    CHECK(decoded("80 01000000 00 01 00 00 01 AA").response_continues());
    CHECK(decoded("80 01000000 00 01 00 00 02 AA").bChainParameter == ChainParameter::ends);
    CHECK_FALSE(decoded("80 01000000 00 01 00 00 02 AA").response_continues());
    CHECK(decoded("80 01000000 00 01 00 00 03 AA").bChainParameter == ChainParameter::continues);
    CHECK(decoded("80 01000000 00 01 00 00 03 AA").response_continues());
    const Response more = decoded("80 00000000 00 01 00 00 10");
    CHECK(more.bChainParameter == ChainParameter::continue_command);
    CHECK(more.abData.empty());
    CHECK(decode_error("80 00000000 00 01 00 00 04") == MessageError::reserved_chain_parameter);
    CHECK(decode_error("80 00000000 00 01 00 00 11") == MessageError::reserved_chain_parameter);
}

TEST_CASE("CCID 6.2.2 RDR_to_PC_SlotStatus carries bClockStatus and no data") {
    // bStatus 01 present inactive, bClockStatus 01 stopped in state L.
    const Response r = decoded("81 00000000 00 02 01 00 01");
    CHECK(r.bMessageType == MessageType::RDR_to_PC_SlotStatus);
    CHECK(r.bmICCStatus == IccStatus::present_inactive);
    CHECK(r.bClockStatus == 1);
    CHECK(r.clock_status() == ClockStatus::stopped_low);
    CHECK_FALSE(decoded("81 00000000 00 02 01 00 07").clock_status().has_value());
    CHECK(decode_error("81 01000000 00 02 00 00 00 AA") == MessageError::unexpected_data);
}

TEST_CASE("CCID 6.2.3 RDR_to_PC_Parameters decodes the T=0 and T=1 structures") {
    const Response t0 = decoded("82 05000000 00 03 00 00 00 11 02 00 0A 00");
    CHECK(t0.bProtocolNum == 0);
    REQUIRE(t0.abProtocolDataStructure.has_value());
    CHECK(std::get<ProtocolDataT0>(*t0.abProtocolDataStructure) ==
          ProtocolDataT0{0x11, 0x02, 0x00, 0x0A, 0x00});

    const Response t1 = decoded("82 07000000 00 03 00 00 01 96 11 02 4D 03 FE 00");
    CHECK(t1.bProtocolNum == 1);
    REQUIRE(t1.abProtocolDataStructure.has_value());
    CHECK(std::get<ProtocolDataT1>(*t1.abProtocolDataStructure) ==
          ProtocolDataT1{0x96, 0x11, 0x02, 0x4D, 0x03, 0xFE, 0x00});

    CHECK(decode_error("82 05000000 00 03 00 00 02 11 00 00 0A 00") ==
          MessageError::unknown_protocol);
    CHECK(decode_error("82 07000000 00 03 00 00 00 11 10 00 4D 00 20 00") ==
          MessageError::protocol_data_length);
    CHECK(decode_error("82 05000000 00 03 00 00 01 11 10 00 4D 00") ==
          MessageError::protocol_data_length);
    CHECK(decode_error("82 00000000 00 03 00 00 00") == MessageError::protocol_data_length);
    // A failed SetParameters (bError 0A: the 10th byte, the structure) carries none.
    const Response failed = decoded("82 00000000 00 03 40 0A 00");
    CHECK(failed.failed());
    CHECK(failed.slot_error() == CcidError::bad_parameter);
    CHECK_FALSE(failed.abProtocolDataStructure.has_value());
}

TEST_CASE("CCID 6.2.4 RDR_to_PC_Escape passes abData through") {
    const Response r = decoded("83 02000000 00 04 00 00 00 AABB");
    CHECK(r.bMessageType == MessageType::RDR_to_PC_Escape);
    CHECK(r.abData == hex("AABB"));
}

TEST_CASE("CCID 6.2.5 RDR_to_PC_DataRateAndClockFrequency: two dwords") {
    const Response r = decoded("84 08000000 00 05 00 00 00 A00F0000 002A0000");
    CHECK(r.dwClockFrequency == 4000);
    CHECK(r.dwDataRate == 10752);
    CHECK(decode_error("84 04000000 00 05 00 00 00 A00F0000") ==
          MessageError::clock_and_rate_length);
    CHECK(decode_error("84 00000000 00 05 00 00 00") == MessageError::clock_and_rate_length);
    CHECK(decoded("84 00000000 00 05 40 00 00").failed());
}

TEST_CASE("CCID response header checks: size, type, dwLength, bSlot") {
    CHECK(decode_error("") == MessageError::too_short);
    CHECK(decode_error("80 00000000 00 01 00 00") == MessageError::too_short);
    CHECK(decode_error("6F 00000000 00 01 00 00 00") == MessageError::unknown_message_type);
    CHECK(decode_error("85 00000000 00 01 00 00 00") == MessageError::unknown_message_type);
    CHECK(decode_error("50 00000000 00 01 00 00 00") == MessageError::unknown_message_type);
    // dwLength 262 > 271 - 10: refused before the bytes are even counted.
    CHECK(decode_error("80 06010000 00 01 00 00 00") == MessageError::length_exceeds_maximum);
    CHECK(decode_error("80 FFFFFFFF 00 01 00 00 00") == MessageError::length_exceeds_maximum);
    CHECK(decode_error("80 04000000 00 01 00 00 00 3B0214") == MessageError::truncated);
    CHECK(decode_error("80 04000000 00 01 00 00 00 3B02145000") == MessageError::trailing_bytes);
    CHECK(decode_error("81 00000000 01 01 00 00 00") == MessageError::slot_out_of_range);
    CHECK(decoded("81 00000000 01 01 00 00 00", kTwoSlots).bSlot == 1);
    // 261 data bytes is the most a 271-byte reader sends.
    Bytes largest = hex("80 05010000 00 01 00 00 00");
    largest.resize(271, 0x90);
    CHECK(decode_response(largest, kOneSlot).has_value());
}

TEST_CASE("CCID responses must answer the command: bSeq, bSlot, bMessageType") {
    const Expected expected{MessageType::RDR_to_PC_DataBlock, 0, 7};
    CHECK(decode_response(hex("80 00000000 00 07 00 00 00"), kTwoSlots, expected).has_value());
    CHECK(error_of(decode_response(hex("80 00000000 00 06 00 00 00"), kTwoSlots, expected)) ==
          MessageError::sequence_mismatch);
    CHECK(error_of(decode_response(hex("80 00000000 01 07 00 00 00"), kTwoSlots, expected)) ==
          MessageError::slot_mismatch);
    CHECK(error_of(decode_response(hex("81 00000000 00 07 00 00 00"), kTwoSlots, expected)) ==
          MessageError::unexpected_message_type);
    // Structural errors come first.
    CHECK(error_of(decode_response(hex("80 01000000 00 06 00 00 00"), kTwoSlots, expected)) ==
          MessageError::truncated);
}

TEST_CASE("CCID encode_response rebuilds the bytes of a decoded response") {
    for (const char* message :
         {"80 04000000 00 01 00 00 00 3B021450", "80 00000000 00 01 80 05 00",
          "80 01000000 00 01 00 00 03 AA", "81 00000000 00 02 3D 00 02",
          "82 07000000 00 03 00 00 01 96 11 02 4D 03 FE 00", "82 00000000 00 03 40 0A 07",
          "83 02000000 00 04 00 00 5A AABB", "84 08000000 00 05 00 00 00 A00F0000 002A0000"}) {
        CAPTURE(message);
        CHECK(encode_response(decoded(message)) == hex(message));
    }
    // Built from fields: a processed DataRateAndClockFrequency gets its two dwords.
    Response built;
    built.bMessageType = MessageType::RDR_to_PC_DataRateAndClockFrequency;
    built.bSeq = 5;
    built.dwClockFrequency = 4000;
    built.dwDataRate = 10752;
    CHECK(encode_response(built) == hex("84 08000000 00 05 00 00 00 A00F0000 002A0000"));
    built = {};
    built.bMessageType = MessageType::RDR_to_PC_Parameters;
    built.abProtocolDataStructure = ProtocolDataT0{};
    CHECK(encode_response(built) == hex("82 05000000 00 00 00 00 00 11 00 00 0A 00"));
}

TEST_CASE("CCID describe_response names the message, status and slot error") {
    CHECK(describe_response(decoded("80 00000000 00 07 41 FE 00")) ==
          "RDR_to_PC_DataBlock slot 0 seq 7: failed: ICC_MUTE: the reader timed out while "
          "talking to the card (bError 0xFE), ICC present inactive, 0 bytes");
    CHECK(describe_response(decoded("81 00000000 00 07 82 03 00")) ==
          "RDR_to_PC_SlotStatus slot 0 seq 7: time extension x3, no ICC, 0 bytes");
}

// ---------------------------------------------------------------------------------------
// Slot errors (CCID 6.2.6, Table 6.2-2)

TEST_CASE("CCID 6.2.6 every slot error code maps to its own CcidError") {
    const struct {
        std::uint8_t bError;
        CcidError error;
    } table[] = {
        {0xFF, CcidError::cmd_aborted},
        {0xFE, CcidError::icc_mute},
        {0xFD, CcidError::xfr_parity_error},
        {0xFC, CcidError::xfr_overrun},
        {0xFB, CcidError::hw_error},
        {0xF8, CcidError::bad_atr_ts},
        {0xF7, CcidError::bad_atr_tck},
        {0xF6, CcidError::icc_protocol_not_supported},
        {0xF5, CcidError::icc_class_not_supported},
        {0xF4, CcidError::procedure_byte_conflict},
        {0xF3, CcidError::deactivated_protocol},
        {0xF2, CcidError::busy_with_auto_sequence},
        {0xF0, CcidError::pin_timeout},
        {0xEF, CcidError::pin_cancelled},
        {0xE0, CcidError::cmd_slot_busy},
        {0x00, CcidError::command_not_supported},
    };
    std::set<CcidError> seen;
    for (const auto& row : table) {
        CAPTURE(row.bError);
        CHECK(slot_error(row.bError) == row.error);
        CHECK(bError_of(row.error) == row.bError);
        seen.insert(row.error);
        // Through a failed response.
        Bytes message = hex("81 00000000 00 00 40 00 00");
        message[8] = row.bError;
        const auto response = decode_response(message, kOneSlot);
        REQUIRE(response.has_value());
        CHECK(response->slot_error() == row.error);
    }
    CHECK(seen.size() == std::size(table));
}

TEST_CASE("CCID 6.2.6 the code ranges: bad parameter index, user defined, reserved") {
    for (int b = 0x01; b <= 0x7F; ++b) {
        CHECK(slot_error(static_cast<std::uint8_t>(b)) == CcidError::bad_parameter);
        CHECK(bad_parameter_offset(static_cast<std::uint8_t>(b)) == b);
    }
    for (int b = 0x81; b <= 0xC0; ++b) {
        CHECK(slot_error(static_cast<std::uint8_t>(b)) == CcidError::user_defined);
    }
    for (int b : {0x80, 0xC1, 0xDF, 0xE1, 0xEE, 0xF1, 0xF9, 0xFA}) {
        CHECK(slot_error(static_cast<std::uint8_t>(b)) == CcidError::reserved);
        CHECK_FALSE(bad_parameter_offset(static_cast<std::uint8_t>(b)).has_value());
    }
    CHECK_FALSE(bError_of(CcidError::bad_parameter).has_value());
    CHECK_FALSE(bError_of(CcidError::user_defined).has_value());
    CHECK_FALSE(bError_of(CcidError::reserved).has_value());
    CHECK(describe_bError(0x07) == "bad parameter at offset 7 (bError 0x07)");
    CHECK(describe_bError(0xEF) == "PIN_CANCELLED: PIN entry cancelled by the user (bError 0xEF)");
    CHECK(describe_bError(0x00) == "command not supported by the reader (bError 0x00)");
}

TEST_CASE("CCID error enums: distinct codes, named categories, one description each") {
    auto check_enum = [](auto last, const char* category) {
        using Enum = decltype(last);
        std::set<std::string> texts;
        for (int value = 1; value <= static_cast<int>(last); ++value) {
            const std::error_code code = make_error_code(static_cast<Enum>(value));
            CHECK(std::string(code.category().name()) == category);
            CHECK(code.message() == describe(static_cast<Enum>(value)));
            texts.insert(code.message());
        }
        CHECK(texts.size() == static_cast<std::size_t>(last));
    };
    check_enum(CcidError::reserved, "ccid slot");
    check_enum(CommandError::invalid_level_parameter, "ccid command");
    check_enum(MessageError::hardware_error_length, "ccid message");
    check_enum(ExchangeError::too_many_stale_responses, "ccid exchange");
    // Errors of different enums never compare equal.
    CHECK(make_error_code(MessageError::too_short) !=
          std::error_code(make_error_code(CommandError::invalid_limits)));
}

// ---------------------------------------------------------------------------------------
// Interrupt-IN (CCID 6.3)

namespace {
NotifySlotChange notified(std::string_view message, std::uint8_t bMaxSlotIndex) {
    auto result = decode_notify_slot_change(hex(message), bMaxSlotIndex);
    REQUIRE_MESSAGE(result.has_value(), result.error().message());
    return *result;
}
}  // namespace

TEST_CASE("CCID 6.3.1 NotifySlotChange for 1 slot: 2 bytes") {
    CHECK(notify_slot_change_size(0) == 2);
    // 03 = 0000 0011: slot 0 present (bit 0), changed (bit 1).
    CHECK(notified("50 03", 0).slots == std::vector<SlotChange>{{true, true}});
    // 02: removed.
    CHECK(notified("50 02", 0).slots == std::vector<SlotChange>{{false, true}});
    // FD = 1111 1101: slot 0 present, unchanged; the padding bits 2..7 are ignored.
    CHECK(notified("50 FD", 0).slots == std::vector<SlotChange>{{true, false}});
    CHECK(error_of(decode_notify_slot_change(hex("50"), 0)) ==
          MessageError::notify_length_mismatch);
    CHECK(error_of(decode_notify_slot_change(hex("50 03 00"), 0)) ==
          MessageError::notify_length_mismatch);
}

TEST_CASE("CCID 6.3.1 NotifySlotChange for 2 slots: 2 bytes") {
    CHECK(notify_slot_change_size(1) == 2);
    // 0E = 0000 1110: slot 0 bits 10 (absent, changed), slot 1 bits 11 (present, changed).
    CHECK(notified("50 0E", 1).slots == std::vector<SlotChange>{{false, true}, {true, true}});
}

TEST_CASE("CCID 6.3.1 NotifySlotChange for 4 slots: 2 bytes") {
    CHECK(notify_slot_change_size(3) == 2);
    // B1 = 10 11 00 01: slot 0 present; slot 1 nothing; slot 2 present, changed;
    // slot 3 absent, changed.
    CHECK(notified("50 B1", 3).slots ==
          std::vector<SlotChange>{{true, false}, {false, false}, {true, true}, {false, true}});
    CHECK(error_of(decode_notify_slot_change(hex("50 B1 00"), 3)) ==
          MessageError::notify_length_mismatch);
}

TEST_CASE("CCID 6.3.1 NotifySlotChange for 5 slots: 3 bytes, slot 4 in the second byte") {
    CHECK(notify_slot_change_size(4) == 3);
    const auto change = notified("50 00 03", 4);
    REQUIRE(change.slots.size() == 5);
    CHECK(change.slots[4] == SlotChange{true, true});
    for (int slot = 0; slot < 4; ++slot) {
        CHECK(change.slots[slot] == SlotChange{false, false});
    }
    // FF in the second byte: slot 4 from bits 0..1, bits 2..7 are padding.
    CHECK(notified("50 00 FF", 4).slots.size() == 5);
    CHECK(notified("50 00 FF", 4).slots[4] == SlotChange{true, true});
    CHECK(error_of(decode_notify_slot_change(hex("50 00"), 4)) ==
          MessageError::notify_length_mismatch);
}

TEST_CASE("CCID 6.3.1 NotifySlotChange for 16 slots: 5 bytes") {
    CHECK(notify_slot_change_size(15) == 5);
    // Slot 0: byte 1 bit 0. Slot 15: byte 4 bits 6..7 (C0). Slot 9: byte 3 bits 2..3 (08).
    const auto change = notified("50 01 00 08 C0", 15);
    REQUIRE(change.slots.size() == 16);
    CHECK(change.slots[0] == SlotChange{true, false});
    CHECK(change.slots[9] == SlotChange{false, true});
    CHECK(change.slots[15] == SlotChange{true, true});
    int others = 0;
    for (const auto& slot : change.slots) {
        others += slot.present || slot.changed ? 1 : 0;
    }
    CHECK(others == 3);
    CHECK(error_of(decode_notify_slot_change(hex("50 01 00 08"), 15)) ==
          MessageError::notify_length_mismatch);
}

TEST_CASE("CCID 6.3.1 NotifySlotChange for 256 slots and the encoder round trip") {
    CHECK(notify_slot_change_size(255) == 65);
    std::vector<SlotChange> slots(256);
    slots[0] = {true, true};
    slots[130] = {false, true};
    slots[255] = {true, false};
    const Bytes message = encode_notify_slot_change(slots);
    CHECK(message.size() == 65);
    CHECK(message[1] == 0x03);
    CHECK(message[64] == 0x40);  // slot 255: byte 1 + 63, bits 6..7 = 01
    const auto decoded_change = decode_notify_slot_change(message, 255);
    REQUIRE(decoded_change.has_value());
    CHECK(decoded_change->slots == slots);
    CHECK(encode_notify_slot_change(std::vector<SlotChange>{{true, false}, {false, true}}) ==
          hex("50 09"));
}

TEST_CASE("CCID 6.3.2 RDR_to_PC_HardwareError: bSlot, bSeq, bHardwareErrorCode") {
    const auto error = decode_hardware_error(hex("51 00 07 01"), 0);
    REQUIRE(error.has_value());
    CHECK(error->bSlot == 0);
    CHECK(error->bSeq == 7);
    CHECK(error->overcurrent());
    const auto other = decode_hardware_error(hex("51 01 07 02"), 1);
    REQUIRE(other.has_value());
    CHECK_FALSE(other->overcurrent());
    CHECK(error_of(decode_hardware_error(hex("51 00 07"), 0)) ==
          MessageError::hardware_error_length);
    CHECK(error_of(decode_hardware_error(hex("51 00 07 01 00"), 0)) ==
          MessageError::hardware_error_length);
    CHECK(error_of(decode_hardware_error(hex("51 02 07 01"), 1)) ==
          MessageError::slot_out_of_range);
    CHECK(encode_hardware_error({1, 2, 1}) == hex("51 01 02 01"));
}

TEST_CASE("CCID 6.3 decode_interrupt dispatches on bMessageType") {
    const auto change = decode_interrupt(hex("50 03"), 0);
    REQUIRE(change.has_value());
    CHECK(std::holds_alternative<NotifySlotChange>(*change));
    const auto error = decode_interrupt(hex("51 00 01 01"), 0);
    REQUIRE(error.has_value());
    CHECK(std::holds_alternative<HardwareError>(*error));
    CHECK(error_of(decode_interrupt({}, 0)) == MessageError::too_short);
    CHECK(error_of(decode_interrupt(hex("52 00"), 0)) == MessageError::unknown_interrupt_type);
    CHECK(error_of(decode_interrupt(hex("80 00"), 0)) == MessageError::unknown_interrupt_type);
    CHECK(error_of(decode_interrupt(hex("50 03 00"), 0)) == MessageError::notify_length_mismatch);
    CHECK(error_of(decode_notify_slot_change(hex("51 03"), 0)) ==
          MessageError::unknown_interrupt_type);
    CHECK(error_of(decode_hardware_error(hex("50 00 00 00"), 0)) ==
          MessageError::unknown_interrupt_type);
    CHECK(error_of(decode_notify_slot_change({}, 0)) == MessageError::too_short);
    CHECK(error_of(decode_hardware_error({}, 0)) == MessageError::too_short);
}
