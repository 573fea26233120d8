#include "tests/emulator/wire/ccid_wire.hpp"

namespace tessera::emulator::wire {
namespace {

void put_le16(Bytes& out, std::size_t offset, std::uint16_t value) {
    out[offset] = static_cast<std::uint8_t>(value & 0xFF);
    out[offset + 1] = static_cast<std::uint8_t>(value >> 8);
}

void put_le32(Bytes& out, std::size_t offset, std::uint32_t value) {
    for (std::size_t i = 0; i < 4; ++i) {
        out[offset + i] = static_cast<std::uint8_t>((value >> (8 * i)) & 0xFF);
    }
}

}  // namespace

std::optional<MessageType> answer_type(std::uint8_t bMessageType) noexcept {
    switch (bMessageType) {
        case 0x62:  // 6.1.1 IccPowerOn: the ATR in a DataBlock
        case 0x6F:  // 6.1.4 XfrBlock
        case 0x69:  // 6.1.11 Secure
            return MessageType::RDR_to_PC_DataBlock;
        case 0x63:  // 6.1.2 IccPowerOff
        case 0x65:  // 6.1.3 GetSlotStatus
        case 0x6E:  // 6.1.9 IccClock
        case 0x6A:  // 6.1.10 T0APDU
        case 0x71:  // 6.1.12 Mechanical
        case 0x72:  // 6.1.13 Abort
            return MessageType::RDR_to_PC_SlotStatus;
        case 0x6C:  // 6.1.5 GetParameters
        case 0x6D:  // 6.1.6 ResetParameters
        case 0x61:  // 6.1.7 SetParameters
            return MessageType::RDR_to_PC_Parameters;
        case 0x6B:  // 6.1.8 Escape
            return MessageType::RDR_to_PC_Escape;
        case 0x73:  // 6.1.14 SetDataRateAndClockFrequency
            return MessageType::RDR_to_PC_DataRateAndClockFrequency;
        default:
            return std::nullopt;
    }
}

std::uint16_t read_le16(ByteView bytes, std::size_t offset) noexcept {
    return static_cast<std::uint16_t>(bytes[offset] | bytes[offset + 1] << 8);
}

std::uint32_t read_le32(ByteView bytes, std::size_t offset) noexcept {
    std::uint32_t value = 0;
    for (std::size_t i = 4; i-- > 0;) {
        value = value << 8 | bytes[offset + i];
    }
    return value;
}

void append_le16(Bytes& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value & 0xFF));
    out.push_back(static_cast<std::uint8_t>(value >> 8));
}

void append_le32(Bytes& out, std::uint32_t value) {
    for (std::size_t i = 0; i < 4; ++i) {
        out.push_back(static_cast<std::uint8_t>((value >> (8 * i)) & 0xFF));
    }
}

// CCID 6.1: the common header of every PC_to_RDR message.
std::optional<CommandHeader> read_command_header(ByteView message) noexcept {
    if (message.size() < kHeaderSize) {
        return std::nullopt;
    }
    CommandHeader header;
    header.bMessageType = message[0];
    header.dwLength = read_le32(message, 1);
    header.bSlot = message[5];
    header.bSeq = message[6];
    header.specific = {message[7], message[8], message[9]};
    return header;
}

// CCID 6.1.7: the fields of abProtocolDataStructure in their order.
Bytes write_parameters(const Parameters& parameters) {
    if (const auto* t0 = std::get_if<ParametersT0>(&parameters)) {
        return Bytes{t0->bmFindexDindex, t0->bmTCCKST0, t0->bGuardTimeT0, t0->bWaitingIntegerT0,
                     t0->bClockStop};
    }
    const auto& t1 = std::get<ParametersT1>(parameters);
    return Bytes{t1.bmFindexDindex, t1.bmTCCKST1, t1.bGuardTimeT1, t1.bmWaitingIntegersT1,
                 t1.bClockStop, t1.bIFSC, t1.bNadValue};
}

std::optional<Parameters> read_parameters(std::uint8_t bProtocolNum, ByteView bytes) {
    if (bProtocolNum == 0 && bytes.size() == 5) {
        return ParametersT0{bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]};
    }
    if (bProtocolNum == 1 && bytes.size() == 7) {
        return ParametersT1{bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6]};
    }
    return std::nullopt;
}

