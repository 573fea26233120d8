// Decoders for every RDR_to_PC bulk-IN message (USB CCID rev 1.1 section 6.2).
//
// The reader is untrusted (the driver runs inside a root daemon): decode_response checks,
// in this order, and fails with its own MessageError at the first defect:
//   1. at least the 10-byte header                                  too_short
//   2. bMessageType is an RDR_to_PC type 80..84                      unknown_message_type
//   3. 10 + dwLength <= max_answer_length(limits, bMessageType)       length_exceeds_maximum
//   4. exactly 10 + dwLength bytes                                   truncated, trailing_bytes
//   5. bSlot <= bMaxSlotIndex                                        slot_out_of_range
//   6. bStatus: bmICCStatus and bmCommandStatus not 3 (6.2.6)         reserved_icc_status,
//                                                                    reserved_command_status
//   7. the message's own fields:
//      DataBlock   bChainParameter 00/01/02/03/10 (6.2.1)          reserved_chain_parameter
//      SlotStatus  no data (6.2.2)                                  unexpected_data
//      Parameters  bProtocolNum 0 with 5 bytes or 1 with 7 (6.2.3)  unknown_protocol,
//                  (dwLength 0 allowed unless processed OK)         protocol_data_length
//      DataRateAndClockFrequency 8 bytes (6.2.5), 0 unless OK       clock_and_rate_length
// The overload with an Expected answer then checks bSeq (sequence_mismatch), bSlot
// (slot_mismatch) and bMessageType (unexpected_message_type) against the command sent.
//
// Answers may be longer than dwMaxCCIDMessageLength: the specification words the limit
// for what the host sends (CCID 6.1.4: an XfrBlock's data never exceeds
// dwMaxCCIDMessageLength - 10; 5.1 sets its minimum below extended APDU level by the
// bulk-OUT wMaxPacketSize), and readers that declare 263 or 264 bytes still return the
// whole answer of a 256-byte short APDU (268 bytes). What the driver sends stays within
// dwMaxCCIDMessageLength (ccid_command.hpp); what it reads is bounded by max_answer_length.
//
// A decoded Response keeps every header field raw and decoded. Informational bytes the
// driver does not act on (bClockStatus, bRFU, the bStatus RFU bits 2..5) are not judged.
//
// Pure functions; no state, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "transport/ccid_error.hpp"
#include "transport/ccid_message.hpp"

namespace tessera::transport {

/// bmICCStatus, bits 0..1 of bStatus (CCID 6.2.6).
enum class IccStatus : std::uint8_t {
    present_active = 0,
    present_inactive = 1,
    absent = 2,
};

/// bmCommandStatus, bits 6..7 of bStatus (CCID 6.2.6).
enum class CommandStatus : std::uint8_t {
    processed = 0,       // processed without error
    failed = 1,          // failed: bError holds the slot error code
    time_extension = 2,  // time extension requested: bError holds the multiplier
};

/// bChainParameter of RDR_to_PC_DataBlock at extended APDU level (CCID 6.2.1); 00 at the
/// other levels.
enum class ChainParameter : std::uint8_t {
    begins_and_ends = 0x00,   // the response APDU begins and ends in this message
    begins_continues = 0x01,  // begins here, continues in the next DataBlock
    ends = 0x02,              // continues the response APDU and ends it
    continues = 0x03,         // continues the response APDU; another DataBlock follows
    continue_command = 0x10,  // empty abData: send the next part of the command APDU
};

/// bClockStatus of RDR_to_PC_SlotStatus (CCID 6.2.2).
enum class ClockStatus : std::uint8_t {
    running = 0,
    stopped_low = 1,
    stopped_high = 2,
    stopped_unknown = 3,
};

/// One decoded RDR_to_PC message. Fields of other message types keep their defaults.
struct Response {
    MessageType bMessageType = MessageType::RDR_to_PC_SlotStatus;
    std::uint32_t dwLength = 0;
    std::uint8_t bSlot = 0;
    std::uint8_t bSeq = 0;
    std::uint8_t bStatus = 0;
    std::uint8_t bError = 0;
    IccStatus bmICCStatus = IccStatus::present_active;
    CommandStatus bmCommandStatus = CommandStatus::processed;
    ChainParameter bChainParameter = ChainParameter::begins_and_ends;  // DataBlock
    std::uint8_t bClockStatus = 0;                                     // SlotStatus (raw)
    std::uint8_t bProtocolNum = 0;                                     // Parameters
    std::uint8_t bRFU = 0;  // Escape, DataRateAndClockFrequency (raw)
    /// The dwLength data bytes: DataBlock / Escape abData, Parameters
    /// abProtocolDataStructure, DataRateAndClockFrequency's two dwords.
    Bytes abData;
    /// Parameters: the decoded structure when dwLength is not 0.
    std::optional<ProtocolData> abProtocolDataStructure;
    /// DataRateAndClockFrequency, when dwLength is 8: kHz and bps.
    std::uint32_t dwClockFrequency = 0;
    std::uint32_t dwDataRate = 0;

