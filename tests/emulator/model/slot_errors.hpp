// bError values the emulated reader answers with when bmCommandStatus is "failed"
// (CCID 6.2.6, Table 6.2-2), and the offsets of the command fields a "bad parameter"
// error names (CCID 6.1: the header, then each message's own fields).
#pragma once

#include <cstdint>

namespace tessera::emulator {

inline constexpr std::uint8_t kErrorCommandNotSupported = 0x00;  // CMD_NOT_SUPPORTED
inline constexpr std::uint8_t kErrorIccMute = 0xFE;              // ICC_MUTE
inline constexpr std::uint8_t kErrorCommandAborted = 0xFF;       // CMD_ABORTED
inline constexpr std::uint8_t kErrorXfrOverrun = 0xFC;           // XFR_OVERRUN
inline constexpr std::uint8_t kErrorHardware = 0xFB;             // HW_ERROR
inline constexpr std::uint8_t kErrorSlotBusy = 0xE0;             // CMD_SLOT_BUSY

// 0x01..0x7F: "bad parameter", the offset of the field in the command message.
inline constexpr std::uint8_t kOffsetDwLength = 1;         // dwLength (bad length)
inline constexpr std::uint8_t kOffsetBSlot = 5;            // bSlot (slot does not exist)
inline constexpr std::uint8_t kOffsetFirstSpecific = 7;    // bPowerSelect, bProtocolNum,
                                                           // bClockCommand, bmChanges,
                                                           // bFunction, bBWI
inline constexpr std::uint8_t kOffsetWLevelParameter = 8;  // XfrBlock, Secure
inline constexpr std::uint8_t kOffsetAbData = 10;          // first abData byte

}  // namespace tessera::emulator
