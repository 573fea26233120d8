// Device-side parser of PC_to_RDR_Secure abData for bPINOperation 00 (PIN verification
// data structure, CCID 6.1.11.7) and 01 (PIN modification data structure, 6.1.11.8),
// with the checks a PIN pad makes before it prompts the user. A defect is answered with
// the CCID 6.2.6 "bad parameter" error: bError is the offset of the offending field in the
// whole message (the header is 10 bytes, bPINOperation is at offset 10):
//
//   verification             modification
//   11 bTimeOut              11 bTimeOut
//   12 bmFormatString        12 bmFormatString
//   13 bmPINBlockString      13 bmPINBlockString
//   14 bmPINLengthFormat     14 bmPINLengthFormat
//   15 wPINMaxExtraDigit     15 bInsertionOffsetOld
//   17 bEntryValidationCond. 16 bInsertionOffsetNew
//   18 bNumberMessage        17 wPINMaxExtraDigit
//   19 wLangId               19 bConfirmPIN
//   21 bMsgIndex             20 bEntryValidationCondition
//   22 bTeoPrologue          21 bNumberMessage
//   25 abPINApdu             22 wLangId
//                            24 bMsgIndex1, then bMsgIndex2 (bNumberMessage 2 or 3) and
//                               bMsgIndex3 (bNumberMessage 3), then bTeoPrologue (3 bytes)
//                               and abPINApdu
//
// bMsgIndex2 / bMsgIndex3 on the wire follow bNumberMessage, as ifdhandler/part10 sends
// them. Checks: bPINOperation 00 or 01 and offered by the pad (else offset 10); a structure
// shorter than its fixed part (offset 1, dwLength); the format bytes (pin_block.hpp);
// wPINMaxExtraDigit maximum 0, below the minimum, or a minimum the PIN block cannot hold; bEntryValidationCondition 0 or with
// bits above 2; bNumberMessage other than 00, 01, FF (verification) or 00..03, FF
// (modification); bConfirmPIN bits 7-2; abPINApdu without Lc or whose length disagrees
// with Lc (CLA INS P1 P2 Lc data, optionally Le); a PIN block outside the data field
// (bmPINBlockString for a verification, the insertion offset for a modification); old and
// new PIN blocks that overlap (bInsertionOffsetNew). wLangId, the message indexes and
// bTimeOut are taken as they come.
//
// Pure functions; no state.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "tests/emulator/model/pin_block.hpp"
#include "tests/emulator/model/pin_pad_config.hpp"

namespace tessera::emulator {

/// Message offsets of the fields (CCID 6.1.11: the header, then abData at 10).
inline constexpr std::uint8_t kOffsetBPINOperation = 10;
inline constexpr std::uint8_t kOffsetBmFormatString = 12;
inline constexpr std::uint8_t kOffsetBmPINBlockString = 13;
inline constexpr std::uint8_t kOffsetBmPINLengthFormat = 14;
inline constexpr std::uint8_t kOffsetVerifyWPINMaxExtraDigit = 15;
inline constexpr std::uint8_t kOffsetVerifyBEntryValidationCondition = 17;
inline constexpr std::uint8_t kOffsetVerifyBNumberMessage = 18;
inline constexpr std::uint8_t kOffsetVerifyAbPINApdu = 25;
inline constexpr std::uint8_t kOffsetBInsertionOffsetOld = 15;
inline constexpr std::uint8_t kOffsetBInsertionOffsetNew = 16;
inline constexpr std::uint8_t kOffsetModifyWPINMaxExtraDigit = 17;
inline constexpr std::uint8_t kOffsetBConfirmPIN = 19;
inline constexpr std::uint8_t kOffsetModifyBEntryValidationCondition = 20;
inline constexpr std::uint8_t kOffsetModifyBNumberMessage = 21;
/// abPINApdu of a modification: 28 with one message index, 29 with two, 30 with three.
inline constexpr std::uint8_t kOffsetModifyAbPINApdu1 = 28;

/// bConfirmPIN bits (CCID 6.1.11.8).
inline constexpr std::uint8_t kConfirmNewPin = 0x01;
inline constexpr std::uint8_t kEnterCurrentPin = 0x02;

/// A checked PIN operation, ready for the keypad.
struct PinCommand {
    bool modification = false;
    PinBlockFormat format;
    std::uint8_t min_digits = 0;  // wPINMaxExtraDigit XX
    std::uint8_t max_digits = 0;  // wPINMaxExtraDigit YY
    std::uint8_t bEntryValidationCondition = 0;
    std::uint8_t bConfirmPIN = 0;           // modification only
    std::uint8_t bInsertionOffsetOld = 0;   // modification only
    std::uint8_t bInsertionOffsetNew = 0;   // data byte of the new PIN block (0 for a verification)
    std::array<std::uint8_t, 3> bTeoPrologue{};
    Bytes abPINApdu;  // the template
};

/// The command, or the bError that refuses it.
struct PinCommandParse {
    std::optional<PinCommand> command;
    std::uint8_t bError = 0;
};

/// `abData`: the Secure message's abData (bPINOperation first); `pad`: what the pad offers.
PinCommandParse parse_pin_command(ByteView abData, const PinPadConfig& pad);

}  // namespace tessera::emulator