    bool processed() const noexcept { return bmCommandStatus == CommandStatus::processed; }
    bool failed() const noexcept { return bmCommandStatus == CommandStatus::failed; }
    bool time_extension() const noexcept {
        return bmCommandStatus == CommandStatus::time_extension;
    }
    bool card_present() const noexcept { return bmICCStatus != IccStatus::absent; }
    /// The slot error (CcidError) of a failed command; empty otherwise.
    std::error_code slot_error() const;
    /// A time extension's multiplier (bError; 0 is read as 1).
    std::uint32_t time_extension_multiplier() const noexcept { return bError == 0 ? 1 : bError; }
    /// DataBlock at extended APDU level: another DataBlock of this response follows.
    bool response_continues() const noexcept {
        return bChainParameter == ChainParameter::begins_continues ||
               bChainParameter == ChainParameter::continues;
    }
    /// bClockStatus decoded; nullopt for values 6.2.2 does not define.
    std::optional<ClockStatus> clock_status() const noexcept;
};

/// The longest answer to an XfrBlock below extended APDU level: a T=1 block with a 254-byte
/// INF and a CRC (10 + 3 + 254 + 2, ISO 7816-3 11.3); a short APDU or T=0 TPDU answer (256
/// data bytes + SW1 SW2, 10 + 258) is one byte shorter.
inline constexpr std::size_t kMinAnswerLength = kHeaderSize + 3 + 254 + 2;

/// The longest RDR_to_PC message of type `answer` the driver accepts from a reader with
/// `limits`: RDR_to_PC_Escape (CCID 6.2.4, vendor data of any size) up to the largest CCID
/// message, kMaxMaxMessageLength; every other type max(dwMaxCCIDMessageLength,
/// kMinAnswerLength), never above kMaxMaxMessageLength. This is the hard bound a reader's
/// dwLength is checked against, and the size of the bulk-IN transfer that reads it.
std::size_t max_answer_length(const MessageLimits& limits, MessageType answer) noexcept;

/// What answers a command: its expected_response() type, bSlot and bSeq.
struct Expected {
    MessageType bMessageType = MessageType::RDR_to_PC_SlotStatus;
    std::uint8_t bSlot = 0;
    std::uint8_t bSeq = 0;
};

/// The Expected answer to a PC_to_RDR message; nullopt when `command` has no header or is
/// not a command type.
std::optional<Expected> expected_answer(ByteView command) noexcept;

/// Decodes one bulk-IN message (checks 1..7 above).
Result<Response> decode_response(ByteView message, const MessageLimits& limits);

/// Decodes and checks that the message answers `expected` (bSeq, bSlot, bMessageType).
Result<Response> decode_response(ByteView message, const MessageLimits& limits,
                                 const Expected& expected);

/// The reader side, for emulators and tests: the wire bytes of `response`. bStatus is
/// built from bmICCStatus and bmCommandStatus (keeping the RFU bits 2..5 of the raw
/// bStatus), byte 9 from the field of the message type, dwLength from the payload. The
/// payload is abData, except: Parameters with abProtocolDataStructure set encode the
/// structure (and its bProtocolNum); DataRateAndClockFrequency with empty abData encodes
/// dwClockFrequency and dwDataRate unless the command failed or asks for time. Decoding
/// the bytes of a decoded Response gives the same bytes back.
Bytes encode_response(const Response& response);

/// One line for logs: "RDR_to_PC_DataBlock slot 0 seq 7: processed, ICC present active,
/// 12 bytes" or "... failed: ICC_MUTE: ... (bError 0xFE)".
std::string describe_response(const Response& response);

}  // namespace tessera::transport
