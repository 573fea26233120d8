#include "ifdhandler/part10.hpp"

#include <algorithm>
#include <array>

namespace tessera::ifd {
namespace {

constexpr std::array kFeatures{Feature::verify_pin_direct, Feature::modify_pin_direct,
                               Feature::ifd_pin_properties, Feature::get_tlv_properties,
                               Feature::ccid_esc_command};

// bEntryValidationCondition bits (part 10 2.5.2): max size reached, key pressed, timeout.
constexpr std::uint8_t kAllEntryConditions = 0x07;
// A short command APDU: CLA INS P1 P2 Lc, 255 data bytes, Le.
constexpr std::size_t kMaxShortApdu = 4 + 1 + 255 + 1;

// Part 10 2.6.14 property tags (pcsc-lite reader.h PCSCv2_PART10_PROPERTY_*).
enum class Property : std::uint8_t {
    wLcdLayout = 1,
    bEntryValidationCondition = 2,
    bTimeOut2 = 3,
    wLcdMaxCharacters = 4,
    wLcdMaxLines = 5,
    bMinPINSize = 6,
    bMaxPINSize = 7,
    sFirmwareID = 8,
    dwMaxAPDUDataSize = 10,
    wIdVendor = 11,
    wIdProduct = 12,
};

std::uint16_t le16(ByteView bytes, std::size_t at) {
    return static_cast<std::uint16_t>(bytes[at] | (bytes[at + 1] << 8));
}

std::uint32_t le32(ByteView bytes, std::size_t at) {
    return static_cast<std::uint32_t>(bytes[at]) | (static_cast<std::uint32_t>(bytes[at + 1]) << 8) |
           (static_cast<std::uint32_t>(bytes[at + 2]) << 16) |
           (static_cast<std::uint32_t>(bytes[at + 3]) << 24);
}

void put_property(Bytes& out, Property tag, std::uint32_t value, std::size_t size) {
    out.push_back(static_cast<std::uint8_t>(tag));
    out.push_back(static_cast<std::uint8_t>(size));
    for (std::size_t i = 0; i < size; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

// The fields both structures share, at their offsets in each.
struct CommonFields {
    std::uint8_t bmFormatString;
    std::uint8_t bmPINBlockString;
    std::uint8_t bmPINLengthFormat;
    std::uint16_t wPINMaxExtraDigit;
    std::uint8_t bEntryValidationCondition;
    std::uint8_t bNumberMessage;
};

// Where the PIN goes inside the APDU's data field, in bytes from its start (part 10 2.5.2
// bmFormatString: bit 7 unit (bytes when set, bits otherwise), bits 6-3 position).
std::size_t pin_position_bytes(std::uint8_t bmFormatString) {
    const std::size_t position = (bmFormatString >> 3) & 0x0F;
    return (bmFormatString & 0x80) ? position : (position + 7) / 8;
}

// CCID 6.1.11.7 / 6.1.11.8: a verification shows one message at most (bNumberMessage
// 00, 01 or FF), a modification up to three (00..03 or FF).
std::error_code check_common(const CommonFields& fields, std::size_t apdu_size,
                             std::size_t insertion_offset, bool modification) {
    if (fields.bEntryValidationCondition == 0 ||
        (fields.bEntryValidationCondition & ~kAllEntryConditions) != 0) {
        return make_error(PinStructureError::bad_entry_condition);
    }
    const auto messages = fields.bNumberMessage;
    const std::uint8_t most_messages = modification ? 3 : 1;
    if (messages > most_messages && messages != 0xFF) {
        return make_error(PinStructureError::bad_message_count);
    }
    const std::uint8_t min_digits = static_cast<std::uint8_t>(fields.wPINMaxExtraDigit >> 8);
    const std::uint8_t max_digits = static_cast<std::uint8_t>(fields.wPINMaxExtraDigit & 0xFF);
    if (max_digits == 0 || min_digits > max_digits) {
        return make_error(PinStructureError::bad_pin_sizes);
    }
    if ((fields.bmFormatString & 0x03) == 0x03 || (fields.bmPINLengthFormat & 0xE0) != 0) {
        return make_error(PinStructureError::bad_block_layout);  // RFU format / bits
    }
    // The PIN block (bmPINBlockString bits 3-0, bytes) must lie inside the APDU's data
    // field, which starts after CLA INS P1 P2 Lc.
    const std::size_t block_size = fields.bmPINBlockString & 0x0F;
    if (block_size != 0) {
        const std::size_t data_size = apdu_size > 5 ? apdu_size - 5 : 0;
        const std::size_t end =
            insertion_offset + pin_position_bytes(fields.bmFormatString) + block_size;
        if (end > data_size) return make_error(PinStructureError::bad_block_layout);
    }
    return {};
}

Result<Bytes> apdu_of(ByteView bytes, std::size_t header) {
    if (bytes.size() < header) return make_error(PinStructureError::too_short);
    const std::uint32_t declared = le32(bytes, header - 4);
    if (declared != bytes.size() - header) return make_error(PinStructureError::length_mismatch);
    if (declared < 4) return make_error(PinStructureError::apdu_too_short);
    if (declared > kMaxShortApdu) return make_error(PinStructureError::apdu_too_long);
    return Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
}

}  // namespace

std::optional<Feature> feature_for_control_code(std::uint32_t code) noexcept {
    for (const Feature feature : kFeatures) {
        if (control_code(feature) == code) return feature;
    }
    return std::nullopt;
}

bool offers(const Part10Reader& reader, Feature feature) noexcept {
    switch (feature) {
        case Feature::verify_pin_direct:
            return reader.verify_pin;
        case Feature::modify_pin_direct:
            return reader.modify_pin;
        case Feature::ifd_pin_properties:
        case Feature::get_tlv_properties:
            return true;
        case Feature::ccid_esc_command:
            return reader.escape_allowed;
    }
    return false;
}

Bytes feature_list(const Part10Reader& reader) {
    Bytes out;
    for (const Feature feature : kFeatures) {
        if (!offers(reader, feature)) continue;
        const std::uint32_t code = control_code(feature);
        out.push_back(static_cast<std::uint8_t>(feature));
        out.push_back(4);
        for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(code >> shift));
    }
    return out;
}

Bytes pin_properties(const Part10Reader& reader) {
    return {static_cast<std::uint8_t>(reader.wLcdLayout & 0xFF),
            static_cast<std::uint8_t>(reader.wLcdLayout >> 8), kAllEntryConditions, 0x00};
}

Bytes tlv_properties(const Part10Reader& reader) {
    Bytes out;
    put_property(out, Property::wLcdLayout, reader.wLcdLayout, 2);
    put_property(out, Property::bEntryValidationCondition, kAllEntryConditions, 1);
    put_property(out, Property::bTimeOut2, 0, 1);
    if (reader.wLcdLayout != 0) {
        put_property(out, Property::wLcdMaxCharacters, reader.wLcdLayout & 0xFF, 2);
        put_property(out, Property::wLcdMaxLines, reader.wLcdLayout >> 8, 2);
    }
    if (reader.max_pin_size != 0) {
        put_property(out, Property::bMinPINSize, reader.min_pin_size, 1);
        put_property(out, Property::bMaxPINSize, reader.max_pin_size, 1);
    }
    if (!reader.firmware_id.empty()) {
        const std::size_t size = std::min<std::size_t>(reader.firmware_id.size(), 255);
        out.push_back(static_cast<std::uint8_t>(Property::sFirmwareID));
        out.push_back(static_cast<std::uint8_t>(size));
        out.insert(out.end(), reader.firmware_id.begin(),
                   reader.firmware_id.begin() + static_cast<std::ptrdiff_t>(size));
    }
    if (reader.max_apdu_data_size != 0) {
        put_property(out, Property::dwMaxAPDUDataSize, reader.max_apdu_data_size, 4);
    }
    put_property(out, Property::wIdVendor, reader.vendor_id, 2);
    put_property(out, Property::wIdProduct, reader.product_id, 2);
    return out;
}

const char* describe(PinStructureError error) {
    switch (error) {
        case PinStructureError::ok_is_never_used:
            return "no error";
        case PinStructureError::too_short:
            return "PIN structure shorter than its fixed part";
        case PinStructureError::length_mismatch:
            return "ulDataLength does not match the bytes that follow";
        case PinStructureError::apdu_too_short:
            return "PIN APDU shorter than CLA INS P1 P2";
        case PinStructureError::apdu_too_long:
            return "PIN APDU longer than a short APDU";
        case PinStructureError::bad_entry_condition:
            return "bEntryValidationCondition is 0 or uses reserved bits";
        case PinStructureError::bad_message_count:
            return "bNumberMessage is not 0, 1 or FF (verification), 0 to 3 or FF (modification)";
        case PinStructureError::bad_pin_sizes:
            return "wPINMaxExtraDigit: maximum is 0 or below the minimum";
        case PinStructureError::bad_block_layout:
            return "PIN block outside the APDU data, or reserved format bits";
        case PinStructureError::bad_confirm_flags:
            return "bConfirmPIN uses reserved bits";
    }
    return "unknown PIN structure error";
}

// PIN_VERIFY_STRUCTURE (part 10 2.5.2): bTimerOut, bTimerOut2, bmFormatString,
// bmPINBlockString, bmPINLengthFormat, wPINMaxExtraDigit, bEntryValidationCondition,
// bNumberMessage, wLangId, bMsgIndex, bTeoPrologue[3], ulDataLength, abData.
Result<transport::PinVerification> parse_verify_structure(ByteView bytes) {
    auto apdu = apdu_of(bytes, kVerifyStructureHeader);
    if (!apdu) return apdu.error();
    const CommonFields common{bytes[2], bytes[3], bytes[4], le16(bytes, 5), bytes[7], bytes[8]};
    if (auto error = check_common(common, apdu->size(), 0, false)) return error;

    transport::PinVerification pin;
    pin.bTimeOut = bytes[0];
    pin.bmFormatString = common.bmFormatString;
    pin.bmPINBlockString = common.bmPINBlockString;
    pin.bmPINLengthFormat = common.bmPINLengthFormat;
    pin.wPINMaxExtraDigit = common.wPINMaxExtraDigit;
    pin.bEntryValidationCondition = common.bEntryValidationCondition;
    pin.bNumberMessage = common.bNumberMessage;
    pin.wLangId = le16(bytes, 9);
    pin.bMsgIndex = bytes[11];
    pin.bTeoPrologue = {bytes[12], bytes[13], bytes[14]};
    pin.abPINApdu = std::move(*apdu);
    return pin;
}

// PIN_MODIFY_STRUCTURE (part 10 2.5.3): bTimerOut, bTimerOut2, bmFormatString,
// bmPINBlockString, bmPINLengthFormat, bInsertionOffsetOld, bInsertionOffsetNew,
// wPINMaxExtraDigit, bConfirmPIN, bEntryValidationCondition, bNumberMessage, wLangId,
// bMsgIndex1, bMsgIndex2, bMsgIndex3, bTeoPrologue[3], ulDataLength, abData.
Result<transport::PinModification> parse_modify_structure(ByteView bytes) {
    auto apdu = apdu_of(bytes, kModifyStructureHeader);
    if (!apdu) return apdu.error();
    const CommonFields common{bytes[2], bytes[3], bytes[4], le16(bytes, 7), bytes[10], bytes[11]};
    const std::uint8_t offset_old = bytes[5];
    const std::uint8_t offset_new = bytes[6];
    const std::uint8_t confirm = bytes[9];
    if ((confirm & ~0x03) != 0) return make_error(PinStructureError::bad_confirm_flags);
    // The current PIN is entered only when bConfirmPIN bit 1 asks for it.
    if ((confirm & 0x02) != 0) {
        if (auto error = check_common(common, apdu->size(), offset_old, true)) return error;
    }
    if (auto error = check_common(common, apdu->size(), offset_new, true)) return error;

    transport::PinModification pin;
    pin.bTimeOut = bytes[0];
    pin.bmFormatString = common.bmFormatString;
    pin.bmPINBlockString = common.bmPINBlockString;
    pin.bmPINLengthFormat = common.bmPINLengthFormat;
    pin.bInsertionOffsetOld = offset_old;
    pin.bInsertionOffsetNew = offset_new;
    pin.wPINMaxExtraDigit = common.wPINMaxExtraDigit;
    pin.bConfirmPIN = confirm;
    pin.bEntryValidationCondition = common.bEntryValidationCondition;
    pin.bNumberMessage = common.bNumberMessage;
    pin.wLangId = le16(bytes, 12);
    pin.bMsgIndex1 = bytes[14];
    if (common.bNumberMessage >= 2 && common.bNumberMessage != 0xFF) pin.bMsgIndex2 = bytes[15];
    if (common.bNumberMessage == 3) pin.bMsgIndex3 = bytes[16];
    pin.bTeoPrologue = {bytes[17], bytes[18], bytes[19]};
    pin.abPINApdu = std::move(*apdu);
    return pin;
}

}  // namespace tessera::ifd
