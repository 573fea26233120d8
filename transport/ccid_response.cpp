#include "transport/ccid_response.hpp"

#include <algorithm>

namespace tessera::transport {

namespace {

constexpr std::size_t kStatusOffset = 7;    // bStatus
constexpr std::size_t kErrorOffset = 8;     // bError
constexpr std::size_t kSpecificOffset = 9;  // bChainParameter / bClockStatus / bProtocolNum

bool valid_chain_parameter(std::uint8_t value) {
    return value <= 0x03 || value == 0x10;
}

// CCID 6.2.1 .. 6.2.5: the fields after the common header of each message type.
// `specific` is byte 9, named differently by each message.
std::error_code decode_body(Response& response, std::uint8_t specific) {
    switch (response.bMessageType) {
        case MessageType::RDR_to_PC_DataBlock:  // 6.2.1
            if (!valid_chain_parameter(specific)) {
                return MessageError::reserved_chain_parameter;
            }
            response.bChainParameter = static_cast<ChainParameter>(specific);
            return {};
        case MessageType::RDR_to_PC_SlotStatus:  // 6.2.2
            if (response.dwLength != 0) {
                return MessageError::unexpected_data;
            }
            response.bClockStatus = specific;
            return {};
        case MessageType::RDR_to_PC_Parameters:  // 6.2.3
            response.bProtocolNum = specific;
            if (response.dwLength == 0 && !response.processed()) {
                return {};  // a failed command or time extension carries no structure
            }
            if (specific > 1) {
                return MessageError::unknown_protocol;
            }
            response.abProtocolDataStructure = decode_protocol_data(specific, response.abData);
            if (!response.abProtocolDataStructure) {
                return MessageError::protocol_data_length;
            }
            return {};
        case MessageType::RDR_to_PC_Escape:  // 6.2.4: bRFU, abData
            response.bRFU = specific;
            return {};
        case MessageType::RDR_to_PC_DataRateAndClockFrequency:  // 6.2.5
            response.bRFU = specific;
            if (response.dwLength == 0 && !response.processed()) {
                return {};
            }
            if (response.dwLength != 8) {
                return MessageError::clock_and_rate_length;
            }
            response.dwClockFrequency = read_le32(response.abData, 0);
            response.dwDataRate = read_le32(response.abData, 4);
            return {};
        default:
            return MessageError::unknown_message_type;
    }
}

}  // namespace

std::error_code Response::slot_error() const {
    if (!failed()) {
        return {};
    }
    return make_error_code(transport::slot_error(bError));
}

std::optional<ClockStatus> Response::clock_status() const noexcept {
    if (bClockStatus > 3) {
        return std::nullopt;
    }
    return static_cast<ClockStatus>(bClockStatus);
}

std::size_t max_answer_length(const MessageLimits& limits, MessageType answer) noexcept {
    if (answer == MessageType::RDR_to_PC_Escape) {
        return kMaxMaxMessageLength;
    }
    const std::size_t declared = limits.dwMaxCCIDMessageLength;
    return std::min<std::size_t>(std::max(declared, kMinAnswerLength), kMaxMaxMessageLength);
}

std::optional<Expected> expected_answer(ByteView command) noexcept {
    const auto header = read_header(command);
    if (!header) {
        return std::nullopt;
    }
    const auto answer = expected_response(static_cast<MessageType>(header->bMessageType));
    if (!answer) {
        return std::nullopt;
    }
    return Expected{*answer, header->bSlot, header->bSeq};
}

Result<Response> decode_response(ByteView message, const MessageLimits& limits) {
    const auto header = read_header(message);
    if (!header) {
        return MessageError::too_short;
    }
    if (!is_response(header->bMessageType)) {
        return MessageError::unknown_message_type;
    }
    // dwLength is compared with the hard bound before it is used for anything (CCID 5.1).
    const auto type = static_cast<MessageType>(header->bMessageType);
    if (header->dwLength > max_answer_length(limits, type) - kHeaderSize) {
        return MessageError::length_exceeds_maximum;
    }
    const std::size_t data_length = message.size() - kHeaderSize;
    if (data_length < header->dwLength) {
        return MessageError::truncated;
    }
    if (data_length > header->dwLength) {
        return MessageError::trailing_bytes;
    }
    if (header->bSlot > limits.bMaxSlotIndex) {
        return MessageError::slot_out_of_range;
    }
    const std::uint8_t bStatus = message[kStatusOffset];
    const std::uint8_t icc_status = bStatus & 0x03;    // bits 0..1
    const std::uint8_t command_status = bStatus >> 6;  // bits 6..7
    if (icc_status == 3) {
        return MessageError::reserved_icc_status;
    }
    if (command_status == 3) {
        return MessageError::reserved_command_status;
    }

    Response response;
    response.bMessageType = type;
    response.dwLength = header->dwLength;
    response.bSlot = header->bSlot;
    response.bSeq = header->bSeq;
    response.bStatus = bStatus;
    response.bError = message[kErrorOffset];
    response.bmICCStatus = static_cast<IccStatus>(icc_status);
    response.bmCommandStatus = static_cast<CommandStatus>(command_status);
    response.abData.assign(message.begin() + kHeaderSize, message.end());
    if (const auto error = decode_body(response, message[kSpecificOffset])) {
        return error;
    }
    return response;
}

Result<Response> decode_response(ByteView message, const MessageLimits& limits,
                                 const Expected& expected) {
    auto response = decode_response(message, limits);
    if (!response) {
        return response;
    }
    if (response->bSeq != expected.bSeq) {
        return MessageError::sequence_mismatch;
    }
    if (response->bSlot != expected.bSlot) {
        return MessageError::slot_mismatch;
    }
    if (response->bMessageType != expected.bMessageType) {
        return MessageError::unexpected_message_type;
    }
    return response;
}

Bytes encode_response(const Response& response) {
    std::uint8_t specific = 0;
    Bytes payload = response.abData;
    std::uint8_t protocol = response.bProtocolNum;
    switch (response.bMessageType) {
        case MessageType::RDR_to_PC_DataBlock:
            specific = static_cast<std::uint8_t>(response.bChainParameter);
            break;
        case MessageType::RDR_to_PC_SlotStatus:
            specific = response.bClockStatus;
            break;
        case MessageType::RDR_to_PC_Parameters:
            if (response.abProtocolDataStructure) {
                payload = encode_protocol_data(*response.abProtocolDataStructure);
                protocol = protocol_num(*response.abProtocolDataStructure);
            }
            specific = protocol;
            break;
        case MessageType::RDR_to_PC_DataRateAndClockFrequency:
            if (payload.empty() && response.processed()) {
                append_le32(payload, response.dwClockFrequency);
                append_le32(payload, response.dwDataRate);
            }
            specific = response.bRFU;
            break;
        default:
            specific = response.bRFU;
            break;
    }
    const auto status = static_cast<std::uint8_t>(
        (response.bStatus & 0x3C) | static_cast<std::uint8_t>(response.bmICCStatus) |
        static_cast<std::uint8_t>(response.bmCommandStatus) << 6);
    Bytes out;
    out.reserve(kHeaderSize + payload.size());
    out.push_back(static_cast<std::uint8_t>(response.bMessageType));
    append_le32(out, static_cast<std::uint32_t>(payload.size()));
    out.push_back(response.bSlot);
    out.push_back(response.bSeq);
    out.push_back(status);
    out.push_back(response.bError);
    out.push_back(specific);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

std::string describe_response(const Response& response) {
    std::string text = to_string(response.bMessageType);
    text += " slot " + std::to_string(response.bSlot) + " seq " + std::to_string(response.bSeq);
    switch (response.bmCommandStatus) {
        case CommandStatus::processed:
            text += ": processed";
            break;
        case CommandStatus::failed:
            text += ": failed: " + describe_bError(response.bError);
            break;
        case CommandStatus::time_extension:
            text += ": time extension x" + std::to_string(response.time_extension_multiplier());
            break;
    }
    switch (response.bmICCStatus) {
        case IccStatus::present_active:
            text += ", ICC present active";
            break;
        case IccStatus::present_inactive:
            text += ", ICC present inactive";
            break;
        case IccStatus::absent:
            text += ", no ICC";
            break;
    }
    text += ", " + std::to_string(response.abData.size()) + " bytes";
    return text;
}

}  // namespace tessera::transport
