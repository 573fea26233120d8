// The emulated PIN pad: PC_to_RDR_Secure (CCID 6.1.11) with the PIN verification and
// modification data structures (6.1.11.7, 6.1.11.8) built by transport's encoders and sent
// through the UsbDeviceModel calls. Each formatting rule is checked on the exact APDU the
// pad built (its trace) and on what the card received: the templates use the simulated
// card's ECHO command (80 EE, case 4), which answers with the data field it got, so the
// card's answer shows the bytes that crossed the contacts.
#include <doctest/doctest.h>

#include <initializer_list>

#include "t1/block.hpp"
#include "tests/emulator/model/model_test_support.hpp"
#include "tests/emulator/model/pin_pad.hpp"
#include "tests/emulator/model/pin_structure.hpp"
#include "tests/emulator/model/slot_errors.hpp"
#include "tests/sim/application.hpp"
#include "transport/class_descriptor.hpp"

using namespace tessera;
using namespace tessera::emulator;
using namespace tessera::emulator::testing;

namespace {

// ECHO (tests/sim/application.hpp) with Lc = data.size(), the data, Le 00.
Bytes echo_template(const Bytes& data) {
    Bytes apdu{0x80, sim::kInsEcho, 0x00, 0x00, static_cast<std::uint8_t>(data.size())};
    apdu.insert(apdu.end(), data.begin(), data.end());
    apdu.push_back(0x00);
    return apdu;
}

// The APDU the pad must send: the template's header and Le around the formatted data.
Bytes echo_with(const Bytes& data) {
    return echo_template(data);  // same bytes: Lc stays, only the data field changes
}

Bytes with_sw(Bytes data, std::uint8_t sw1 = 0x90, std::uint8_t sw2 = 0x00) {
    data.push_back(sw1);
    data.push_back(sw2);
    return data;
}

Bytes filled(std::size_t size, std::uint8_t value) {
    return Bytes(size, value);
}

transport::PinVerification verification(std::uint8_t bmFormatString, std::uint8_t bmPINBlockString,
                                        std::uint8_t bmPINLengthFormat, std::uint16_t wPINMaxExtraDigit,
                                        const Bytes& data) {
    transport::PinVerification pin;
    pin.bmFormatString = bmFormatString;
    pin.bmPINBlockString = bmPINBlockString;
    pin.bmPINLengthFormat = bmPINLengthFormat;
    pin.wPINMaxExtraDigit = wPINMaxExtraDigit;
    pin.bEntryValidationCondition = 0x02;
    pin.abPINApdu = echo_template(data);
    return pin;
}

transport::PinModification modification(std::uint8_t bConfirmPIN, std::uint8_t offset_old,
                                        std::uint8_t offset_new, const Bytes& data) {
    transport::PinModification pin;
    pin.bmFormatString = 0x82;   // bytes, position 0, left, ASCII
    pin.bmPINBlockString = 0x08;  // no length field, 8-byte blocks
    pin.bInsertionOffsetOld = offset_old;
    pin.bInsertionOffsetNew = offset_new;
    pin.wPINMaxExtraDigit = 0x0408;
    pin.bConfirmPIN = bConfirmPIN;
    pin.bEntryValidationCondition = 0x02;
    pin.abPINApdu = echo_template(data);
    return pin;
}

ReaderConfig pinpad_config(std::initializer_list<PinEntry> entries = {}) {
    ReaderConfig config = make_profile(Profile::pinpad);
    config.pin_pad->entries.assign(entries.begin(), entries.end());
    return config;
}

// A powered PIN pad reader and its host.
struct Bench {
    std::unique_ptr<CcidDevice> device;
    Host host;

