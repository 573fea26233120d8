// CCID bulk message framing shared by the command encoders (ccid_command.hpp) and the
// response decoders (ccid_response.hpp): USB CCID rev 1.1 section 6.
//
// Every bulk message is a 10-byte header followed by dwLength data bytes:
//   offset 0 bMessageType, 1..4 dwLength (little endian), 5 bSlot, 6 bSeq,
//   7..9 three message-specific bytes, 10.. abData.
// Multi-byte fields are little endian, as everywhere in USB.
//
// The protocol data structures of SetParameters / Parameters (CCID 6.1.7, 6.2.3) live here
// too, since both directions carry them. Pure definitions and functions; no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>

#include "base/bytes.hpp"

namespace tessera::transport {

/// Size of every bulk message header (CCID 6.1, 6.2).
inline constexpr std::size_t kHeaderSize = 10;
/// Smallest dwMaxCCIDMessageLength a reader may declare: 261 + 10 (CCID 5.1).
inline constexpr std::uint32_t kMinMaxMessageLength = 271;
/// Largest message: a 65544-byte extended APDU + header (CCID 5.1).
inline constexpr std::uint32_t kMaxMaxMessageLength = 65544 + 10;

/// bMessageType of every bulk and interrupt message (CCID 6.1, 6.2, 6.3).
enum class MessageType : std::uint8_t {
    PC_to_RDR_IccPowerOn = 0x62,                    // 6.1.1
    PC_to_RDR_IccPowerOff = 0x63,                   // 6.1.2
    PC_to_RDR_GetSlotStatus = 0x65,                 // 6.1.3
    PC_to_RDR_XfrBlock = 0x6F,                      // 6.1.4
    PC_to_RDR_GetParameters = 0x6C,                 // 6.1.5
    PC_to_RDR_ResetParameters = 0x6D,               // 6.1.6
    PC_to_RDR_SetParameters = 0x61,                 // 6.1.7
    PC_to_RDR_Escape = 0x6B,                        // 6.1.8
    PC_to_RDR_IccClock = 0x6E,                      // 6.1.9
    PC_to_RDR_T0APDU = 0x6A,                        // 6.1.10
    PC_to_RDR_Secure = 0x69,                        // 6.1.11
    PC_to_RDR_Mechanical = 0x71,                    // 6.1.12
    PC_to_RDR_Abort = 0x72,                         // 6.1.13
    PC_to_RDR_SetDataRateAndClockFrequency = 0x73,  // 6.1.14
    RDR_to_PC_DataBlock = 0x80,                     // 6.2.1
    RDR_to_PC_SlotStatus = 0x81,                    // 6.2.2
    RDR_to_PC_Parameters = 0x82,                    // 6.2.3
    RDR_to_PC_Escape = 0x83,                        // 6.2.4
    RDR_to_PC_DataRateAndClockFrequency = 0x84,     // 6.2.5
    RDR_to_PC_NotifySlotChange = 0x50,              // 6.3.1
    RDR_to_PC_HardwareError = 0x51,                 // 6.3.2
};

/// The four common header fields of a bulk message (CCID 6.1, 6.2), unchecked.
struct MessageHeader {
    std::uint8_t bMessageType = 0;
    std::uint32_t dwLength = 0;
    std::uint8_t bSlot = 0;
    std::uint8_t bSeq = 0;
};

/// The header of `message`, or nullopt when it holds fewer than kHeaderSize bytes.
std::optional<MessageHeader> read_header(ByteView message) noexcept;

/// The specification's name ("PC_to_RDR_XfrBlock"), or "unknown" for other bytes.
const char* to_string(MessageType type) noexcept;

/// True for the bulk-OUT command types (CCID 6.1).
bool is_command(std::uint8_t bMessageType) noexcept;
/// True for the bulk-IN response types (CCID 6.2).
bool is_response(std::uint8_t bMessageType) noexcept;

/// The RDR_to_PC message that answers a command (CCID 6.1: each command names its
/// response); nullopt when `command` is not a PC_to_RDR type.
std::optional<MessageType> expected_response(MessageType command) noexcept;

/// What the reader's class descriptor allows (CCID 5.1); every encoder and decoder checks
/// messages against it. The defaults describe the smallest conforming single-slot reader.
struct MessageLimits {
    std::uint8_t bMaxSlotIndex = 0;
    std::uint32_t dwMaxCCIDMessageLength = kMinMaxMessageLength;

