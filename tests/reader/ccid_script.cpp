#include "tests/reader/ccid_script.hpp"

#include <stdexcept>

namespace tessera::test {

using transport::MessageType;
using transport::Response;

transport::ClassDescriptor test_descriptor(std::uint32_t dwFeatures, std::uint8_t bMaxSlotIndex) {
    transport::ClassDescriptor d;
    d.bMaxSlotIndex = bMaxSlotIndex;
    d.bVoltageSupport = 0x07;
    d.dwProtocols = 0x03;
    d.dwDefaultClock = 4000;
    d.dwMaximumClock = 4000;
    d.dwDataRate = 10752;
    d.dwMaxDataRate = 344086;
    d.dwMaxIFSD = 254;
    d.dwFeatures = dwFeatures;
    d.dwMaxCCIDMessageLength = 271;
    d.bMaxCCIDBusySlots = 1;
    return d;
}

transport::MessageLimits test_limits(std::uint8_t bMaxSlotIndex, std::uint32_t max_length) {
    return {bMaxSlotIndex, max_length};
}

namespace {

Bytes encode(Response r) { return transport::encode_response(r); }

Bytes must(Result<Bytes> bytes) {
    if (!bytes) throw std::runtime_error("test command did not encode");
    return *bytes;
}

}  // namespace

Bytes slot_status(std::uint8_t seq, IccStatus icc, std::uint8_t slot) {
    Response r;
    r.bMessageType = MessageType::RDR_to_PC_SlotStatus;
    r.bSlot = slot;
    r.bSeq = seq;
    r.bmICCStatus = icc;
    return encode(r);
}

Bytes data_block(std::uint8_t seq, Bytes data, std::uint8_t slot, transport::ChainParameter chain) {
    Response r;
    r.bMessageType = MessageType::RDR_to_PC_DataBlock;
    r.bSlot = slot;
    r.bSeq = seq;
    r.bChainParameter = chain;
    r.abData = std::move(data);
    return encode(r);
}

Bytes failed_answer(MessageType type, std::uint8_t seq, std::uint8_t bError, IccStatus icc,
                    std::uint8_t slot) {
    Response r;
    r.bMessageType = type;
    r.bSlot = slot;
    r.bSeq = seq;
    r.bmICCStatus = icc;
    r.bmCommandStatus = transport::CommandStatus::failed;
    r.bError = bError;
    return encode(r);
}

Bytes time_extension(std::uint8_t seq, std::uint8_t multiplier, std::uint8_t slot) {
    Response r;
    r.bMessageType = MessageType::RDR_to_PC_DataBlock;
    r.bSlot = slot;
    r.bSeq = seq;
    r.bmCommandStatus = transport::CommandStatus::time_extension;
    r.bError = multiplier;
    return encode(r);
}

Bytes parameters_answer(std::uint8_t seq, const transport::ProtocolData& data, std::uint8_t slot) {
    Response r;
    r.bMessageType = MessageType::RDR_to_PC_Parameters;
    r.bSlot = slot;
    r.bSeq = seq;
    r.abProtocolDataStructure = data;
    return encode(r);
}

Bytes get_slot_status(std::uint8_t seq, std::uint8_t slot, std::uint8_t max_slot) {
    return must(transport::encode_get_slot_status(test_limits(max_slot), {slot, seq}));
}

Bytes power_on(std::uint8_t seq, transport::PowerSelect voltage, std::uint8_t slot) {
    return must(transport::encode_icc_power_on(test_limits(slot), {slot, seq}, voltage));
}

Bytes power_off(std::uint8_t seq, std::uint8_t slot) {
    return must(transport::encode_icc_power_off(test_limits(slot), {slot, seq}));
}

Bytes xfr_block(std::uint8_t seq, Bytes data, std::uint16_t level, std::uint8_t slot,
                std::uint32_t max_length) {
    return must(transport::encode_xfr_block(test_limits(slot, max_length), {slot, seq}, data, 0, level));
}

Bytes set_parameters(std::uint8_t seq, const transport::ProtocolData& data, std::uint8_t slot) {
    return must(transport::encode_set_parameters(test_limits(slot), {slot, seq}, data));
}

Bytes get_parameters(std::uint8_t seq, std::uint8_t slot) {
    return must(transport::encode_get_parameters(test_limits(slot), {slot, seq}));
}

Bytes abort_message(std::uint8_t seq, std::uint8_t slot) {
    return must(transport::encode_abort(test_limits(slot), {slot, seq}));
}

}  // namespace tessera::test