    explicit Bench(ReaderConfig config) : device(make_device(std::move(config))), host(*device) {
        REQUIRE(host.power_on().processed());
    }
    PinPad& pad() {
        REQUIRE(device->pin_pad() != nullptr);
        return *device->pin_pad();
    }
    transport::Response verify(const transport::PinVerification& pin) {
        return host.run(transport::encode_secure_pin_verification(host.limits(), host.next(), pin));
    }
    transport::Response modify(const transport::PinModification& pin) {
        return host.run(transport::encode_secure_pin_modification(host.limits(), host.next(), pin));
    }
    transport::Response secure(const Bytes& abData, std::uint16_t wLevelParameter = 0) {
        return host.run(transport::encode_secure(host.limits(), host.next(), abData, 0, wLevelParameter));
    }
};

// Runs a verification with `pin` typed and checks the APDU built and the card's answer.
void check_verification(const transport::PinVerification& structure, const char* typed, const Bytes& expected_data) {
    Bench bench(pinpad_config({{typed}}));
    const auto response = bench.verify(structure);
    REQUIRE_MESSAGE(response.processed(), "bError " << int(response.bError));
    REQUIRE(bench.pad().last_apdu().has_value());
    CHECK(to_hex(*bench.pad().last_apdu()) == to_hex(echo_with(expected_data)));
    CHECK(to_hex(response.abData) == to_hex(with_sw(expected_data)));
}

// Expects `response` refused with `bError` before any entry was taken.
void check_refused(Bench& bench, const transport::Response& response, std::uint8_t bError) {
    CHECK(response.failed());
    CHECK(response.bMessageType == transport::MessageType::RDR_to_PC_DataBlock);
    CHECK(int(response.bError) == int(bError));
    CHECK(bench.pad().entries_taken() == 0);
    CHECK(bench.pad().apdus().empty());
}

}  // namespace

// --- the profile and the descriptor ----------------------------------------------------------

TEST_CASE("the pinpad profile announces verification and modification in its descriptor") {
    const auto device = make_device(Profile::pinpad);
    auto found = transport::find_class_descriptor(device->identity().config_descriptor);
    REQUIRE(found.has_value());
    CHECK(found->descriptor.bPINSupport == 0x03);
    CHECK(found->descriptor.wLcdLayout == 0x0210);
    CHECK(transport::exchange_level(found->descriptor.dwFeatures) == transport::ExchangeLevel::short_apdu);
    REQUIRE(device->card(0) != nullptr);
    CHECK(device->card(0)->config().atr.protocols == std::vector<std::uint8_t>{1});
    CHECK(profile_from_name("pinpad") == Profile::pinpad);
}

TEST_CASE("bPINSupport follows the pad's operations, whatever the descriptor said") {
    ReaderConfig config = make_profile(Profile::short_apdu);
    config.descriptor.bPINSupport = 0x00;
    config.pin_pad = PinPadConfig{};
    config.pin_pad->modification = false;
    const auto device = make_device(config);
    auto found = transport::find_class_descriptor(device->identity().config_descriptor);
    REQUIRE(found.has_value());
    CHECK(found->descriptor.bPINSupport == 0x01);
    CHECK(found->descriptor.wLcdLayout == 0x0000);
}

TEST_CASE("a reader without a PIN pad answers Secure with CMD_NOT_SUPPORTED") {
    ReaderConfig config = make_profile(Profile::short_apdu);
    config.descriptor.bPINSupport = 0x03;  // the descriptor alone does not make a PIN pad
    const auto device = make_device(config);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    REQUIRE(device->pin_pad() == nullptr);
    const auto response = host.run(transport::encode_secure_pin_verification(
        host.limits(), host.next(), verification(0x82, 0x08, 0x00, 0x0408, filled(8, 0xFF))));
    CHECK(response.failed());
    CHECK(response.bError == kErrorCommandNotSupported);
}

// --- formatting: bmFormatString, bmPINBlockString, bmPINLengthFormat (CCID 6.1.11.7) -----------

TEST_CASE("ASCII digits, left justified at byte 0; the template's filler stays") {
    check_verification(verification(0x82, 0x08, 0x00, 0x0408, filled(8, 0xFF)), "1234",
                       {0x31, 0x32, 0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xFF});
}

