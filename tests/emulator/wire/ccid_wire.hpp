// The emulated reader's own CCID wire reader and writer (USB CCID rev 1.1: 5.1 class
// descriptor, 6.1 PC_to_RDR commands, 6.2 RDR_to_PC answers, 6.3 interrupt messages),
// written from the specification's tables and sharing no code with the driver's codec
// (transport/), so that a misreading on one side cannot be mirrored on the other: the
// driver always meets independent bytes. The tests check both against hand-written
// vectors and against each other.
//
// Bulk messages (6.1, 6.2) are a 10-byte header followed by dwLength bytes of abData:
//   offset 0 bMessageType, 1..4 dwLength (little endian), 5 bSlot, 6 bSeq,
//   7..9 three message-specific bytes, 10.. abData.
//
// Pure functions and plain values; no state, no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>

#include "base/bytes.hpp"
#include "transport/class_descriptor.hpp"

namespace tessera::emulator::wire {

/// Size of every bulk message header (CCID 6.1, 6.2).
inline constexpr std::size_t kHeaderSize = 10;

/// bMessageType values (CCID 6.1, 6.2, 6.3).
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

/// The RDR_to_PC message that answers a PC_to_RDR command (each of CCID 6.1.1 to 6.1.14
/// names it); nullopt when `bMessageType` is not a command.
std::optional<MessageType> answer_type(std::uint8_t bMessageType) noexcept;
/// True for the PC_to_RDR types of CCID 6.1.
inline bool is_command(std::uint8_t bMessageType) noexcept {
    return answer_type(bMessageType).has_value();
}

// --- little-endian fields (USB 2.0 8.1: multi-byte fields are little endian) ------------

/// The callers guarantee that the bytes exist.
std::uint16_t read_le16(ByteView bytes, std::size_t offset) noexcept;
std::uint32_t read_le32(ByteView bytes, std::size_t offset) noexcept;
void append_le16(Bytes& out, std::uint16_t value);
void append_le32(Bytes& out, std::uint32_t value);

// --- PC_to_RDR (CCID 6.1) ---------------------------------------------------------------

/// A command header as read, unchecked, with its three message-specific bytes.
struct CommandHeader {
    std::uint8_t bMessageType = 0;        // offset 0
    std::uint32_t dwLength = 0;           // offsets 1..4
    std::uint8_t bSlot = 0;               // offset 5
    std::uint8_t bSeq = 0;                // offset 6
    std::array<std::uint8_t, 3> specific{};  // offsets 7..9

    // The specific bytes by their names in each command:
    /// IccPowerOn bPowerSelect (6.1.1), XfrBlock / Secure bBWI (6.1.4, 6.1.11),
    /// SetParameters bProtocolNum (6.1.7), IccClock bClockCommand (6.1.9), T0APDU
    /// bmChanges (6.1.10), Mechanical bFunction (6.1.12): offset 7.
    std::uint8_t byte7() const noexcept { return specific[0]; }
    /// T0APDU bClassGetResponse (offset 8) and bClassEnvelope (offset 9), 6.1.10.
    std::uint8_t byte8() const noexcept { return specific[1]; }
    std::uint8_t byte9() const noexcept { return specific[2]; }
    /// XfrBlock / Secure wLevelParameter, offsets 8..9 little endian (6.1.4, 6.1.11).
    std::uint16_t wLevelParameter() const noexcept {
        return static_cast<std::uint16_t>(specific[1] | specific[2] << 8);
    }
};

/// The header of `message`; nullopt when it holds fewer than 10 bytes.
std::optional<CommandHeader> read_command_header(ByteView message) noexcept;

/// wLevelParameter values at extended APDU level (CCID 6.1.4, Table 6.1-3).
inline constexpr std::uint16_t kLevelBeginsAndEnds = 0x0000;
inline constexpr std::uint16_t kLevelBeginsContinues = 0x0001;
inline constexpr std::uint16_t kLevelEnds = 0x0002;
inline constexpr std::uint16_t kLevelContinues = 0x0003;
inline constexpr std::uint16_t kLevelContinueResponse = 0x0010;

/// bClockCommand (CCID 6.1.9).
inline constexpr std::uint8_t kClockRestart = 0x00;
inline constexpr std::uint8_t kClockStop = 0x01;

// --- protocol data structures (CCID 6.1.7, 6.2.3) ---------------------------------------

/// abProtocolDataStructure for bProtocolNum 0: 5 bytes, in this order.
struct ParametersT0 {
    std::uint8_t bmFindexDindex = 0x11;     // Fi index (b7..4), Di index (b3..0)
    std::uint8_t bmTCCKST0 = 0x00;          // b1: convention (0 direct, 1 inverse)
    std::uint8_t bGuardTimeT0 = 0x00;       // extra guard time (TC1)
    std::uint8_t bWaitingIntegerT0 = 0x0A;  // WI (TC2)
    std::uint8_t bClockStop = 0x00;         // 0 not allowed, 1 low, 2 high, 3 either

    bool operator==(const ParametersT0&) const = default;
};

/// abProtocolDataStructure for bProtocolNum 1: 7 bytes, in this order.
struct ParametersT1 {
    std::uint8_t bmFindexDindex = 0x11;
    std::uint8_t bmTCCKST1 = 0x10;            // 0x10 | b1 convention | b0 CRC (else LRC)
    std::uint8_t bGuardTimeT1 = 0x00;         // extra guard time (TC1)
    std::uint8_t bmWaitingIntegersT1 = 0x4D;  // BWI (b7..4), CWI (b3..0)
    std::uint8_t bClockStop = 0x00;
    std::uint8_t bIFSC = 0x20;
    std::uint8_t bNadValue = 0x00;

