// The emulator's CCID wire code against bytes written out by hand from the CCID rev 1.1
// tables (5.1, 6.1, 6.2, 6.3), then against the driver's independent codec (transport/):
// two implementations that must agree on every message the reader and driver exchange.
#include <doctest/doctest.h>

#include <string_view>
#include <vector>

#include "tests/support/hex.hpp"
#include "tests/emulator/wire/ccid_wire.hpp"
#include "transport/ccid_command.hpp"
#include "transport/ccid_interrupt.hpp"
#include "transport/ccid_response.hpp"
#include "transport/class_descriptor.hpp"

namespace tessera::emulator::wire {
namespace {

using test::hex;

Answer answer(MessageType type, std::uint8_t slot, std::uint8_t seq) {
    Answer out;
    out.bMessageType = type;
    out.bSlot = slot;
    out.bSeq = seq;
    return out;
}

// A descriptor whose every field differs from its neighbours, for offset checks.
transport::ClassDescriptor sample_descriptor() {
    transport::ClassDescriptor d;
    d.bMaxSlotIndex = 0x00;
    d.bVoltageSupport = 0x07;
    d.dwProtocols = 0x00000003;
    d.dwDefaultClock = 4000;
    d.dwMaximumClock = 8000;
    d.bNumClockSupported = 0;
    d.dwDataRate = 10752;
    d.dwMaxDataRate = 344086;
    d.bNumDataRatesSupported = 0;
    d.dwMaxIFSD = 254;
    d.dwSynchProtocols = 0;
    d.dwMechanical = 0;
    d.dwFeatures = 0x000404BA;
    d.dwMaxCCIDMessageLength = 271;
    d.bClassGetResponse = 0xFF;
    d.bClassEnvelope = 0xFF;
    d.wLcdLayout = 0x0000;
    d.bPINSupport = 0x00;
    d.bMaxCCIDBusySlots = 0x01;
    return d;
}

}  // namespace

// --- known answers ---------------------------------------------------------------------

TEST_CASE("CCID 6.1: a command header is read field by field, little endian") {
    // XfrBlock, dwLength 0x00010100, slot 1, seq 9, bBWI 4, wLevelParameter 0x0010.
    const auto header = read_command_header(hex("6F 00 01 01 00 01 09 04 10 00"));
    REQUIRE(header);
    CHECK(header->bMessageType == 0x6F);
    CHECK(header->dwLength == 0x00010100);
    CHECK(header->bSlot == 1);
    CHECK(header->bSeq == 9);
    CHECK(header->byte7() == 0x04);
    CHECK(header->wLevelParameter() == 0x0010);
    CHECK(header->byte8() == 0x10);
    CHECK(header->byte9() == 0x00);
    CHECK_FALSE(read_command_header(hex("6F 00 00 00 00 00 09 04 10")));
    CHECK(read_le32(hex("78 56 34 12"), 0) == 0x12345678);
    CHECK(read_le16(hex("00 34 12"), 1) == 0x1234);
}

TEST_CASE("CCID 6.1.1 to 6.1.14: each command names its answer") {
    CHECK(answer_type(0x62) == MessageType::RDR_to_PC_DataBlock);
    CHECK(answer_type(0x63) == MessageType::RDR_to_PC_SlotStatus);
    CHECK(answer_type(0x65) == MessageType::RDR_to_PC_SlotStatus);
    CHECK(answer_type(0x6F) == MessageType::RDR_to_PC_DataBlock);
    CHECK(answer_type(0x6C) == MessageType::RDR_to_PC_Parameters);
    CHECK(answer_type(0x6D) == MessageType::RDR_to_PC_Parameters);
    CHECK(answer_type(0x61) == MessageType::RDR_to_PC_Parameters);
    CHECK(answer_type(0x6B) == MessageType::RDR_to_PC_Escape);
    CHECK(answer_type(0x6E) == MessageType::RDR_to_PC_SlotStatus);
    CHECK(answer_type(0x6A) == MessageType::RDR_to_PC_SlotStatus);
    CHECK(answer_type(0x69) == MessageType::RDR_to_PC_DataBlock);
    CHECK(answer_type(0x71) == MessageType::RDR_to_PC_SlotStatus);
    CHECK(answer_type(0x72) == MessageType::RDR_to_PC_SlotStatus);
    CHECK(answer_type(0x73) == MessageType::RDR_to_PC_DataRateAndClockFrequency);
    for (const std::uint8_t other : {0x00, 0x50, 0x51, 0x60, 0x64, 0x66, 0x70, 0x74, 0x80, 0xFF}) {
        CHECK_FALSE(is_command(other));
    }
}

TEST_CASE("CCID 6.2.1: DataBlock with the ATR of a present, active card") {
    Answer atr = answer(MessageType::RDR_to_PC_DataBlock, 0, 7);
    atr.abData = hex("3B 00");
    CHECK(write_answer(atr) == hex("80 02 00 00 00 00 07 00 00 00 3B 00"));
}

TEST_CASE("CCID 6.2.6: bStatus holds bmICCStatus in bits 0..1 and bmCommandStatus in 6..7") {
    Answer mute = answer(MessageType::RDR_to_PC_SlotStatus, 1, 0x12);
    mute.bmICCStatus = IccStatus::absent;
    mute.bmCommandStatus = CommandStatus::failed;
    mute.bError = 0xFE;  // ICC_MUTE
    CHECK(write_answer(mute) == hex("81 00 00 00 00 01 12 42 FE 00"));

    Answer more_time = answer(MessageType::RDR_to_PC_DataBlock, 0, 3);
    more_time.bmICCStatus = IccStatus::present_inactive;
    more_time.bmCommandStatus = CommandStatus::time_extension;
    more_time.bError = 2;
    CHECK(write_answer(more_time) == hex("80 00 00 00 00 00 03 81 02 00"));

    Answer chained = answer(MessageType::RDR_to_PC_DataBlock, 0, 4);
    chained.byte9 = kChainBeginsContinues;
    chained.abData = Bytes(0x0102, 0xAA);  // dwLength 0x00000102
    const Bytes bytes = write_answer(chained);
    CHECK(Bytes(bytes.begin(), bytes.begin() + 10) == hex("80 02 01 00 00 00 04 00 00 01"));
    CHECK(bytes.size() == 10 + 0x0102);
}

TEST_CASE("CCID 6.2.3 / 6.1.7: Parameters carry bProtocolNum and the structure in order") {
    Answer t1 = answer(MessageType::RDR_to_PC_Parameters, 0, 5);
    set_parameters_payload(t1, ParametersT1{0x96, 0x11, 0x02, 0x4D, 0x03, 0xFE, 0x00});
    CHECK(write_answer(t1) == hex("82 07 00 00 00 00 05 00 00 01 96 11 02 4D 03 FE 00"));

    Answer t0 = answer(MessageType::RDR_to_PC_Parameters, 0, 6);
    set_parameters_payload(t0, ParametersT0{});  // Fi 372 / Di 1, direct, N 0, WI 10
    CHECK(write_answer(t0) == hex("82 05 00 00 00 00 06 00 00 00 11 00 00 0A 00"));

    CHECK(read_parameters(0, hex("13 02 FF 0A 03")) == Parameters{ParametersT0{0x13, 0x02, 0xFF, 0x0A, 0x03}});
    CHECK(read_parameters(1, hex("96 11 02 4D 03 FE 00")) ==
          Parameters{ParametersT1{0x96, 0x11, 0x02, 0x4D, 0x03, 0xFE, 0x00}});
    CHECK_FALSE(read_parameters(0, hex("11 00 00 0A 00 00 00")));
    CHECK_FALSE(read_parameters(1, hex("11 00 00 0A 00")));
    CHECK_FALSE(read_parameters(2, hex("11 00 00 0A 00")));
}

TEST_CASE("CCID 6.2.5: DataRateAndClockFrequency, kHz then bps, little endian") {
    Answer rates = answer(MessageType::RDR_to_PC_DataRateAndClockFrequency, 0, 3);
    set_clock_and_rate_payload(rates, 4000, 10752);
    CHECK(write_answer(rates) == hex("84 08 00 00 00 00 03 00 00 00 A0 0F 00 00 00 2A 00 00"));
}

TEST_CASE("CCID 6.3.1: NotifySlotChange, two bits per slot from the low bits up") {
    const std::vector<SlotState> one{{true, true}};
    CHECK(write_notify_slot_change(one) == hex("50 03"));
    // Slot 0 present, slot 1 removed (changed only), slot 2 empty, slot 3 inserted.
    const std::vector<SlotState> four{{true, false}, {false, true}, {false, false}, {true, true}};
    CHECK(write_notify_slot_change(four) == hex("50 C9"));
    // Five slots need a second byte; slot 4 in its low bits.
    const std::vector<SlotState> five{{false, false}, {false, false}, {false, false}, {false, false},
                                      {true, true}};
    CHECK(write_notify_slot_change(five) == hex("50 00 03"));
    CHECK(notify_slot_change_size(0) == 2);
    CHECK(notify_slot_change_size(3) == 2);
    CHECK(notify_slot_change_size(4) == 3);
}

TEST_CASE("CCID 6.3.2: HardwareError is 51, bSlot, bSeq, bHardwareErrorCode") {
    CHECK(write_hardware_error(0, 7, kHardwareErrorOvercurrent) == hex("51 00 07 01"));
}

TEST_CASE("CCID 5.1: the class descriptor's 54 bytes at their offsets") {
    CHECK(write_class_descriptor(sample_descriptor()) ==
          hex("36 21 10 01 00 07 03 00 00 00 A0 0F 00 00 40 1F 00 00 00 00 2A 00 00 16 40 05 00"
              "00 FE 00 00 00 00 00 00 00 00 00 00 00 BA 04 04 00 0F 01 00 00 FF FF 00 00 00 01"));
}

// --- cross-check with the driver's codec ------------------------------------------------

TEST_CASE("cross-check: every answer the emulator writes decodes alike in the driver") {
    const transport::MessageLimits limits{1, 65544 + 10};
    std::vector<Answer> answers;
    Answer atr = answer(MessageType::RDR_to_PC_DataBlock, 1, 0xFF);
    atr.abData = hex("3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 03 00 00 00 00 68");
    answers.push_back(atr);
    for (const std::uint8_t chain : {kChainBeginsAndEnds, kChainBeginsContinues, kChainEnds,
                                     kChainContinues, kChainContinueCommand}) {
        Answer part = answer(MessageType::RDR_to_PC_DataBlock, 0, chain);
        part.byte9 = chain;
        part.abData = chain == kChainContinueCommand ? Bytes{} : Bytes(300, chain);
        answers.push_back(part);
    }
    for (const auto icc : {IccStatus::present_active, IccStatus::present_inactive, IccStatus::absent}) {
        Answer status = answer(MessageType::RDR_to_PC_SlotStatus, 0, 1);
        status.bmICCStatus = icc;
        status.byte9 = 0x02;  // bClockStatus: stopped in state H
        answers.push_back(status);
        Answer failed = answer(MessageType::RDR_to_PC_Escape, 1, 2);
        failed.bmICCStatus = icc;
        failed.bmCommandStatus = CommandStatus::failed;
        failed.bError = 0x05;
        answers.push_back(failed);
    }
    Answer extension = answer(MessageType::RDR_to_PC_DataBlock, 0, 9);
    extension.bmCommandStatus = CommandStatus::time_extension;
    extension.bError = 3;
    answers.push_back(extension);
    Answer t0 = answer(MessageType::RDR_to_PC_Parameters, 0, 10);
    set_parameters_payload(t0, ParametersT0{0x96, 0x02, 0x01, 0x0A, 0x03});
    answers.push_back(t0);
    Answer t1 = answer(MessageType::RDR_to_PC_Parameters, 1, 11);
    set_parameters_payload(t1, ParametersT1{0x18, 0x13, 0xFF, 0x45, 0x00, 0xFE, 0x00});
    answers.push_back(t1);
    Answer escape = answer(MessageType::RDR_to_PC_Escape, 0, 12);
    escape.abData = hex("01 02 03");
    answers.push_back(escape);
    Answer rates = answer(MessageType::RDR_to_PC_DataRateAndClockFrequency, 0, 13);
    set_clock_and_rate_payload(rates, 3580, 9600);
    answers.push_back(rates);

    for (const Answer& a : answers) {
        CAPTURE(static_cast<int>(a.bMessageType));
        CAPTURE(static_cast<int>(a.bSeq));
        const Bytes bytes = write_answer(a);
        const auto decoded = transport::decode_response(bytes, limits);
        REQUIRE(decoded);
        CHECK(static_cast<std::uint8_t>(decoded->bMessageType) == static_cast<std::uint8_t>(a.bMessageType));
        CHECK(decoded->bSlot == a.bSlot);
        CHECK(decoded->bSeq == a.bSeq);
        CHECK(static_cast<int>(decoded->bmICCStatus) == static_cast<int>(a.bmICCStatus));
        CHECK(static_cast<int>(decoded->bmCommandStatus) == static_cast<int>(a.bmCommandStatus));
        CHECK(decoded->bError == a.bError);
        CHECK(decoded->abData == a.abData);
        // The driver's own writer gives the same bytes for what it decoded.
        CHECK(transport::encode_response(*decoded) == bytes);
    }
    const auto parameters = transport::decode_response(write_answer(t1), limits);
    REQUIRE(parameters);
    CHECK(parameters->abProtocolDataStructure ==
          transport::ProtocolData{transport::ProtocolDataT1{0x18, 0x13, 0xFF, 0x45, 0x00, 0xFE, 0x00}});
    const auto clock = transport::decode_response(write_answer(rates), limits);
    REQUIRE(clock);
    CHECK(clock->dwClockFrequency == 3580);
    CHECK(clock->dwDataRate == 9600);
}

TEST_CASE("cross-check: every command the driver writes reads alike in the emulator") {
    const transport::MessageLimits limits{3, 65544 + 10};
    struct Case {
        Bytes bytes;
        std::uint8_t type;
        std::uint8_t slot;
        std::uint8_t seq;
        std::uint8_t byte7;
        std::uint16_t level;
    };
    const Bytes apdu = hex("00 A4 04 00 08 A0 00 00 05 27 54 45 53");
    std::vector<Case> cases;
    cases.push_back({*transport::encode_icc_power_on(limits, {1, 2}, transport::PowerSelect::volts_3_0),
                     0x62, 1, 2, 0x02, 0});
    cases.push_back({*transport::encode_icc_power_off(limits, {0, 3}), 0x63, 0, 3, 0, 0});
    cases.push_back({*transport::encode_get_slot_status(limits, {2, 4}), 0x65, 2, 4, 0, 0});
    cases.push_back({*transport::encode_xfr_block(limits, {0, 5}, apdu, 7, 0x0102), 0x6F, 0, 5, 7, 0x0102});
    cases.push_back({*transport::encode_xfr_block(limits, {0, 6}, {}, transport::XfrChain::continue_response),
                     0x6F, 0, 6, 0, kLevelContinueResponse});
    cases.push_back({*transport::encode_get_parameters(limits, {3, 7}), 0x6C, 3, 7, 0, 0});
    cases.push_back({*transport::encode_reset_parameters(limits, {0, 8}), 0x6D, 0, 8, 0, 0});
    cases.push_back({*transport::encode_escape(limits, {0, 9}, hex("DE AD")), 0x6B, 0, 9, 0, 0});
    cases.push_back({*transport::encode_icc_clock(limits, {0, 10}, transport::ClockCommand::stop), 0x6E, 0,
                     10, kClockStop, 0});
    cases.push_back({*transport::encode_t0apdu(limits, {0, 11}, 0x03, 0xC0, 0xC2), 0x6A, 0, 11, 0x03, 0xC2C0});
    cases.push_back({*transport::encode_mechanical(limits, {0, 12}, transport::MechanicalFunction::eject_card),
                     0x71, 0, 12, 0x02, 0});
    cases.push_back({*transport::encode_abort(limits, {1, 13}), 0x72, 1, 13, 0, 0});
    cases.push_back({*transport::encode_set_data_rate_and_clock_frequency(limits, {0, 14}, 4000, 10752), 0x73, 0,
                     14, 0, 0});
    for (const Case& c : cases) {
        CAPTURE(static_cast<int>(c.type));
        const auto header = read_command_header(c.bytes);
        REQUIRE(header);
        CHECK(header->bMessageType == c.type);
        CHECK(header->dwLength == c.bytes.size() - kHeaderSize);
        CHECK(header->bSlot == c.slot);
        CHECK(header->bSeq == c.seq);
        CHECK(header->byte7() == c.byte7);
        CHECK(header->wLevelParameter() == c.level);
        CHECK(answer_type(c.type) ==
              static_cast<MessageType>(*transport::expected_response(static_cast<transport::MessageType>(c.type))));
    }
    const Bytes rates = cases.back().bytes;
    CHECK(read_le32(rates, 10) == 4000);
    CHECK(read_le32(rates, 14) == 10752);

    const transport::ProtocolDataT1 t1{0x13, 0x11, 0x00, 0x45, 0x00, 0xFE, 0x00};
    const Bytes set = *transport::encode_set_parameters(limits, {0, 15}, t1);
    const auto header = read_command_header(set);
    REQUIRE(header);
    CHECK(header->byte7() == 1);  // bProtocolNum
    CHECK(read_parameters(header->byte7(), ByteView(set).subspan(kHeaderSize)) ==
          Parameters{ParametersT1{0x13, 0x11, 0x00, 0x45, 0x00, 0xFE, 0x00}});
    CHECK(write_parameters(ParametersT1{0x13, 0x11, 0x00, 0x45, 0x00, 0xFE, 0x00}) ==
          transport::encode_protocol_data(t1));
    const transport::ProtocolDataT0 t0{0x96, 0x02, 0xFF, 0x0A, 0x03};
    CHECK(write_parameters(ParametersT0{0x96, 0x02, 0xFF, 0x0A, 0x03}) == transport::encode_protocol_data(t0));
}

TEST_CASE("cross-check: answer types agree with the driver for all 256 bMessageType values") {
    for (unsigned value = 0; value < 256; ++value) {
        const auto type = static_cast<std::uint8_t>(value);
        CAPTURE(value);
        CHECK(is_command(type) == transport::is_command(type));
        if (is_command(type)) {
            CHECK(static_cast<std::uint8_t>(*answer_type(type)) ==
                  static_cast<std::uint8_t>(
                      *transport::expected_response(static_cast<transport::MessageType>(type))));
        }
    }
}

TEST_CASE("cross-check: interrupt messages and the class descriptor match the driver's") {
    for (std::size_t slots = 1; slots <= 9; ++slots) {
        std::vector<SlotState> ours;
        std::vector<transport::SlotChange> theirs;
        for (std::size_t n = 0; n < slots; ++n) {
            const bool present = (n * 7 + slots) % 3 != 0;
            const bool changed = (n + slots) % 2 == 0;
            ours.push_back({present, changed});
            theirs.push_back({present, changed});
        }
        CAPTURE(slots);
        const Bytes bytes = write_notify_slot_change(ours);
        CHECK(bytes == transport::encode_notify_slot_change(theirs));
        const auto decoded = transport::decode_notify_slot_change(bytes, static_cast<std::uint8_t>(slots - 1));
        REQUIRE(decoded);
        CHECK(decoded->slots == theirs);
        CHECK(notify_slot_change_size(static_cast<std::uint8_t>(slots - 1)) ==
              transport::notify_slot_change_size(static_cast<std::uint8_t>(slots - 1)));
    }
    CHECK(write_hardware_error(2, 0x40, 0x01) == transport::encode_hardware_error({2, 0x40, 0x01}));

    for (const auto& descriptor : {transport::ClassDescriptor{}, sample_descriptor()}) {
        const Bytes bytes = write_class_descriptor(descriptor);
        CHECK(bytes == transport::encode_class_descriptor(descriptor));
        const auto parsed = transport::parse_class_descriptor(bytes);
        REQUIRE(parsed);
        CHECK(*parsed == descriptor);
    }
}

}  // namespace tessera::emulator::wire