TEST_CASE("ASCII digits, right justified: the last digit ends the block") {
    check_verification(verification(0x86, 0x08, 0x00, 0x0408, filled(8, 0xFF)), "1234",
                       {0xFF, 0xFF, 0xFF, 0xFF, 0x31, 0x32, 0x33, 0x34});
    // A block shorter than the data: justification is within the block only.
    check_verification(verification(0x86, 0x06, 0x00, 0x0306, filled(8, 0x00)), "987",
                       {0x00, 0x00, 0x00, 0x39, 0x38, 0x37, 0x00, 0x00});
}

TEST_CASE("BCD digits with a 4-bit length field at bit 4 (ISO 9564 format 2 layout)") {
    // bytes, position 1, left, BCD; 4-bit length, 8-byte block; length at bit 4.
    check_verification(verification(0x89, 0x48, 0x04, 0x040C, {0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}),
                       "12345", {0x25, 0x12, 0x34, 0x5F, 0xFF, 0xFF, 0xFF, 0xFF});
}

TEST_CASE("BCD digits, right justified, odd count: half a byte of filler kept") {
    check_verification(verification(0x8D, 0x08, 0x00, 0x040C, filled(8, 0xFF)), "12345",
                       {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF1, 0x23, 0x45});
}

TEST_CASE("binary digits at a bit position straddle bytes") {
    // bits, position 4, left, binary: digit bytes 01 09 at bits 4..19.
    check_verification(verification(0x20, 0x06, 0x00, 0x0206, filled(6, 0xFF)), "19",
                       {0xF0, 0x10, 0x9F, 0xFF, 0xFF, 0xFF});
    // bytes, position 2: whole bytes after two template bytes.
    check_verification(verification(0x90, 0x06, 0x00, 0x0404, filled(6, 0xAA)), "0907",
                       {0xAA, 0xAA, 0x00, 0x09, 0x00, 0x07});
}

TEST_CASE("the PIN length goes where bmPINLengthFormat says, in bits or bytes") {
    // 8-bit length at byte 0, ASCII PIN from byte 1.
    check_verification(verification(0x8A, 0x88, 0x10, 0x0407, filled(8, 0xFF)), "123456",
                       {0x06, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0xFF});
    // 4-bit length at byte 1 (bits 8..11): the low half of byte 1 stays.
    check_verification(verification(0x92, 0x48, 0x11, 0x0405, filled(8, 0x00)), "7777",
                       {0x00, 0x40, 0x37, 0x37, 0x37, 0x37, 0x00, 0x00});
    // 3-bit length at bit 1: 0b101 in bits 1..3 of byte 0.
    check_verification(verification(0x89, 0x34, 0x01, 0x0406, filled(4, 0x00)), "12345",
                       {0x50, 0x12, 0x34, 0x50});
}

TEST_CASE("an empty queue types the default PIN; queued entries come first, in order") {
    Bench bench(make_profile(Profile::pinpad));
    const auto structure = verification(0x82, 0x08, 0x00, 0x0408, filled(8, 0xFF));
    bench.pad().type({"5555"});
    REQUIRE(bench.verify(structure).processed());
    CHECK(bench.pad().last_apdu() == echo_with({0x35, 0x35, 0x35, 0x35, 0xFF, 0xFF, 0xFF, 0xFF}));
    REQUIRE(bench.verify(structure).processed());
    CHECK(bench.pad().last_apdu() == echo_with({0x31, 0x32, 0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xFF}));
    CHECK(bench.pad().entries_taken() == 2);
    CHECK(bench.pad().apdus().size() == 2);
}