    bool operator==(const ParametersT1&) const = default;
};

using Parameters = std::variant<ParametersT0, ParametersT1>;

/// bProtocolNum: 0 for T=0, 1 for T=1.
inline std::uint8_t protocol_num(const Parameters& parameters) noexcept {
    return static_cast<std::uint8_t>(parameters.index());
}
/// The 5 (T=0) or 7 (T=1) bytes.
Bytes write_parameters(const Parameters& parameters);
/// nullopt unless bProtocolNum is 0 with 5 bytes or 1 with 7.
std::optional<Parameters> read_parameters(std::uint8_t bProtocolNum, ByteView bytes);

// --- RDR_to_PC (CCID 6.2) ---------------------------------------------------------------

/// bmICCStatus, bStatus bits 0..1 (CCID 6.2.6).
enum class IccStatus : std::uint8_t { present_active = 0, present_inactive = 1, absent = 2 };
/// bmCommandStatus, bStatus bits 6..7 (CCID 6.2.6).
enum class CommandStatus : std::uint8_t { processed = 0, failed = 1, time_extension = 2 };

/// bChainParameter of RDR_to_PC_DataBlock (CCID 6.2.1).
inline constexpr std::uint8_t kChainBeginsAndEnds = 0x00;
inline constexpr std::uint8_t kChainBeginsContinues = 0x01;
inline constexpr std::uint8_t kChainEnds = 0x02;
inline constexpr std::uint8_t kChainContinues = 0x03;
inline constexpr std::uint8_t kChainContinueCommand = 0x10;

/// One RDR_to_PC bulk message before it is written.
struct Answer {
    MessageType bMessageType = MessageType::RDR_to_PC_SlotStatus;
    std::uint8_t bSlot = 0;
    std::uint8_t bSeq = 0;
    IccStatus bmICCStatus = IccStatus::present_active;
    CommandStatus bmCommandStatus = CommandStatus::processed;
    /// The slot error when failed (6.2.6), the time multiplier for a time extension.
    std::uint8_t bError = 0;
    /// Offset 9: bChainParameter (DataBlock 6.2.1), bClockStatus (SlotStatus 6.2.2),
    /// bProtocolNum (Parameters 6.2.3), bRFU (Escape 6.2.4, DataRateAndClockFrequency 6.2.5).
    std::uint8_t byte9 = 0;
    /// dwLength bytes: abData, abProtocolDataStructure, or dwClockFrequency + dwDataRate.
    Bytes abData;
};

/// The wire bytes: bStatus = bmICCStatus | bmCommandStatus << 6, dwLength = abData size.
Bytes write_answer(const Answer& answer);

/// Fills a Parameters answer's payload: byte9 = bProtocolNum, abData the structure (6.2.3).
void set_parameters_payload(Answer& answer, const Parameters& parameters);
/// Fills a DataRateAndClockFrequency answer's payload: dwClockFrequency (kHz), dwDataRate
/// (bps), 4 bytes each (6.2.5).
void set_clock_and_rate_payload(Answer& answer, std::uint32_t clock_khz, std::uint32_t rate_bps);

// --- interrupt IN (CCID 6.3) ------------------------------------------------------------

/// One slot's two bits of bmSlotICCState (6.3.1).
struct SlotState {
    bool present = false;  // bit 2n
    bool changed = false;  // bit 2n + 1
};

/// RDR_to_PC_NotifySlotChange: 0x50 then bmSlotICCState, two bits per slot, slot 0 in the
/// low bits of the first byte, padded to whole bytes (6.3.1).
Bytes write_notify_slot_change(std::span<const SlotState> slots);
/// Its size for bMaxSlotIndex + 1 slots: 1 + ceil(2 x slots / 8).
std::size_t notify_slot_change_size(std::uint8_t bMaxSlotIndex) noexcept;

/// bHardwareErrorCode 01: overcurrent (6.3.2).
inline constexpr std::uint8_t kHardwareErrorOvercurrent = 0x01;
inline constexpr std::size_t kHardwareErrorSize = 4;
/// RDR_to_PC_HardwareError: 0x51, bSlot, bSeq, bHardwareErrorCode (6.3.2).
Bytes write_hardware_error(std::uint8_t bSlot, std::uint8_t bSeq, std::uint8_t code);

// --- class-specific requests (CCID 5.3) -------------------------------------------------

/// bRequest of the CCID class requests to the interface (CCID 5.3, Table 5.3-1).
inline constexpr std::uint8_t kRequestAbort = 0x01;                // 5.3.1, host to device
inline constexpr std::uint8_t kRequestGetClockFrequencies = 0x02;  // 5.3.2, device to host
inline constexpr std::uint8_t kRequestGetDataRates = 0x03;         // 5.3.3, device to host
/// bmRequestType: class request to an interface, host to device / device to host.
inline constexpr std::uint8_t kClassInterfaceOut = 0x21;
inline constexpr std::uint8_t kClassInterfaceIn = 0xA1;

// --- class descriptor (CCID 5.1) --------------------------------------------------------

inline constexpr std::size_t kClassDescriptorSize = 54;

/// The 54 bytes of the Smart Card Device Class Descriptor (CCID 5.1, Table 5.1-1), each
/// field at its offset, little endian. The values are read from the reader's
/// configuration (a plain record of the fields); bLength and bDescriptorType as held.
Bytes write_class_descriptor(const transport::ClassDescriptor& descriptor);

}  // namespace tessera::emulator::wire
