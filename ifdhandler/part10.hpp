// PC/SC v2 part 10 ("IFDs with Secure PIN Entry Capabilities") as pure functions over
// bytes: the feature list a client gets from CM_IOCTL_GET_FEATURE_REQUEST, the control
// codes of each feature, the IFD_PIN_PROPERTIES and GET_TLV_PROPERTIES answers, and the
// validation of the PIN_VERIFY_STRUCTURE / PIN_MODIFY_STRUCTURE a client sends, turned into
// the CCID PIN data structures (CCID 6.1.11.7 / 6.1.11.8) that PC_to_RDR_Secure carries.
//
// Byte order: feature TLV values are big-endian (part 10 2.2); the multi-byte fields of
// the PIN structures and of the TLV properties are little-endian, as CCID and every
// deployed client lay them out. No I/O, no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "transport/ccid_command.hpp"

namespace tessera::ifd {

/// SCARD_CTL_CODE (pcsc-lite reader.h): control codes are 0x42000000 + code.
constexpr std::uint32_t scard_ctl_code(std::uint32_t code) noexcept { return 0x42000000u + code; }

/// CM_IOCTL_GET_FEATURE_REQUEST (part 10 2.2).
inline constexpr std::uint32_t kGetFeatureRequest = scard_ctl_code(3400);

/// The part 10 features this driver implements (tags of part 10 2.3).
enum class Feature : std::uint8_t {
    verify_pin_direct = 0x06,
    modify_pin_direct = 0x07,
    ifd_pin_properties = 0x0A,
    get_tlv_properties = 0x12,
    ccid_esc_command = 0x13,
};

/// The control code the driver assigns to a feature (reported through the feature list;
/// clients never hard-code it): SCARD_CTL_CODE(3400 + tag).
constexpr std::uint32_t control_code(Feature feature) noexcept {
    return scard_ctl_code(3400 + static_cast<std::uint32_t>(feature));
}

/// The feature a control code selects, nullopt for codes that are not ours.
std::optional<Feature> feature_for_control_code(std::uint32_t code) noexcept;

/// What a reader offers, from its class descriptor and the driver options.
struct Part10Reader {
    bool verify_pin = false;          // bPINSupport bit 0 (CCID 5.1)
    bool modify_pin = false;          // bPINSupport bit 1
    bool escape_allowed = false;      // driver option: CCID_ESC_COMMAND is off by default
    std::uint16_t wLcdLayout = 0;     // 0xXXYY: XX lines, YY characters per line
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    std::uint8_t min_pin_size = 0;    // 0: unknown (property left out)
    std::uint8_t max_pin_size = 0;
    std::uint32_t max_apdu_data_size = 0;  // 0: left out
    std::string firmware_id;          // empty: left out
};

bool offers(const Part10Reader& reader, Feature feature) noexcept;

/// CM_IOCTL_GET_FEATURE_REQUEST answer: one 6-byte TLV (tag, 04, control code big-endian)
/// per feature offered, in tag order.
Bytes feature_list(const Part10Reader& reader);

/// FEATURE_IFD_PIN_PROPERTIES answer (PIN_PROPERTIES_STRUCTURE, 4 bytes): wLcdLayout,
/// bEntryValidationCondition 07 (max size, key, timeout), bTimeOut2 00.
Bytes pin_properties(const Part10Reader& reader);

/// FEATURE_GET_TLV_PROPERTIES answer: tag, length, little-endian value for each known
/// property (part 10 2.6.14): wLcdLayout, bEntryValidationCondition, bTimeOut2,
/// wLcdMaxCharacters, wLcdMaxLines, bMinPINSize, bMaxPINSize, sFirmwareID,
/// dwMaxAPDUDataSize, wIdVendor, wIdProduct; the optional ones only when known.
Bytes tlv_properties(const Part10Reader& reader);

enum class PinStructureError {
    ok_is_never_used = 0,
    too_short = 1,          // fewer bytes than the fixed part
    length_mismatch,        // ulDataLength differs from the bytes that follow it
    apdu_too_short,         // abData shorter than CLA INS P1 P2
    apdu_too_long,          // abData longer than a short APDU (5 + 255)
    bad_entry_condition,    // bEntryValidationCondition 0 or above 07
    bad_message_count,      // bNumberMessage not 0, 1, FF (verify) / 0..3, FF (modify)
    bad_pin_sizes,          // minimum PIN size above the maximum, or maximum 0
    bad_block_layout,       // PIN block / length position outside abData
    bad_confirm_flags,      // bConfirmPIN with reserved bits
};

const char* describe(PinStructureError error);

/// Size of the fixed parts before abData: 19 (verify) and 24 (modify) bytes.
inline constexpr std::size_t kVerifyStructureHeader = 19;
inline constexpr std::size_t kModifyStructureHeader = 24;

/// PIN_VERIFY_STRUCTURE -> CCID PIN verification data (bTimerOut2 has no CCID field and
/// is dropped). Every field is checked; see PinStructureError.
Result<transport::PinVerification> parse_verify_structure(ByteView bytes);

/// PIN_MODIFY_STRUCTURE -> CCID PIN modification data. bMsgIndex2 is carried when
/// bNumberMessage >= 2 and bMsgIndex3 when it is 3 (CCID 6.1.11.8).
Result<transport::PinModification> parse_modify_structure(ByteView bytes);

}  // namespace tessera::ifd

TESSERA_ERROR_ENUM(tessera::ifd, PinStructureError, "PIN structure");
