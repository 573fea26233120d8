#include "transport/ccid_command.hpp"

namespace tessera::transport {

namespace {

constexpr std::size_t kPinApduHeaderSize = 4;  // CLA INS P1 P2

// Header + abData of one PC_to_RDR message (CCID 6.1): bMessageType, dwLength, bSlot,
// bSeq, the three message-specific bytes, abData.
Result<Bytes> frame(const MessageLimits& limits, MessageType type, Address address,
                    std::array<std::uint8_t, 3> specific, ByteView abData) {
    if (limits.dwMaxCCIDMessageLength < kHeaderSize) {
        return CommandError::invalid_limits;
    }
    if (address.bSlot > limits.bMaxSlotIndex) {
        return CommandError::slot_out_of_range;
    }
    if (abData.size() > limits.max_data_length()) {
        return CommandError::data_too_long;
    }
    Bytes out;
    out.reserve(kHeaderSize + abData.size());
    out.push_back(static_cast<std::uint8_t>(type));
    append_le32(out, static_cast<std::uint32_t>(abData.size()));
    out.push_back(address.bSlot);
    out.push_back(address.bSeq);
    out.insert(out.end(), specific.begin(), specific.end());
    out.insert(out.end(), abData.begin(), abData.end());
    return out;
}

std::array<std::uint8_t, 3> level(std::uint8_t bBWI, std::uint16_t wLevelParameter) {
    return {bBWI, static_cast<std::uint8_t>(wLevelParameter),
            static_cast<std::uint8_t>(wLevelParameter >> 8)};
}

bool valid_chain(XfrChain chain) {
    switch (chain) {
        case XfrChain::begins_and_ends:
        case XfrChain::begins_continues:
        case XfrChain::ends:
        case XfrChain::continues:
        case XfrChain::continue_response:
            return true;
    }
    return false;
}

std::optional<CommandError> check_protocol_data(const ProtocolData& data) {
    if (const auto* t0 = std::get_if<ProtocolDataT0>(&data)) {
        // bmTCCKST0: bit 1 convention, every other bit 0 (6.1.7).
        if ((t0->bmTCCKST0 & ~0x02) != 0) {
            return CommandError::invalid_tcckst;
        }
        if (t0->bClockStop > 3) {
            return CommandError::invalid_clock_stop;
        }
        return std::nullopt;
    }
    const auto& t1 = std::get<ProtocolDataT1>(data);
    // bmTCCKST1: 0x10 | bit 1 convention | bit 0 checksum type (6.1.7).
    if ((t1.bmTCCKST1 & ~0x03) != 0x10) {
        return CommandError::invalid_tcckst;
    }
    if ((t1.bmWaitingIntegersT1 >> 4) > 9) {  // BWI 0..9 (ISO 7816-3 11.4.3)
        return CommandError::invalid_waiting_integers;
    }
    if (t1.bClockStop > 3) {
        return CommandError::invalid_clock_stop;
    }
    if (t1.bIFSC == 0x00 || t1.bIFSC == 0xFF) {  // IFSC 1..254 (ISO 7816-3 11.4.2)
        return CommandError::invalid_ifsc;
    }
    return std::nullopt;
}

constexpr std::array<std::uint8_t, 3> kRfu{0, 0, 0};

}  // namespace

Result<Bytes> encode_icc_power_on(const MessageLimits& limits, Address address,
                                  PowerSelect bPowerSelect) {
    if (static_cast<std::uint8_t>(bPowerSelect) > 3) {
        return CommandError::invalid_power_select;
    }
    return frame(limits, MessageType::PC_to_RDR_IccPowerOn, address,
                 {static_cast<std::uint8_t>(bPowerSelect), 0, 0}, {});
}

Result<Bytes> encode_icc_power_off(const MessageLimits& limits, Address address) {
    return frame(limits, MessageType::PC_to_RDR_IccPowerOff, address, kRfu, {});
}

Result<Bytes> encode_get_slot_status(const MessageLimits& limits, Address address) {
    return frame(limits, MessageType::PC_to_RDR_GetSlotStatus, address, kRfu, {});
}

Result<Bytes> encode_xfr_block(const MessageLimits& limits, Address address, ByteView abData,
                               std::uint8_t bBWI, std::uint16_t wLevelParameter) {
    return frame(limits, MessageType::PC_to_RDR_XfrBlock, address, level(bBWI, wLevelParameter),
                 abData);
}

Result<Bytes> encode_xfr_block(const MessageLimits& limits, Address address, ByteView abData,
                               XfrChain chain, std::uint8_t bBWI) {
    if (!valid_chain(chain)) {
        return CommandError::invalid_level_parameter;
    }
    return encode_xfr_block(limits, address, abData, bBWI, static_cast<std::uint16_t>(chain));
}

Result<Bytes> encode_get_parameters(const MessageLimits& limits, Address address) {
    return frame(limits, MessageType::PC_to_RDR_GetParameters, address, kRfu, {});
}

Result<Bytes> encode_reset_parameters(const MessageLimits& limits, Address address) {
    return frame(limits, MessageType::PC_to_RDR_ResetParameters, address, kRfu, {});
}

Result<Bytes> encode_set_parameters(const MessageLimits& limits, Address address,
                                    const ProtocolData& data) {
    if (data.valueless_by_exception()) {
        return CommandError::invalid_protocol_num;
    }
    if (const auto error = check_protocol_data(data)) {
        return *error;
    }
    const Bytes structure = encode_protocol_data(data);
    return frame(limits, MessageType::PC_to_RDR_SetParameters, address, {protocol_num(data), 0, 0},
                 structure);
}

Result<Bytes> encode_escape(const MessageLimits& limits, Address address, ByteView abData) {
    return frame(limits, MessageType::PC_to_RDR_Escape, address, kRfu, abData);
}

Result<Bytes> encode_icc_clock(const MessageLimits& limits, Address address,
                               ClockCommand bClockCommand) {
    if (static_cast<std::uint8_t>(bClockCommand) > 1) {
        return CommandError::invalid_clock_command;
    }
    return frame(limits, MessageType::PC_to_RDR_IccClock, address,
                 {static_cast<std::uint8_t>(bClockCommand), 0, 0}, {});
}

Result<Bytes> encode_t0apdu(const MessageLimits& limits, Address address, std::uint8_t bmChanges,
                            std::uint8_t bClassGetResponse, std::uint8_t bClassEnvelope) {
    if ((bmChanges & ~(kChangeClassGetResponse | kChangeClassEnvelope)) != 0) {
        return CommandError::invalid_changes;
    }
    return frame(limits, MessageType::PC_to_RDR_T0APDU, address,
                 {bmChanges, bClassGetResponse, bClassEnvelope}, {});
}

Result<Bytes> encode_secure(const MessageLimits& limits, Address address, ByteView abData,
                            std::uint8_t bBWI, std::uint16_t wLevelParameter) {
    // abData begins with bPINOperation unless it continues a chained command (6.1.11).
    const bool first_part = wLevelParameter == 0x0000 || wLevelParameter == 0x0001;
    if (first_part && !abData.empty() &&
        abData[0] > static_cast<std::uint8_t>(PinOperation::send_next_apdu_part)) {
        return CommandError::invalid_pin_operation;
    }
    return frame(limits, MessageType::PC_to_RDR_Secure, address, level(bBWI, wLevelParameter),
                 abData);
}

Bytes encode_pin_verification_structure(const PinVerification& pin) {
    // CCID 6.1.11.7: offsets below are within the structure (message offset - 11).
    Bytes out{pin.bTimeOut, pin.bmFormatString, pin.bmPINBlockString, pin.bmPINLengthFormat};
    append_le16(out, pin.wPINMaxExtraDigit);                                  // 4..5
    out.push_back(pin.bEntryValidationCondition);                             // 6
    out.push_back(pin.bNumberMessage);                                        // 7
    append_le16(out, pin.wLangId);                                            // 8..9
    out.push_back(pin.bMsgIndex);                                             // 10
    out.insert(out.end(), pin.bTeoPrologue.begin(), pin.bTeoPrologue.end());  // 11..13
    out.insert(out.end(), pin.abPINApdu.begin(), pin.abPINApdu.end());        // 14..
    return out;
}

Bytes encode_pin_modification_structure(const PinModification& pin) {
    // CCID 6.1.11.8.
    Bytes out{pin.bTimeOut,          pin.bmFormatString,      pin.bmPINBlockString,
              pin.bmPINLengthFormat, pin.bInsertionOffsetOld, pin.bInsertionOffsetNew};
    append_le16(out, pin.wPINMaxExtraDigit);
    out.push_back(pin.bConfirmPIN);
    out.push_back(pin.bEntryValidationCondition);
    out.push_back(pin.bNumberMessage);
    append_le16(out, pin.wLangId);
    out.push_back(pin.bMsgIndex1);
    if (pin.bMsgIndex2) {
        out.push_back(*pin.bMsgIndex2);
        if (pin.bMsgIndex3) {
            out.push_back(*pin.bMsgIndex3);
        }
    }
    out.insert(out.end(), pin.bTeoPrologue.begin(), pin.bTeoPrologue.end());
    out.insert(out.end(), pin.abPINApdu.begin(), pin.abPINApdu.end());
    return out;
}

Result<Bytes> encode_secure_pin_verification(const MessageLimits& limits, Address address,
                                             const PinVerification& pin, std::uint8_t bBWI) {
    if (pin.abPINApdu.size() < kPinApduHeaderSize) {
        return CommandError::pin_apdu_too_short;
    }
    Bytes abData{static_cast<std::uint8_t>(PinOperation::verification)};
    const Bytes structure = encode_pin_verification_structure(pin);
    abData.insert(abData.end(), structure.begin(), structure.end());
    return encode_secure(limits, address, abData, bBWI, 0);
}

Result<Bytes> encode_secure_pin_modification(const MessageLimits& limits, Address address,
                                             const PinModification& pin, std::uint8_t bBWI) {
    if (pin.abPINApdu.size() < kPinApduHeaderSize) {
        return CommandError::pin_apdu_too_short;
    }
    if (pin.bMsgIndex3 && !pin.bMsgIndex2) {
        return CommandError::pin_message_index_order;
    }
    Bytes abData{static_cast<std::uint8_t>(PinOperation::modification)};
    const Bytes structure = encode_pin_modification_structure(pin);
    abData.insert(abData.end(), structure.begin(), structure.end());
    return encode_secure(limits, address, abData, bBWI, 0);
}

Result<Bytes> encode_mechanical(const MessageLimits& limits, Address address,
                                MechanicalFunction bFunction) {
    const auto value = static_cast<std::uint8_t>(bFunction);
    if (value < 1 || value > 5) {
        return CommandError::invalid_mechanical_function;
    }
    return frame(limits, MessageType::PC_to_RDR_Mechanical, address, {value, 0, 0}, {});
}

Result<Bytes> encode_abort(const MessageLimits& limits, Address address) {
    return frame(limits, MessageType::PC_to_RDR_Abort, address, kRfu, {});
}

Result<Bytes> encode_set_data_rate_and_clock_frequency(const MessageLimits& limits, Address address,
                                                       std::uint32_t dwClockFrequency,
                                                       std::uint32_t dwDataRate) {
    Bytes abData;
    append_le32(abData, dwClockFrequency);
    append_le32(abData, dwDataRate);
    return frame(limits, MessageType::PC_to_RDR_SetDataRateAndClockFrequency, address, kRfu,
                 abData);
}

}  // namespace tessera::transport
