// Builders for the CCID messages of scripted reader tests (CCID 6.1, 6.2): the bytes a
// reader answers with and the bytes the driver must send, for slot `slot` and bSeq `seq`.
#pragma once

#include <cstdint>

#include "base/bytes.hpp"
#include "tests/support/hex.hpp"
#include "transport/ccid_command.hpp"
#include "transport/ccid_message.hpp"
#include "transport/ccid_response.hpp"
#include "transport/class_descriptor.hpp"

// hex() for the scripts' byte literals comes with this header (tests/support/hex.hpp).
namespace tessera::test {

using transport::IccStatus;

/// A descriptor for tests: one slot, 5/3/1.8 V, T=0 and T=1, 4 MHz fixed clock, rates up
/// to 4 MHz x 32 / 372, IFSD 254, 271-byte messages, and `dwFeatures`.
transport::ClassDescriptor test_descriptor(std::uint32_t dwFeatures, std::uint8_t bMaxSlotIndex = 0);

transport::MessageLimits test_limits(std::uint8_t bMaxSlotIndex = 0, std::uint32_t max_length = 271);

Bytes slot_status(std::uint8_t seq, IccStatus icc, std::uint8_t slot = 0);
Bytes data_block(std::uint8_t seq, Bytes data, std::uint8_t slot = 0,
                 transport::ChainParameter chain = transport::ChainParameter::begins_and_ends);
Bytes failed_answer(transport::MessageType type, std::uint8_t seq, std::uint8_t bError,
                    IccStatus icc = IccStatus::present_active, std::uint8_t slot = 0);
Bytes time_extension(std::uint8_t seq, std::uint8_t multiplier, std::uint8_t slot = 0);
Bytes parameters_answer(std::uint8_t seq, const transport::ProtocolData& data, std::uint8_t slot = 0);

// The driver's commands, with test_limits(max_slot).
Bytes get_slot_status(std::uint8_t seq, std::uint8_t slot = 0, std::uint8_t max_slot = 0);
Bytes power_on(std::uint8_t seq, transport::PowerSelect voltage, std::uint8_t slot = 0);
Bytes power_off(std::uint8_t seq, std::uint8_t slot = 0);
Bytes xfr_block(std::uint8_t seq, Bytes data, std::uint16_t level = 0, std::uint8_t slot = 0,
                std::uint32_t max_length = 271);
Bytes set_parameters(std::uint8_t seq, const transport::ProtocolData& data, std::uint8_t slot = 0);
Bytes get_parameters(std::uint8_t seq, std::uint8_t slot = 0);
Bytes abort_message(std::uint8_t seq, std::uint8_t slot = 0);

}  // namespace tessera::test
