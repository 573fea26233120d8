#include "transport/ccid_message.hpp"

namespace tessera::transport {

const char* to_string(MessageType type) noexcept {
    switch (type) {
        case MessageType::PC_to_RDR_IccPowerOn:
            return "PC_to_RDR_IccPowerOn";
        case MessageType::PC_to_RDR_IccPowerOff:
            return "PC_to_RDR_IccPowerOff";
        case MessageType::PC_to_RDR_GetSlotStatus:
            return "PC_to_RDR_GetSlotStatus";
        case MessageType::PC_to_RDR_XfrBlock:
            return "PC_to_RDR_XfrBlock";
        case MessageType::PC_to_RDR_GetParameters:
            return "PC_to_RDR_GetParameters";
        case MessageType::PC_to_RDR_ResetParameters:
            return "PC_to_RDR_ResetParameters";
        case MessageType::PC_to_RDR_SetParameters:
            return "PC_to_RDR_SetParameters";
        case MessageType::PC_to_RDR_Escape:
            return "PC_to_RDR_Escape";
        case MessageType::PC_to_RDR_IccClock:
            return "PC_to_RDR_IccClock";
        case MessageType::PC_to_RDR_T0APDU:
            return "PC_to_RDR_T0APDU";
        case MessageType::PC_to_RDR_Secure:
            return "PC_to_RDR_Secure";
        case MessageType::PC_to_RDR_Mechanical:
            return "PC_to_RDR_Mechanical";
        case MessageType::PC_to_RDR_Abort:
            return "PC_to_RDR_Abort";
        case MessageType::PC_to_RDR_SetDataRateAndClockFrequency:
            return "PC_to_RDR_SetDataRateAndClockFrequency";
        case MessageType::RDR_to_PC_DataBlock:
            return "RDR_to_PC_DataBlock";
        case MessageType::RDR_to_PC_SlotStatus:
            return "RDR_to_PC_SlotStatus";
        case MessageType::RDR_to_PC_Parameters:
            return "RDR_to_PC_Parameters";
        case MessageType::RDR_to_PC_Escape:
            return "RDR_to_PC_Escape";
        case MessageType::RDR_to_PC_DataRateAndClockFrequency:
            return "RDR_to_PC_DataRateAndClockFrequency";
        case MessageType::RDR_to_PC_NotifySlotChange:
            return "RDR_to_PC_NotifySlotChange";
        case MessageType::RDR_to_PC_HardwareError:
            return "RDR_to_PC_HardwareError";
    }
    return "unknown";
}

std::optional<MessageType> expected_response(MessageType command) noexcept {
    switch (command) {
        case MessageType::PC_to_RDR_IccPowerOn:  // 6.1.1: the ATR in a DataBlock
        case MessageType::PC_to_RDR_XfrBlock:    // 6.1.4
        case MessageType::PC_to_RDR_Secure:      // 6.1.11
            return MessageType::RDR_to_PC_DataBlock;
        case MessageType::PC_to_RDR_IccPowerOff:    // 6.1.2
        case MessageType::PC_to_RDR_GetSlotStatus:  // 6.1.3
        case MessageType::PC_to_RDR_IccClock:       // 6.1.9
        case MessageType::PC_to_RDR_T0APDU:         // 6.1.10
        case MessageType::PC_to_RDR_Mechanical:     // 6.1.12
        case MessageType::PC_to_RDR_Abort:          // 6.1.13
            return MessageType::RDR_to_PC_SlotStatus;
        case MessageType::PC_to_RDR_GetParameters:    // 6.1.5
        case MessageType::PC_to_RDR_ResetParameters:  // 6.1.6
        case MessageType::PC_to_RDR_SetParameters:    // 6.1.7
            return MessageType::RDR_to_PC_Parameters;
        case MessageType::PC_to_RDR_Escape:  // 6.1.8
            return MessageType::RDR_to_PC_Escape;
        case MessageType::PC_to_RDR_SetDataRateAndClockFrequency:  // 6.1.14
            return MessageType::RDR_to_PC_DataRateAndClockFrequency;
        default:
            return std::nullopt;
    }
}

std::optional<MessageHeader> read_header(ByteView message) noexcept {
    if (message.size() < kHeaderSize) {
        return std::nullopt;
    }
    return MessageHeader{message[0], read_le32(message, 1), message[5], message[6]};
}

bool is_command(std::uint8_t bMessageType) noexcept {
    return expected_response(static_cast<MessageType>(bMessageType)).has_value();
}

bool is_response(std::uint8_t bMessageType) noexcept {
    return bMessageType >= 0x80 && bMessageType <= 0x84;  // 6.2.1 .. 6.2.5
}

Bytes encode_protocol_data(const ProtocolData& data) {
    if (const auto* t0 = std::get_if<ProtocolDataT0>(&data)) {
        return {t0->bmFindexDindex, t0->bmTCCKST0, t0->bGuardTimeT0, t0->bWaitingIntegerT0,
                t0->bClockStop};
    }
    const auto& t1 = std::get<ProtocolDataT1>(data);
    return {t1.bmFindexDindex, t1.bmTCCKST1, t1.bGuardTimeT1, t1.bmWaitingIntegersT1,
            t1.bClockStop,     t1.bIFSC,     t1.bNadValue};
}

std::optional<ProtocolData> decode_protocol_data(std::uint8_t bProtocolNum, ByteView bytes) {
    if (bProtocolNum == 0 && bytes.size() == 5) {
        return ProtocolDataT0{bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]};
    }
    if (bProtocolNum == 1 && bytes.size() == 7) {
        return ProtocolDataT1{bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6]};
    }
    return std::nullopt;
}

void append_le16(Bytes& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value));
    out.push_back(static_cast<std::uint8_t>(value >> 8));
}

void append_le32(Bytes& out, std::uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) {
        out.push_back(static_cast<std::uint8_t>(value >> shift));
    }
}

}  // namespace tessera::transport
