// Encoders for every PC_to_RDR bulk-OUT message (USB CCID rev 1.1 section 6.1).
//
// Each encoder takes the reader's MessageLimits (bMaxSlotIndex, dwMaxCCIDMessageLength),
// the bSlot / bSeq of the message, and its fields, checks them, and returns the complete
// wire bytes (10-byte header + abData) or a CommandError. Field values the specification
// reserves are refused; values it leaves to the reader (bmFindexDindex, bBWI, Escape data)
// pass through. The expected answer of each message is expected_response() in
// ccid_message.hpp.
//
// Pure functions; no state, no I/O. bSeq allocation: SequenceCounter in ccid_exchange.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "transport/ccid_error.hpp"
#include "transport/ccid_message.hpp"

namespace tessera::transport {

/// bSlot and bSeq of one message (CCID 6.1 header offsets 5 and 6).
struct Address {
    std::uint8_t bSlot = 0;
    std::uint8_t bSeq = 0;
};

/// bPowerSelect (CCID 6.1.1).
enum class PowerSelect : std::uint8_t {
    automatic = 0x00,
    volts_5_0 = 0x01,
    volts_3_0 = 0x02,
    volts_1_8 = 0x03,
};

/// wLevelParameter of XfrBlock / Secure at extended APDU level (CCID 6.1.4): how abData
/// sits in a command APDU sent in several messages.
enum class XfrChain : std::uint16_t {
    begins_and_ends = 0x0000,    // the command APDU begins and ends with this abData
    begins_continues = 0x0001,   // begins with this abData, continues in the next message
    ends = 0x0002,               // continues the command APDU and ends it
    continues = 0x0003,          // continues the command APDU; another message follows
    continue_response = 0x0010,  // empty abData: send the next part of the response APDU
};

/// bClockCommand (CCID 6.1.9).
enum class ClockCommand : std::uint8_t { restart = 0x00, stop = 0x01 };

/// bmChanges bits of PC_to_RDR_T0APDU (CCID 6.1.10).
inline constexpr std::uint8_t kChangeClassGetResponse = 0x01;
inline constexpr std::uint8_t kChangeClassEnvelope = 0x02;

/// bPINOperation, the first byte of PC_to_RDR_Secure abData (CCID 6.1.11).
enum class PinOperation : std::uint8_t {
    verification = 0x00,
    modification = 0x01,
    transfer_pin = 0x02,         // transfer PIN from the secure PIN buffer
    wait_icc_response = 0x03,    // wait for the card's response
    cancel = 0x04,               // cancel the PIN function
    resend_last_i_block = 0x05,  // re-send the last I-block (T=1)
    send_next_apdu_part = 0x06,  // send the next part of the APDU (T=1)
};

/// PIN verification data structure (CCID 6.1.11.7), 14 bytes + abPINApdu.
struct PinVerification {
    std::uint8_t bTimeOut = 0x00;  // seconds; 0 = reader default
    std::uint8_t bmFormatString = 0x00;
    std::uint8_t bmPINBlockString = 0x00;
    std::uint8_t bmPINLengthFormat = 0x00;
    std::uint16_t wPINMaxExtraDigit = 0x0000;       // 0xXXYY: XX minimum, YY maximum PIN digits
    std::uint8_t bEntryValidationCondition = 0x02;  // 1 max size, 2 key pressed, 4 timeout
    std::uint8_t bNumberMessage = 0x01;             // 0 none, 1 bMsgIndex, FF default
    std::uint16_t wLangId = 0x0409;
    std::uint8_t bMsgIndex = 0x00;
    std::array<std::uint8_t, 3> bTeoPrologue{};  // T=1 prologue the reader uses
    Bytes abPINApdu;                             // at least CLA INS P1 P2
};

/// PIN modification data structure (CCID 6.1.11.8), 17 to 19 bytes + abPINApdu.
/// bMsgIndex2 and bMsgIndex3 are optional fields on the wire: present when set. Which of
/// them a reader expects follows bNumberMessage (1, 2 or 3 messages) and bConfirmPIN; the
/// caller chooses, since deployed PIN pads differ (a reader quirk, not a codec rule).
struct PinModification {
    std::uint8_t bTimeOut = 0x00;
    std::uint8_t bmFormatString = 0x00;
    std::uint8_t bmPINBlockString = 0x00;
    std::uint8_t bmPINLengthFormat = 0x00;
    std::uint8_t bInsertionOffsetOld = 0x00;
    std::uint8_t bInsertionOffsetNew = 0x00;
    std::uint16_t wPINMaxExtraDigit = 0x0000;  // 0xXXYY: XX minimum, YY maximum
    std::uint8_t bConfirmPIN = 0x00;           // bit 0 confirm the new PIN, bit 1 enter current PIN
    std::uint8_t bEntryValidationCondition = 0x02;
    std::uint8_t bNumberMessage = 0x01;
    std::uint16_t wLangId = 0x0409;
    std::uint8_t bMsgIndex1 = 0x00;
    std::optional<std::uint8_t> bMsgIndex2;
    std::optional<std::uint8_t> bMsgIndex3;  // requires bMsgIndex2
    std::array<std::uint8_t, 3> bTeoPrologue{};
    Bytes abPINApdu;
};

/// bFunction of PC_to_RDR_Mechanical (CCID 6.1.12).
enum class MechanicalFunction : std::uint8_t {
    accept_card = 0x01,
    eject_card = 0x02,
    capture_card = 0x03,
    lock_card = 0x04,
    unlock_card = 0x05,
};

// CCID 6.1.1. Answered by RDR_to_PC_DataBlock (the ATR).
Result<Bytes> encode_icc_power_on(const MessageLimits& limits, Address address,
                                  PowerSelect bPowerSelect);
// CCID 6.1.2. Answered by RDR_to_PC_SlotStatus.
Result<Bytes> encode_icc_power_off(const MessageLimits& limits, Address address);
// CCID 6.1.3. Answered by RDR_to_PC_SlotStatus.
Result<Bytes> encode_get_slot_status(const MessageLimits& limits, Address address);
/// CCID 6.1.4. wLevelParameter: 0 at TPDU and short APDU level, the expected response
/// length at character level, an XfrChain value at extended APDU level (see the overload).
/// Answered by RDR_to_PC_DataBlock.
Result<Bytes> encode_xfr_block(const MessageLimits& limits, Address address, ByteView abData,
                               std::uint8_t bBWI = 0, std::uint16_t wLevelParameter = 0);
/// CCID 6.1.4 at extended APDU level.
Result<Bytes> encode_xfr_block(const MessageLimits& limits, Address address, ByteView abData,
                               XfrChain chain, std::uint8_t bBWI = 0);
// CCID 6.1.5 / 6.1.6. Answered by RDR_to_PC_Parameters.
Result<Bytes> encode_get_parameters(const MessageLimits& limits, Address address);
Result<Bytes> encode_reset_parameters(const MessageLimits& limits, Address address);
/// CCID 6.1.7: bProtocolNum from the variant, dwLength 5 (T=0) or 7 (T=1). Refuses
/// reserved bmTCCKST0/1, bClockStop, BWI and bIFSC values. Answered by RDR_to_PC_Parameters.
Result<Bytes> encode_set_parameters(const MessageLimits& limits, Address address,
                                    const ProtocolData& data);
// CCID 6.1.8. Answered by RDR_to_PC_Escape.
Result<Bytes> encode_escape(const MessageLimits& limits, Address address, ByteView abData);
// CCID 6.1.9. Answered by RDR_to_PC_SlotStatus.
Result<Bytes> encode_icc_clock(const MessageLimits& limits, Address address,
                               ClockCommand bClockCommand);
// CCID 6.1.10. Answered by RDR_to_PC_SlotStatus.
Result<Bytes> encode_t0apdu(const MessageLimits& limits, Address address, std::uint8_t bmChanges,
                            std::uint8_t bClassGetResponse, std::uint8_t bClassEnvelope);
/// CCID 6.1.11 with abData as given (bPINOperation first when wLevelParameter is 0 or 1;
/// a bPINOperation above 6 is refused). Answered by RDR_to_PC_DataBlock.
Result<Bytes> encode_secure(const MessageLimits& limits, Address address, ByteView abData,
                            std::uint8_t bBWI = 0, std::uint16_t wLevelParameter = 0);
/// CCID 6.1.11 + 6.1.11.7: bPINOperation 00 then the PIN verification data structure.
Result<Bytes> encode_secure_pin_verification(const MessageLimits& limits, Address address,
                                             const PinVerification& pin, std::uint8_t bBWI = 0);
/// CCID 6.1.11 + 6.1.11.8: bPINOperation 01 then the PIN modification data structure.
Result<Bytes> encode_secure_pin_modification(const MessageLimits& limits, Address address,
                                             const PinModification& pin, std::uint8_t bBWI = 0);
// CCID 6.1.12. Answered by RDR_to_PC_SlotStatus.
Result<Bytes> encode_mechanical(const MessageLimits& limits, Address address,
                                MechanicalFunction bFunction);
/// CCID 6.1.13: the bulk half of the abort sequence (CCID 5.3.1); bSeq must equal the
/// ABORT control request's (ccid_control.hpp). Answered by RDR_to_PC_SlotStatus.
Result<Bytes> encode_abort(const MessageLimits& limits, Address address);
/// CCID 6.1.14: dwClockFrequency in kHz, dwDataRate in bps. Answered by
/// RDR_to_PC_DataRateAndClockFrequency.
Result<Bytes> encode_set_data_rate_and_clock_frequency(const MessageLimits& limits, Address address,
                                                       std::uint32_t dwClockFrequency,
                                                       std::uint32_t dwDataRate);

/// The PIN verification / modification data structure bytes alone (without bPINOperation).
Bytes encode_pin_verification_structure(const PinVerification& pin);
Bytes encode_pin_modification_structure(const PinModification& pin);

}  // namespace tessera::transport
