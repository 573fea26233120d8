#include "transport/ccid_error.hpp"

#include <cstdio>

namespace tessera::transport {

namespace {
// The single-code rows of CCID 6.2.6 Table 6.2-2.
struct SlotErrorCode {
    std::uint8_t bError;
    CcidError error;
};
constexpr SlotErrorCode kSlotErrorCodes[] = {
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
}  // namespace

CcidError slot_error(std::uint8_t bError) noexcept {
    for (const auto& row : kSlotErrorCodes) {
        if (row.bError == bError) {
            return row.error;
        }
    }
    if (bError >= 0x01 && bError <= 0x7F) {
        return CcidError::bad_parameter;
    }
    if (bError >= 0x81 && bError <= 0xC0) {
        return CcidError::user_defined;
    }
    return CcidError::reserved;
}

std::optional<std::uint8_t> bError_of(CcidError error) noexcept {
    for (const auto& row : kSlotErrorCodes) {
        if (row.error == error) {
            return row.bError;
        }
    }
    return std::nullopt;
}

std::optional<std::uint8_t> bad_parameter_offset(std::uint8_t bError) noexcept {
    if (bError >= 0x01 && bError <= 0x7F) {
        return bError;
    }
    return std::nullopt;
}

const char* describe(CcidError error) {
    switch (error) {
        case CcidError::ok_is_never_used:
            return "no error";
        case CcidError::command_not_supported:
            return "command not supported by the reader";
        case CcidError::bad_parameter:
            return "bad or unsupported parameter in the command";
        case CcidError::cmd_aborted:
            return "CMD_ABORTED: the host aborted the current activity";
        case CcidError::icc_mute:
            return "ICC_MUTE: the reader timed out while talking to the card";
        case CcidError::xfr_parity_error:
            return "XFR_PARITY_ERROR: parity error while talking to the card";
        case CcidError::xfr_overrun:
            return "XFR_OVERRUN: overrun error while talking to the card";
        case CcidError::hw_error:
            return "HW_ERROR: hardware error in the reader";
        case CcidError::bad_atr_ts:
            return "BAD_ATR_TS: invalid initial character TS in the ATR";
        case CcidError::bad_atr_tck:
            return "BAD_ATR_TCK: ATR check byte TCK mismatch";
        case CcidError::icc_protocol_not_supported:
            return "ICC_PROTOCOL_NOT_SUPPORTED: the card's protocol is not supported";
        case CcidError::icc_class_not_supported:
            return "ICC_CLASS_NOT_SUPPORTED: the card's voltage class is not supported";
        case CcidError::procedure_byte_conflict:
            return "PROCEDURE_BYTE_CONFLICT: unexpected T=0 procedure byte";
        case CcidError::deactivated_protocol:
            return "DEACTIVATED_PROTOCOL: the protocol is not activated";
        case CcidError::busy_with_auto_sequence:
            return "BUSY_WITH_AUTO_SEQUENCE: the reader is running an automatic sequence";
        case CcidError::pin_timeout:
            return "PIN_TIMEOUT: no PIN entered in time";
        case CcidError::pin_cancelled:
            return "PIN_CANCELLED: PIN entry cancelled by the user";
        case CcidError::cmd_slot_busy:
            return "CMD_SLOT_BUSY: the slot is busy with another command";
        case CcidError::user_defined:
            return "vendor-defined slot error";
        case CcidError::reserved:
            return "reserved slot error code";
    }
    return "unknown CCID slot error";
}

std::string describe_bError(std::uint8_t bError) {
    char code[24];
    std::snprintf(code, sizeof code, " (bError 0x%02X)", bError);
    if (const auto offset = bad_parameter_offset(bError)) {
        return "bad parameter at offset " + std::to_string(*offset) + code;
    }
    return describe(slot_error(bError)) + std::string(code);
}

const char* describe(CommandError error) {
    switch (error) {
        case CommandError::ok_is_never_used:
            return "no error";
        case CommandError::invalid_limits:
            return "dwMaxCCIDMessageLength is smaller than a message header";
        case CommandError::slot_out_of_range:
            return "bSlot above the reader's bMaxSlotIndex";
        case CommandError::data_too_long:
            return "abData longer than dwMaxCCIDMessageLength allows";
        case CommandError::invalid_power_select:
            return "bPowerSelect not 0..3";
        case CommandError::invalid_protocol_num:
            return "bProtocolNum not 0 (T=0) or 1 (T=1)";
        case CommandError::invalid_tcckst:
            return "bmTCCKST0/1 has a reserved value";
        case CommandError::invalid_clock_stop:
            return "bClockStop not 0..3";
        case CommandError::invalid_waiting_integers:
            return "BWI in bmWaitingIntegersT1 above 9";
        case CommandError::invalid_ifsc:
            return "bIFSC not 1..254";
        case CommandError::invalid_clock_command:
            return "bClockCommand not 0 (restart) or 1 (stop)";
        case CommandError::invalid_changes:
            return "bmChanges has reserved bits set";
        case CommandError::invalid_pin_operation:
            return "bPINOperation not 0..6";
        case CommandError::pin_apdu_too_short:
            return "abPINApdu shorter than an APDU header";
        case CommandError::pin_message_index_order:
            return "bMsgIndex3 without bMsgIndex2";
        case CommandError::invalid_mechanical_function:
            return "bFunction not 1..5";
        case CommandError::invalid_level_parameter:
            return "wLevelParameter is not a chaining value";
    }
    return "unknown CCID command error";
}

const char* describe(MessageError error) {
    switch (error) {
        case MessageError::ok_is_never_used:
            return "no error";
        case MessageError::too_short:
            return "message shorter than the 10-byte header";
        case MessageError::unknown_message_type:
            return "bMessageType is not an RDR_to_PC message";
        case MessageError::length_exceeds_maximum:
            return "dwLength above dwMaxCCIDMessageLength - 10";
        case MessageError::truncated:
            return "message shorter than 10 + dwLength";
        case MessageError::trailing_bytes:
            return "message longer than 10 + dwLength";
        case MessageError::slot_out_of_range:
            return "bSlot above the reader's bMaxSlotIndex";
        case MessageError::reserved_icc_status:
            return "bmICCStatus has the reserved value 3";
        case MessageError::reserved_command_status:
            return "bmCommandStatus has the reserved value 3";
        case MessageError::reserved_chain_parameter:
            return "bChainParameter has a reserved value";
        case MessageError::unexpected_data:
            return "RDR_to_PC_SlotStatus with data";
        case MessageError::unknown_protocol:
            return "bProtocolNum not 0 (T=0) or 1 (T=1)";
        case MessageError::protocol_data_length:
            return "abProtocolDataStructure length wrong for bProtocolNum";
        case MessageError::clock_and_rate_length:
            return "RDR_to_PC_DataRateAndClockFrequency dwLength not 8";
        case MessageError::unexpected_message_type:
            return "bMessageType does not answer the command sent";
        case MessageError::sequence_mismatch:
            return "bSeq differs from the command's";
        case MessageError::slot_mismatch:
            return "bSlot differs from the command's";
        case MessageError::unknown_interrupt_type:
            return "interrupt message type not NotifySlotChange or HardwareError";
        case MessageError::notify_length_mismatch:
            return "RDR_to_PC_NotifySlotChange size wrong for the slot count";
        case MessageError::hardware_error_length:
            return "RDR_to_PC_HardwareError size not 4";
    }
    return "unknown CCID message error";
}

const char* describe(ExchangeError error) {
    switch (error) {
        case ExchangeError::ok_is_never_used:
            return "no error";
        case ExchangeError::illegal_event:
            return "event not allowed in the exchange's current state";
        case ExchangeError::invalid_command:
            return "not a well-formed PC_to_RDR message";
        case ExchangeError::timeout:
            return "no response from the reader in time";
        case ExchangeError::time_extension_limit:
            return "too many time extension requests";
        case ExchangeError::wait_time_limit:
            return "time extensions exceed the allowed total wait";
        case ExchangeError::too_many_stale_responses:
            return "too many stale (wrong bSeq) messages";
    }
    return "unknown CCID exchange error";
}

}  // namespace tessera::transport