    /// Largest abData: dwMaxCCIDMessageLength - 10 (0 when the limit is below a header).
    std::size_t max_data_length() const noexcept {
        return dwMaxCCIDMessageLength > kHeaderSize ? dwMaxCCIDMessageLength - kHeaderSize : 0;
    }
};

/// T=0 protocol data structure, 5 bytes (CCID 6.1.7, abProtocolDataStructure for
/// bProtocolNum = 0). Defaults: Fi 372 / Di 1, direct convention, no extra guard time,
/// WI 10, clock stop not allowed.
struct ProtocolDataT0 {
    std::uint8_t bmFindexDindex = 0x11;     // Fi index (high nibble), Di index (low nibble)
    std::uint8_t bmTCCKST0 = 0x00;          // bit 1: convention (0 direct, 1 inverse)
    std::uint8_t bGuardTimeT0 = 0x00;       // extra guard time N (TC1)
    std::uint8_t bWaitingIntegerT0 = 0x0A;  // WI (TC2)
    std::uint8_t bClockStop = 0x00;         // 0 not allowed, 1 low, 2 high, 3 either

    bool operator==(const ProtocolDataT0&) const = default;
};

/// T=1 protocol data structure, 7 bytes (CCID 6.1.7, bProtocolNum = 1). Defaults: Fi 372 /
/// Di 1, LRC, direct convention, no extra guard time, BWI 4 / CWI 13, no clock stop,
/// IFSC 32, NAD 0.
struct ProtocolDataT1 {
    std::uint8_t bmFindexDindex = 0x11;
    std::uint8_t bmTCCKST1 = 0x10;            // 0x10 | bit 1 convention | bit 0 CRC (else LRC)
    std::uint8_t bGuardTimeT1 = 0x00;         // extra guard time N (TC1)
    std::uint8_t bmWaitingIntegersT1 = 0x4D;  // BWI (high nibble, 0..9), CWI (low nibble)
    std::uint8_t bClockStop = 0x00;
    std::uint8_t bIFSC = 0x20;  // 1..254
    std::uint8_t bNadValue = 0x00;

    bool operator==(const ProtocolDataT1&) const = default;
};

using ProtocolData = std::variant<ProtocolDataT0, ProtocolDataT1>;

/// bProtocolNum of a protocol data structure: 0 for T=0, 1 for T=1.
constexpr std::uint8_t protocol_num(const ProtocolData& data) noexcept {
    return static_cast<std::uint8_t>(data.index());
}

/// abProtocolDataStructure bytes: 5 for T=0, 7 for T=1.
Bytes encode_protocol_data(const ProtocolData& data);

/// Decodes abProtocolDataStructure for bProtocolNum (0: exactly 5 bytes, 1: exactly 7);
/// nullopt for any other protocol or length. Field values are not judged: they are the
/// reader's report of what it uses.
std::optional<ProtocolData> decode_protocol_data(std::uint8_t bProtocolNum, ByteView bytes);

/// Little-endian field access for the codec (callers guarantee the bytes exist).
constexpr std::uint16_t read_le16(ByteView bytes, std::size_t offset) noexcept {
    return static_cast<std::uint16_t>(bytes[offset] | (bytes[offset + 1] << 8));
}
constexpr std::uint32_t read_le32(ByteView bytes, std::size_t offset) noexcept {
    return static_cast<std::uint32_t>(bytes[offset]) |
           static_cast<std::uint32_t>(bytes[offset + 1]) << 8 |
           static_cast<std::uint32_t>(bytes[offset + 2]) << 16 |
           static_cast<std::uint32_t>(bytes[offset + 3]) << 24;
}
void append_le16(Bytes& out, std::uint16_t value);
void append_le32(Bytes& out, std::uint32_t value);

}  // namespace tessera::transport
