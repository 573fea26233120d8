// PC/SC v2 part 10 pieces of the IFD handler: feature list, properties, PIN structures.
#include <doctest/doctest.h>

#include <ostream>

#include "ifdhandler/part10.hpp"
#include "tests/ifdhandler/pin_verify_structure.hpp"

using namespace tessera;
using namespace tessera::ifd;
using tessera::ifd::test::verify_structure;

namespace {

Part10Reader pin_pad() {
    Part10Reader reader;
    reader.verify_pin = true;
    reader.modify_pin = true;
    reader.wLcdLayout = 0x0210;  // 2 lines of 16 characters
    reader.vendor_id = 0x1209;
    reader.product_id = 0x0001;
    return reader;
}

// A PIN_MODIFY_STRUCTURE: old and new 8-byte blocks, confirmation and current PIN asked.
Bytes modify_structure(std::uint8_t messages = 3) {
    Bytes bytes{0x1E, 0x00, 0x82, 0x08, 0x00,
                0x00,                   // bInsertionOffsetOld
                0x08,                   // bInsertionOffsetNew
                0x08, 0x04,             // wPINMaxExtraDigit
                0x03,                   // bConfirmPIN: confirm new + enter current
                0x02, messages,         // bEntryValidationCondition, bNumberMessage
                0x09, 0x04,             // wLangId
                0x00, 0x01, 0x02,       // bMsgIndex1..3
                0x00, 0x00, 0x00,       // bTeoPrologue
                0x15, 0x00, 0x00, 0x00};  // ulDataLength 21
    Bytes apdu{0x00, 0x24, 0x00, 0x01, 0x10};
    apdu.insert(apdu.end(), 16, 0xFF);
    bytes.insert(bytes.end(), apdu.begin(), apdu.end());
    return bytes;
}

}  // namespace

TEST_CASE("control codes: SCARD_CTL_CODE(3400) and one code per feature") {
    CHECK(kGetFeatureRequest == 0x42000D48u);
    CHECK(control_code(Feature::verify_pin_direct) == 0x42000D4Eu);
    CHECK(feature_for_control_code(0x42000D4F) == Feature::modify_pin_direct);
    CHECK(feature_for_control_code(0x42000D5B) == Feature::ccid_esc_command);
    CHECK_FALSE(feature_for_control_code(kGetFeatureRequest).has_value());
    CHECK_FALSE(feature_for_control_code(0x42000D4D).has_value());  // 0x05 GET_KEY_PRESSED
}

TEST_CASE("feature list: 6-byte TLVs, big-endian codes, only what the reader offers") {
    CHECK(feature_list(pin_pad()) == Bytes{0x06, 0x04, 0x42, 0x00, 0x0D, 0x4E,  //
                                           0x07, 0x04, 0x42, 0x00, 0x0D, 0x4F,  //
                                           0x0A, 0x04, 0x42, 0x00, 0x0D, 0x52,  //
                                           0x12, 0x04, 0x42, 0x00, 0x0D, 0x5A});
    Part10Reader plain;
    CHECK(feature_list(plain) == Bytes{0x0A, 0x04, 0x42, 0x00, 0x0D, 0x52,  //
                                       0x12, 0x04, 0x42, 0x00, 0x0D, 0x5A});
    plain.escape_allowed = true;
    const Bytes with_escape = feature_list(plain);
    REQUIRE(with_escape.size() == 18);
    CHECK(Bytes(with_escape.end() - 6, with_escape.end()) ==
          Bytes{0x13, 0x04, 0x42, 0x00, 0x0D, 0x5B});
}

TEST_CASE("IFD_PIN_PROPERTIES and GET_TLV_PROPERTIES encodings") {
    CHECK(pin_properties(pin_pad()) == Bytes{0x10, 0x02, 0x07, 0x00});
    Part10Reader reader = pin_pad();
    reader.min_pin_size = 4;
    reader.max_pin_size = 8;
    reader.firmware_id = "v1";
    reader.max_apdu_data_size = 261;
    CHECK(tlv_properties(reader) == Bytes{0x01, 0x02, 0x10, 0x02,  // wLcdLayout
                                          0x02, 0x01, 0x07,        // bEntryValidationCondition
                                          0x03, 0x01, 0x00,        // bTimeOut2
                                          0x04, 0x02, 0x10, 0x00,  // wLcdMaxCharacters 16
                                          0x05, 0x02, 0x02, 0x00,  // wLcdMaxLines 2
                                          0x06, 0x01, 0x04,        // bMinPINSize
                                          0x07, 0x01, 0x08,        // bMaxPINSize
                                          0x08, 0x02, 'v', '1',    // sFirmwareID
                                          0x0A, 0x04, 0x05, 0x01, 0x00, 0x00,  // dwMaxAPDUDataSize
                                          0x0B, 0x02, 0x09, 0x12,  // wIdVendor
                                          0x0C, 0x02, 0x01, 0x00});  // wIdProduct
    Part10Reader bare;
    CHECK(tlv_properties(bare) == Bytes{0x01, 0x02, 0x00, 0x00, 0x02, 0x01, 0x07, 0x03, 0x01, 0x00,
                                        0x0B, 0x02, 0x00, 0x00, 0x0C, 0x02, 0x00, 0x00});
}