// CCID 6.2: header (6.2.6 bStatus: bmICCStatus bits 0..1, bmCommandStatus bits 6..7),
// then abData.
Bytes write_answer(const Answer& answer) {
    const auto icc = static_cast<std::uint8_t>(static_cast<std::uint8_t>(answer.bmICCStatus) & 0x03);
    const auto command = static_cast<std::uint8_t>(static_cast<std::uint8_t>(answer.bmCommandStatus) & 0x03);
    Bytes out;
    out.reserve(kHeaderSize + answer.abData.size());
    out.push_back(static_cast<std::uint8_t>(answer.bMessageType));        // offset 0
    append_le32(out, static_cast<std::uint32_t>(answer.abData.size()));  // 1..4 dwLength
    out.push_back(answer.bSlot);                                          // 5
    out.push_back(answer.bSeq);                                           // 6
    out.push_back(static_cast<std::uint8_t>(icc | command << 6));         // 7 bStatus
    out.push_back(answer.bError);                                         // 8
    out.push_back(answer.byte9);                                          // 9
    out.insert(out.end(), answer.abData.begin(), answer.abData.end());
    return out;
}

void set_parameters_payload(Answer& answer, const Parameters& parameters) {
    answer.byte9 = protocol_num(parameters);  // 6.2.3 bProtocolNum
    answer.abData = write_parameters(parameters);
}

void set_clock_and_rate_payload(Answer& answer, std::uint32_t clock_khz, std::uint32_t rate_bps) {
    answer.abData.clear();
    append_le32(answer.abData, clock_khz);  // 6.2.5 offset 10 dwClockFrequency
    append_le32(answer.abData, rate_bps);   // offset 14 dwDataRate
}

std::size_t notify_slot_change_size(std::uint8_t bMaxSlotIndex) noexcept {
    const std::size_t bits = 2 * (std::size_t{bMaxSlotIndex} + 1);
    return 1 + (bits + 7) / 8;
}

// CCID 6.3.1
Bytes write_notify_slot_change(std::span<const SlotState> slots) {
    const std::size_t slot_count = slots.empty() ? 1 : slots.size();
    Bytes out(1 + (2 * slot_count + 7) / 8, 0);
    out[0] = static_cast<std::uint8_t>(MessageType::RDR_to_PC_NotifySlotChange);
    for (std::size_t n = 0; n < slots.size(); ++n) {
        const std::size_t bit = 2 * n;
        std::uint8_t& byte = out[1 + bit / 8];
        if (slots[n].present) {
            byte = static_cast<std::uint8_t>(byte | 1u << (bit % 8));
        }
        if (slots[n].changed) {
            byte = static_cast<std::uint8_t>(byte | 1u << (bit % 8 + 1));
        }
    }
    return out;
}

// CCID 6.3.2
Bytes write_hardware_error(std::uint8_t bSlot, std::uint8_t bSeq, std::uint8_t code) {
    return Bytes{static_cast<std::uint8_t>(MessageType::RDR_to_PC_HardwareError), bSlot, bSeq, code};
}

// CCID 5.1, Table 5.1-1.
Bytes write_class_descriptor(const transport::ClassDescriptor& d) {
    Bytes out(kClassDescriptorSize, 0);
    out[0] = d.bLength;
    out[1] = d.bDescriptorType;
    put_le16(out, 2, d.bcdCCID);
    out[4] = d.bMaxSlotIndex;
    out[5] = d.bVoltageSupport;
    put_le32(out, 6, d.dwProtocols);
    put_le32(out, 10, d.dwDefaultClock);
    put_le32(out, 14, d.dwMaximumClock);
    out[18] = d.bNumClockSupported;
    put_le32(out, 19, d.dwDataRate);
    put_le32(out, 23, d.dwMaxDataRate);
    out[27] = d.bNumDataRatesSupported;
    put_le32(out, 28, d.dwMaxIFSD);
    put_le32(out, 32, d.dwSynchProtocols);
    put_le32(out, 36, d.dwMechanical);
    put_le32(out, 40, d.dwFeatures);
    put_le32(out, 44, d.dwMaxCCIDMessageLength);
    out[48] = d.bClassGetResponse;
    out[49] = d.bClassEnvelope;
    put_le16(out, 50, d.wLcdLayout);
    out[52] = d.bPINSupport;
    out[53] = d.bMaxCCIDBusySlots;
    return out;
}

}  // namespace tessera::emulator::wire
