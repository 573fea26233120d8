// Errors of the CCID message codec and of the command/response exchange (USB CCID rev 1.1).
//
// CcidError: the reader's own verdict on a command, the slot error register bError of a
//            response whose bmCommandStatus is "failed" (CCID 6.2.6, Table 6.2-2). One value
//            per code of the table; the ranges (index of a bad parameter, user defined,
//            reserved) are one value each and the raw bError stays in the Response.
// CommandError: an encoder refused its input (a PC_to_RDR message that would break CCID 6.1).
// MessageError: a message from the reader (bulk-IN, interrupt-IN) or a control request's
//            data stage broke the specification or did not answer the command sent.
// ExchangeError: the sans-IO exchange ended without a valid answer (ccid_exchange.hpp).
//
// Every enum is a std::error_code enum (base/error.hpp): errors keep their origin.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

#include "base/error.hpp"

namespace tessera::transport {

/// Slot error codes, bError when bmCommandStatus = 1 (CCID 6.2.6, Table 6.2-2).
enum class CcidError {
    ok_is_never_used = 0,
    command_not_supported = 1,   // 0x00: command not supported
    bad_parameter,               // 0x01..0x7F: offset of the bad field in the command
    cmd_aborted,                 // 0xFF CMD_ABORTED
    icc_mute,                    // 0xFE ICC_MUTE
    xfr_parity_error,            // 0xFD XFR_PARITY_ERROR
    xfr_overrun,                 // 0xFC XFR_OVERRUN
    hw_error,                    // 0xFB HW_ERROR
    bad_atr_ts,                  // 0xF8 BAD_ATR_TS
    bad_atr_tck,                 // 0xF7 BAD_ATR_TCK
    icc_protocol_not_supported,  // 0xF6 ICC_PROTOCOL_NOT_SUPPORTED
    icc_class_not_supported,     // 0xF5 ICC_CLASS_NOT_SUPPORTED
    procedure_byte_conflict,     // 0xF4 PROCEDURE_BYTE_CONFLICT
    deactivated_protocol,        // 0xF3 DEACTIVATED_PROTOCOL
    busy_with_auto_sequence,     // 0xF2 BUSY_WITH_AUTO_SEQUENCE
    pin_timeout,                 // 0xF0 PIN_TIMEOUT
    pin_cancelled,               // 0xEF PIN_CANCELLED
    cmd_slot_busy,               // 0xE0 CMD_SLOT_BUSY
    user_defined,                // 0x81..0xC0: vendor specific
    reserved,                    // 0x80 and every code the table leaves unassigned
};

/// The CcidError for a bError byte (total: every byte maps to one value).
CcidError slot_error(std::uint8_t bError) noexcept;

/// The bError byte of a single-code error (nullopt for the ranges bad_parameter,
/// user_defined, reserved and for ok_is_never_used).
std::optional<std::uint8_t> bError_of(CcidError error) noexcept;

/// For bError 0x01..0x7F: the offset of the offending field in the command message
/// (e.g. 5 = bSlot, 7 = bPowerSelect); nullopt otherwise.
std::optional<std::uint8_t> bad_parameter_offset(std::uint8_t bError) noexcept;

/// "CMD_ABORTED: ..." for logs.
const char* describe(CcidError error);

/// describe(slot_error(bError)) with the raw value and, for a bad parameter, its offset:
/// "bad parameter at offset 7 (bError 0x07)".
std::string describe_bError(std::uint8_t bError);

enum class CommandError {
    ok_is_never_used = 0,
    invalid_limits = 1,           // dwMaxCCIDMessageLength below the 10-byte header
    slot_out_of_range,            // bSlot above bMaxSlotIndex
    data_too_long,                // abData longer than dwMaxCCIDMessageLength - 10
    invalid_power_select,         // bPowerSelect not 0..3 (6.1.1)
    invalid_protocol_num,         // bProtocolNum not 0 or 1 (6.1.7)
    invalid_tcckst,               // bmTCCKST0 not 00/02, bmTCCKST1 not 10..13 (6.1.7)
    invalid_clock_stop,           // bClockStop not 0..3 (6.1.7)
    invalid_waiting_integers,     // BWI of bmWaitingIntegersT1 above 9 (6.1.7)
    invalid_ifsc,                 // bIFSC 00 or FF (6.1.7)
    invalid_clock_command,        // bClockCommand not 0 or 1 (6.1.9)
    invalid_changes,              // bmChanges with bits other than 0 and 1 (6.1.10)
    invalid_pin_operation,        // bPINOperation above 6 (6.1.11)
    pin_apdu_too_short,           // abPINApdu shorter than CLA INS P1 P2 (6.1.11.7/8)
    pin_message_index_order,      // bMsgIndex3 given without bMsgIndex2 (6.1.11.8)
    invalid_mechanical_function,  // bFunction not 1..5 (6.1.12)
    invalid_level_parameter,      // wLevelParameter not a chaining value (6.1.4)
};

const char* describe(CommandError error);

enum class MessageError {
    ok_is_never_used = 0,
    too_short = 1,             // fewer bytes than the 10-byte header
    unknown_message_type,      // bMessageType is not an RDR_to_PC message (6.2)
    length_exceeds_maximum,    // dwLength above dwMaxCCIDMessageLength - 10
    truncated,                 // fewer bytes than 10 + dwLength
    trailing_bytes,            // more bytes than 10 + dwLength
    slot_out_of_range,         // bSlot above bMaxSlotIndex
    reserved_icc_status,       // bmICCStatus = 3 (6.2.6)
    reserved_command_status,   // bmCommandStatus = 3 (6.2.6)
    reserved_chain_parameter,  // bChainParameter not 00/01/02/03/10 (6.2.1)
    unexpected_data,           // RDR_to_PC_SlotStatus with dwLength != 0 (6.2.2)
    unknown_protocol,          // bProtocolNum not 0 or 1 (6.2.3)
    protocol_data_length,      // abProtocolDataStructure not 5 (T=0) or 7 (T=1) bytes
    clock_and_rate_length,     // DataRateAndClockFrequency dwLength not 8 (6.2.5)
    unexpected_message_type,   // the message does not answer the command sent
    sequence_mismatch,         // bSeq differs from the command's
    slot_mismatch,             // bSlot differs from the command's
    unknown_interrupt_type,    // interrupt-IN bMessageType not 50 or 51 (6.3)
    notify_length_mismatch,    // NotifySlotChange size not 1 + ceil(slots x 2 / 8)
    hardware_error_length,     // HardwareError size not 4 (6.3.2)
};

const char* describe(MessageError error);

enum class ExchangeError {
    ok_is_never_used = 0,
    illegal_event = 1,         // call not allowed in the exchange's current state
    invalid_command,           // start() with bytes that are not a PC_to_RDR message
    timeout,                   // no message within the step's timeout
    time_extension_limit,      // more time extension requests than allowed
    wait_time_limit,           // the next wait would pass the total wait allowed
    too_many_stale_responses,  // more wrong-bSeq (or empty) messages than allowed
};

const char* describe(ExchangeError error);

}  // namespace tessera::transport

TESSERA_ERROR_ENUM(tessera::transport, CcidError, "ccid slot");
TESSERA_ERROR_ENUM(tessera::transport, CommandError, "ccid command");
TESSERA_ERROR_ENUM(tessera::transport, MessageError, "ccid message");
TESSERA_ERROR_ENUM(tessera::transport, ExchangeError, "ccid exchange");