TEST_CASE("PIN_VERIFY_STRUCTURE becomes the CCID PIN verification structure") {
    const auto pin = parse_verify_structure(verify_structure());
    REQUIRE(pin);
    CHECK(pin->bTimeOut == 0x1E);
    CHECK(pin->bmFormatString == 0x82);
    CHECK(pin->bmPINBlockString == 0x08);
    CHECK(pin->wPINMaxExtraDigit == 0x0408);
    CHECK(pin->bEntryValidationCondition == 0x02);
    CHECK(pin->bNumberMessage == 0x01);
    CHECK(pin->wLangId == 0x0409);
    CHECK(pin->abPINApdu.size() == 13);
    CHECK(pin->abPINApdu[1] == 0x20);
    // CCID 6.1.11.7 layout: bTimeOut first, bTimerOut2 gone, the APDU last.
    const Bytes ccid = transport::encode_pin_verification_structure(*pin);
    CHECK(Bytes(ccid.begin(), ccid.begin() + 14) ==
          Bytes{0x1E, 0x82, 0x08, 0x00, 0x08, 0x04, 0x02, 0x01, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00});
    CHECK(ccid.size() == 14 + 13);
}

TEST_CASE("PIN_VERIFY_STRUCTURE: every malformed field has its own error") {
    auto broken = [](auto edit) {
        Bytes bytes = verify_structure();
        edit(bytes);
        return parse_verify_structure(bytes).error();
    };
    CHECK(parse_verify_structure(Bytes(18, 0)).error() == PinStructureError::too_short);
    CHECK(broken([](Bytes& b) { b[15] = 0x0C; }) == PinStructureError::length_mismatch);
    CHECK(broken([](Bytes& b) { b.push_back(0); }) == PinStructureError::length_mismatch);
    CHECK(broken([](Bytes& b) { b[18] = 0x01; }) == PinStructureError::length_mismatch);
    CHECK(broken([](Bytes& b) { b.resize(22); b[15] = 3; }) == PinStructureError::apdu_too_short);
    CHECK(broken([](Bytes& b) { b.resize(19 + 262, 0); b[15] = 0x06; b[16] = 0x01; }) ==
          PinStructureError::apdu_too_long);
    CHECK(broken([](Bytes& b) { b[7] = 0x00; }) == PinStructureError::bad_entry_condition);
    CHECK(broken([](Bytes& b) { b[7] = 0x08; }) == PinStructureError::bad_entry_condition);
    CHECK(broken([](Bytes& b) { b[8] = 0x04; }) == PinStructureError::bad_message_count);
    CHECK(broken([](Bytes& b) { b[8] = 0x02; }) == PinStructureError::bad_message_count);  // CCID 6.1.11.7
    CHECK_FALSE(broken([](Bytes& b) { b[8] = 0xFF; }));
    CHECK(broken([](Bytes& b) { b[5] = 0x00; }) == PinStructureError::bad_pin_sizes);
    CHECK(broken([](Bytes& b) { b[6] = 0x09; }) == PinStructureError::bad_pin_sizes);
    CHECK(broken([](Bytes& b) { b[3] = 0x09; }) == PinStructureError::bad_block_layout);
    CHECK(broken([](Bytes& b) { b[2] = 0x8A; }) == PinStructureError::bad_block_layout);  // pos 1
    CHECK(broken([](Bytes& b) { b[2] = 0x83; }) == PinStructureError::bad_block_layout);  // RFU
    CHECK(broken([](Bytes& b) { b[4] = 0x20; }) == PinStructureError::bad_block_layout);
    // The limits themselves are fine.
    CHECK(parse_verify_structure([] { Bytes b = verify_structure(); b[8] = 0xFF; return b; }()));
    CHECK(parse_verify_structure([] { Bytes b = verify_structure(); b[7] = 0x07; return b; }()));
}

TEST_CASE("PIN_MODIFY_STRUCTURE: offsets, confirmation and message indexes") {
    const auto pin = parse_modify_structure(modify_structure());
    REQUIRE(pin);
    CHECK(pin->bInsertionOffsetOld == 0x00);
    CHECK(pin->bInsertionOffsetNew == 0x08);
    CHECK(pin->bConfirmPIN == 0x03);
    CHECK(pin->bMsgIndex1 == 0x00);
    CHECK(pin->bMsgIndex2 == std::optional<std::uint8_t>(0x01));
    CHECK(pin->bMsgIndex3 == std::optional<std::uint8_t>(0x02));
    CHECK(pin->abPINApdu.size() == 21);

    const auto one_message = parse_modify_structure(modify_structure(1));
    REQUIRE(one_message);
    CHECK_FALSE(one_message->bMsgIndex2.has_value());
    CHECK_FALSE(one_message->bMsgIndex3.has_value());
    const auto two_messages = parse_modify_structure(modify_structure(2));
    REQUIRE(two_messages);
    CHECK(two_messages->bMsgIndex2.has_value());
    CHECK_FALSE(two_messages->bMsgIndex3.has_value());

    auto broken = [](auto edit) {
        Bytes bytes = modify_structure();
        edit(bytes);
        return parse_modify_structure(bytes).error();
    };
    CHECK(parse_modify_structure(Bytes(23, 0)).error() == PinStructureError::too_short);
    CHECK(broken([](Bytes& b) { b[20] = 0x14; }) == PinStructureError::length_mismatch);
    CHECK(broken([](Bytes& b) { b[9] = 0x04; }) == PinStructureError::bad_confirm_flags);
    CHECK(broken([](Bytes& b) { b[6] = 0x09; }) == PinStructureError::bad_block_layout);
    CHECK(broken([](Bytes& b) { b[5] = 0x09; }) == PinStructureError::bad_block_layout);
    CHECK(broken([](Bytes& b) { b[11] = 0x05; }) == PinStructureError::bad_message_count);
    // Without "enter current PIN" the old offset is not used and not checked.
    CHECK(parse_modify_structure([] { Bytes b = modify_structure(); b[9] = 0x01; b[5] = 0x40; return b; }()));
}