TEST_CASE("the card's own answer comes back: the card checks the PIN the pad typed") {
    Bench bench(pinpad_config());
    auto structure = verification(0x82, 0x08, 0x00, 0x0408, filled(8, 0xFF));
    structure.abPINApdu = {0x00, 0x20, 0x00, 0x81, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    const auto right = bench.verify(structure);
    REQUIRE(right.processed());
    CHECK(bench.pad().last_apdu() ==
          Bytes{0x00, 0x20, 0x00, 0x81, 0x08, 0x31, 0x32, 0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xFF});
    CHECK(status_word(right.abData) == 0x9000);  // the card's PIN is 1234 (card_pin.hpp)

    bench.pad().type(PinEntry{"5555"});
    const auto wrong = bench.verify(structure);
    REQUIRE(wrong.processed());
    CHECK(status_word(wrong.abData) == 0x63C2);  // one try used, two left
}

// --- entry rules: wPINMaxExtraDigit, bEntryValidationCondition, cancel, timeout ------------

TEST_CASE("a PIN longer than the maximum is cut at the maximum: the keypad takes no more") {
    check_verification(verification(0x82, 0x08, 0x00, 0x0406, filled(8, 0xFF)), "123456789",
                       {0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0xFF, 0xFF});
    // The block holds fewer digits than wPINMaxExtraDigit allows: the block is the limit.
    check_verification(verification(0x82, 0x04, 0x00, 0x0408, filled(8, 0xFF)), "123456",
                       {0x31, 0x32, 0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xFF});
}

TEST_CASE("a PIN shorter than the minimum is not validated: the entry ends in PIN_TIMEOUT") {
    Bench bench(pinpad_config({{"12"}}));
    const std::size_t exchanges = bench.device->card(0)->exchanges();
    const auto response = bench.verify(verification(0x82, 0x08, 0x00, 0x0408, filled(8, 0xFF)));
    CHECK(response.failed());
    CHECK(response.bError == kErrorPinTimeout);
    CHECK(bench.pad().entries_taken() == 1);
    CHECK(bench.pad().apdus().empty());
    CHECK(bench.device->card(0)->exchanges() == exchanges);  // nothing reached the card
}

TEST_CASE("keys other than digits are ignored") {
    check_verification(verification(0x82, 0x08, 0x00, 0x0408, filled(8, 0xFF)), "1*2#34",
                       {0x31, 0x32, 0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xFF});
}

TEST_CASE("cancel ends the entry with PIN_CANCELLED, leaving the keypad with PIN_TIMEOUT") {
    Bench bench(pinpad_config({{"1234", PinUserAction::cancel}, {"1234", PinUserAction::time_out}}));
    const auto structure = verification(0x82, 0x08, 0x00, 0x0408, filled(8, 0xFF));
    auto response = bench.verify(structure);
    CHECK(response.failed());
    CHECK(response.bError == kErrorPinCancelled);
    CHECK(response.bmICCStatus == transport::IccStatus::present_active);
    response = bench.verify(structure);
    CHECK(response.failed());
    CHECK(response.bError == kErrorPinTimeout);
    CHECK(bench.pad().apdus().empty());
    // The next entry (the default PIN) works: the pad is not stuck.
    CHECK(bench.verify(structure).processed());
}

TEST_CASE("bEntryValidationCondition: maximum size, validation key, timeout") {
    auto structure = verification(0x82, 0x08, 0x00, 0x0404, filled(8, 0xFF));
    const Bytes four{0x31, 0x32, 0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xFF};
    SUBCASE("01: the entry ends by itself at the maximum, no key needed") {
        structure.bEntryValidationCondition = 0x01;
        Bench bench(pinpad_config({{"1234", PinUserAction::time_out}, {"123", PinUserAction::validate}}));
        CHECK(bench.verify(structure).processed());
        CHECK(bench.pad().last_apdu() == echo_with(four));
        CHECK(bench.verify(structure).bError == kErrorPinTimeout);  // the key does not validate
    }
    SUBCASE("02: only the key validates") {
        structure.bEntryValidationCondition = 0x02;
        structure.wPINMaxExtraDigit = 0x0308;
        Bench bench(pinpad_config({{"1234", PinUserAction::time_out}, {"123"}}));
        CHECK(bench.verify(structure).bError == kErrorPinTimeout);
        CHECK(bench.verify(structure).processed());
        CHECK(bench.pad().last_apdu() == echo_with({0x31, 0x32, 0x33, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
    }
    SUBCASE("04: the timeout validates what was typed, once the minimum is reached") {
        structure.bEntryValidationCondition = 0x04;
        structure.wPINMaxExtraDigit = 0x0308;
        Bench bench(pinpad_config({{"12", PinUserAction::time_out}, {"1234", PinUserAction::time_out}}));
        CHECK(bench.verify(structure).bError == kErrorPinTimeout);
        CHECK(bench.verify(structure).processed());
        CHECK(bench.pad().last_apdu() == echo_with(four));
    }
}

// --- modification (CCID 6.1.11.8) -------------------------------------------------------------

TEST_CASE("modification without confirmation or current PIN: one entry at bInsertionOffsetNew") {
    Bench bench(pinpad_config({{"5678"}}));
    const auto response = bench.modify(modification(0x00, 0x00, 0x00, filled(8, 0xFF)));
    REQUIRE(response.processed());
    const Bytes data{0x35, 0x36, 0x37, 0x38, 0xFF, 0xFF, 0xFF, 0xFF};
    CHECK(bench.pad().last_apdu() == echo_with(data));
    CHECK(response.abData == with_sw(data));
    CHECK(bench.pad().entries_taken() == 1);
}

TEST_CASE("modification with the current PIN: old and new blocks at their offsets") {
    Bench bench(pinpad_config({{"1234"}, {"567890"}}));
    const auto response = bench.modify(modification(0x02, 0x00, 0x08, filled(16, 0xFF)));
    REQUIRE(response.processed());
    const Bytes data{0x31, 0x32, 0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xFF,
                     0x35, 0x36, 0x37, 0x38, 0x39, 0x30, 0xFF, 0xFF};
    CHECK(bench.pad().last_apdu() == echo_with(data));
    CHECK(response.abData == with_sw(data));
    CHECK(bench.pad().entries_taken() == 2);
}

TEST_CASE("modification with confirmation: the new PIN twice; a mismatch ends the command") {
    const Bytes data{0x31, 0x32, 0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xFF,
                     0x35, 0x36, 0x37, 0x38, 0xFF, 0xFF, 0xFF, 0xFF};
    SUBCASE("current, new, new again") {
        Bench bench(pinpad_config({{"1234"}, {"5678"}, {"5678"}}));
        REQUIRE(bench.modify(modification(0x03, 0x00, 0x08, filled(16, 0xFF))).processed());
        CHECK(bench.pad().last_apdu() == echo_with(data));
        CHECK(bench.pad().entries_taken() == 3);
    }
    SUBCASE("new, new again, without the current PIN") {
        Bench bench(pinpad_config({{"5678"}, {"5678"}}));
        REQUIRE(bench.modify(modification(0x01, 0x00, 0x00, filled(8, 0xFF))).processed());
        CHECK(bench.pad().last_apdu() == echo_with({0x35, 0x36, 0x37, 0x38, 0xFF, 0xFF, 0xFF, 0xFF}));
        CHECK(bench.pad().entries_taken() == 2);
    }
    SUBCASE("the confirmation differs") {
        Bench bench(pinpad_config({{"1234"}, {"5678"}, {"5679"}}));
        const auto response = bench.modify(modification(0x03, 0x00, 0x08, filled(16, 0xFF)));
        CHECK(response.failed());
        CHECK(response.bError == kErrorPinMismatch);
        CHECK(bench.pad().apdus().empty());
        CHECK(bench.pad().entries_taken() == 3);
    }
    SUBCASE("cancel at the current PIN: no further entry is asked for") {
        Bench bench(pinpad_config({{"1234", PinUserAction::cancel}, {"5678"}, {"5678"}}));
        const auto response = bench.modify(modification(0x03, 0x00, 0x08, filled(16, 0xFF)));
        CHECK(response.bError == kErrorPinCancelled);
        CHECK(bench.pad().entries_taken() == 1);
        CHECK(bench.pad().entries_waiting() == 2);
    }
    SUBCASE("timeout at the confirmation") {
        Bench bench(pinpad_config({{"1234"}, {"5678"}, {"56", PinUserAction::time_out}}));
        const auto response = bench.modify(modification(0x03, 0x00, 0x08, filled(16, 0xFF)));
        CHECK(response.bError == kErrorPinTimeout);
        CHECK(bench.pad().apdus().empty());
    }
}

TEST_CASE("modification with three messages: bMsgIndex2 and bMsgIndex3 shift the template") {
    Bench bench(pinpad_config({{"1234"}, {"5678"}, {"5678"}}));
    auto structure = modification(0x03, 0x08, 0x00, filled(16, 0x00));
    structure.bNumberMessage = 0x03;
    structure.bMsgIndex2 = 0x01;
    structure.bMsgIndex3 = 0x02;
    const auto response = bench.modify(structure);
    REQUIRE(response.processed());
    CHECK(bench.pad().last_apdu() == echo_with({0x35, 0x36, 0x37, 0x38, 0x00, 0x00, 0x00, 0x00,
                                                0x31, 0x32, 0x33, 0x34, 0x00, 0x00, 0x00, 0x00}));
}

// --- malformed structures: bError is the offending field's offset (CCID 6.2.6) ---------------
// The offsets are literals from the message layout (CCID 6.1.11, 6.1.11.7, 6.1.11.8); the
// first test checks them against the bytes the transport encoder lays out.

TEST_CASE("the field offsets are where the encoder puts the fields") {
    transport::PinVerification v = verification(0xA1, 0xB2, 0x03, 0xC4D5, filled(8, 0xFF));
    v.bEntryValidationCondition = 0xE6;
    v.bNumberMessage = 0xF7;
    v.abPINApdu[0] = 0x9C;
    const auto verify = transport::encode_secure_pin_verification(transport::MessageLimits{0, 271}, {0, 0}, v);
    REQUIRE(verify.has_value());
    const Bytes& m = *verify;
    CHECK(m[10] == 0x00);  // bPINOperation
    CHECK(m[12] == 0xA1);
    CHECK(m[13] == 0xB2);
    CHECK(m[14] == 0x03);
    CHECK(m[15] == 0xD5);  // wPINMaxExtraDigit, little-endian: YY (maximum) first
    CHECK(m[16] == 0xC4);
    CHECK(m[17] == 0xE6);
    CHECK(m[18] == 0xF7);
    CHECK(m[25] == 0x9C);  // abPINApdu

    transport::PinModification p = modification(0x03, 0x11, 0x22, filled(8, 0xFF));
    p.wPINMaxExtraDigit = 0x3344;
    p.bEntryValidationCondition = 0x55;
    p.bNumberMessage = 0x66;
    p.abPINApdu[0] = 0x9C;
    for (const int indexes : {1, 3}) {
        if (indexes == 3) {
            p.bMsgIndex2 = 0x01;
            p.bMsgIndex3 = 0x02;
        }
        const auto modify = transport::encode_secure_pin_modification(transport::MessageLimits{0, 271}, {0, 0}, p);
        REQUIRE(modify.has_value());
        const Bytes& n = *modify;
        CHECK(n[10] == 0x01);
        CHECK(n[15] == 0x11);
        CHECK(n[16] == 0x22);
        CHECK(n[17] == 0x44);
        CHECK(n[19] == 0x03);
        CHECK(n[20] == 0x55);
        CHECK(n[21] == 0x66);
        CHECK(n[27 + indexes] == 0x9C);
    }
    // The model's names for them.
    CHECK(kOffsetBmFormatString == 12);
    CHECK(kOffsetVerifyAbPINApdu == 25);
    CHECK(kOffsetBInsertionOffsetNew == 16);
    CHECK(kOffsetModifyAbPINApdu1 == 28);
}

TEST_CASE("a malformed verification structure names its field") {
    struct Case {
        const char* what;
        std::uint8_t bError;
        void (*edit)(transport::PinVerification&);
    };
    const Case cases[] = {
        {"RFU PIN coding", 12, [](auto& p) { p.bmFormatString = 0x83; }},
        {"PIN position past the block", 12, [](auto& p) { p.bmFormatString = 0xC2; }},
        {"block size 0", 13, [](auto& p) { p.bmPINBlockString = 0x00; }},
        {"block larger than the data", 13, [](auto& p) { p.bmPINBlockString = 0x09; }},
        {"RFU bits in bmPINLengthFormat", 14, [](auto& p) { p.bmPINLengthFormat = 0x20; }},
        {"length field past the block", 14,
         [](auto& p) { p.bmPINBlockString = 0x88; p.bmPINLengthFormat = 0x18; }},
        {"maximum 0", 15, [](auto& p) { p.wPINMaxExtraDigit = 0x0000; }},
        {"minimum above maximum", 15, [](auto& p) { p.wPINMaxExtraDigit = 0x0804; }},
        {"minimum the block cannot hold", 15,
         [](auto& p) { p.bmPINBlockString = 0x04; p.wPINMaxExtraDigit = 0x0508; }},
        {"no validation condition", 17,
         [](auto& p) { p.bEntryValidationCondition = 0x00; }},
        {"reserved validation condition", 17,
         [](auto& p) { p.bEntryValidationCondition = 0x0A; }},
        {"two messages for a verification", 18, [](auto& p) { p.bNumberMessage = 0x02; }},
        {"template without Lc", 25, [](auto& p) { p.abPINApdu = {0x00, 0x20, 0x00, 0x01}; }},
        {"Lc longer than the data", 25, [](auto& p) { p.abPINApdu[4] = 0x0A; }},
        {"Lc 0", 25, [](auto& p) { p.abPINApdu = {0x00, 0x20, 0x00, 0x01, 0x00}; }},
    };
    for (const Case& c : cases) {
        CAPTURE(c.what);
        Bench bench(pinpad_config());
        auto structure = verification(0x82, 0x08, 0x00, 0x0408, filled(8, 0xFF));
        c.edit(structure);
        check_refused(bench, bench.verify(structure), c.bError);
    }
}

TEST_CASE("a malformed modification structure names its field") {
    struct Case {
        const char* what;
        std::uint8_t bError;
        void (*edit)(transport::PinModification&);
    };
    const Case cases[] = {
        {"RFU PIN coding", 12, [](auto& p) { p.bmFormatString = 0x83; }},
        {"current PIN block past the data", 15, [](auto& p) { p.bInsertionOffsetOld = 0x09; }},
        {"new PIN block past the data", 16, [](auto& p) { p.bInsertionOffsetNew = 0x09; }},
        {"old and new blocks overlap", 16, [](auto& p) { p.bInsertionOffsetNew = 0x04; }},
        {"minimum above maximum", 17, [](auto& p) { p.wPINMaxExtraDigit = 0x0904; }},
        {"reserved bConfirmPIN bits", 19, [](auto& p) { p.bConfirmPIN = 0x07; }},
        {"no validation condition", 20,
         [](auto& p) { p.bEntryValidationCondition = 0x00; }},
        {"four messages", 21, [](auto& p) { p.bNumberMessage = 0x04; }},
        {"template without Lc, one message index", 28,
         [](auto& p) { p.abPINApdu = {0x00, 0x24, 0x00, 0x01}; }},
        {"template without Lc, three message indexes", 30,
         [](auto& p) {
             p.bNumberMessage = 0x03;
             p.bMsgIndex2 = 0x01;
             p.bMsgIndex3 = 0x02;
             p.abPINApdu = {0x00, 0x24, 0x00, 0x01};
         }},
    };
    for (const Case& c : cases) {
        CAPTURE(c.what);
        Bench bench(pinpad_config());
        auto structure = modification(0x03, 0x00, 0x08, filled(16, 0xFF));
        c.edit(structure);
        check_refused(bench, bench.modify(structure), c.bError);
    }
    // Without the current PIN, bInsertionOffsetOld is not looked at.
    Bench bench(pinpad_config({{"5678"}, {"5678"}}));
    CHECK(bench.modify(modification(0x01, 0x40, 0x08, filled(16, 0xFF))).processed());
}

TEST_CASE("bPINOperation, wLevelParameter and a cut structure are refused at their offsets") {
    Bench bench(pinpad_config());
    const Bytes structure = transport::encode_pin_verification_structure(
        verification(0x82, 0x08, 0x00, 0x0408, filled(8, 0xFF)));
    SUBCASE("operations the pad does not model") {
        for (const std::uint8_t operation : {0x02, 0x03, 0x04, 0x05, 0x06}) {
            Bytes abData{operation};
            abData.insert(abData.end(), structure.begin(), structure.end());
            check_refused(bench, bench.secure(abData), 10);  // bPINOperation
        }
    }
    SUBCASE("wLevelParameter other than 0") {
        Bytes abData{0x00};
        abData.insert(abData.end(), structure.begin(), structure.end());
        check_refused(bench, bench.secure(abData, 0x0001), 8);  // wLevelParameter
    }
    SUBCASE("a structure shorter than its fixed part, or no abData") {
        check_refused(bench, bench.secure(Bytes{0x00, 0x00, 0x82, 0x08}), 1);  // dwLength
        check_refused(bench, bench.secure(Bytes{0x01, 0x00, 0x82, 0x08, 0x00, 0x00}), 1);  // dwLength
        check_refused(bench, bench.secure(Bytes{}), 1);  // dwLength
    }
}

TEST_CASE("a pad without modification refuses bPINOperation 01") {
    ReaderConfig config = pinpad_config();
    config.pin_pad->modification = false;
    Bench bench(config);
    check_refused(bench, bench.modify(modification(0x00, 0x00, 0x00, filled(8, 0xFF))), 10);  // bPINOperation
    CHECK(bench.verify(verification(0x82, 0x08, 0x00, 0x0408, filled(8, 0xFF))).processed());
}

// --- the card side ------------------------------------------------------------------------------

TEST_CASE("no powered card: ICC_MUTE before the user is asked") {
    const auto device = make_device(pinpad_config());
    Host host(*device);
    const auto response = host.run(transport::encode_secure_pin_verification(
        host.limits(), host.next(), verification(0x82, 0x08, 0x00, 0x0408, filled(8, 0xFF))));
    CHECK(response.failed());
    CHECK(response.bError == kErrorIccMute);
    CHECK(device->pin_pad()->entries_taken() == 0);
}

TEST_CASE("at TPDU level with T=1 the APDU goes in one I-block with bTeoPrologue's NAD and PCB") {
    ReaderConfig config = pinpad_config({{"2468"}});
    auto& features = config.descriptor.dwFeatures;
    features = (features & ~0x00070000u) | transport::kFeatureTpduLevel;
    Bench bench(config);
    REQUIRE(wire::protocol_num(bench.device->slot_parameters(0)) == 1);
    auto structure = verification(0x82, 0x08, 0x00, 0x0408, filled(8, 0xFF));
    structure.bTeoPrologue = {0x00, 0x00, 0x00};  // NAD 0, I-block N(S) 0
    const auto response = bench.verify(structure);
    REQUIRE(response.processed());
    const Bytes data{0x32, 0x34, 0x36, 0x38, 0xFF, 0xFF, 0xFF, 0xFF};
    CHECK(bench.pad().last_apdu() == echo_with(data));
    // The card's I-block: NAD, PCB N(S) 0, LEN, data + 9000, EDC.
    const Bytes inf = with_sw(data);
    REQUIRE(response.abData.size() == t1::kPrologueSize + inf.size() + 1);
    CHECK(response.abData[0] == 0x00);
    CHECK(response.abData[1] == 0x00);
    CHECK(response.abData[2] == inf.size());
    CHECK(Bytes(response.abData.begin() + 3, response.abData.end() - 1) == inf);
}
