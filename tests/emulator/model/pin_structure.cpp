#include "tests/emulator/model/pin_structure.hpp"

#include "tests/emulator/model/slot_errors.hpp"
#include "tests/emulator/wire/ccid_wire.hpp"

namespace tessera::emulator {
namespace {

constexpr std::size_t kApduHeader = 5;     // CLA INS P1 P2 Lc (ISO 7816-4 5.1)
// Fixed parts, bPINOperation included, before abPINApdu (one message index).
constexpr std::size_t kVerifyFixed = 15;
constexpr std::size_t kModifyFixed = 18;

PinCommandParse refuse(std::uint8_t bError) {
    return {std::nullopt, bError};
}

std::uint8_t offset_of(PinFormatField field) {
    switch (field) {
        case PinFormatField::format_string: return kOffsetBmFormatString;
        case PinFormatField::block_string: return kOffsetBmPINBlockString;
        case PinFormatField::length_format: return kOffsetBmPINLengthFormat;
    }
    return kOffsetBmFormatString;
}

// ISO 7816-4 5.1: a template with a short Lc, its data, and at most a one-byte Le.
bool apdu_template_ok(const Bytes& apdu) {
    if (apdu.size() < kApduHeader || apdu[4] == 0) {
        return false;
    }
    const std::size_t lc = apdu[4];
    return apdu.size() == kApduHeader + lc || apdu.size() == kApduHeader + lc + 1;
}

bool block_fits(const Bytes& apdu, std::size_t base, const PinBlockFormat& format) {
    return base + format.block_size <= apdu[4];
}

// The fields both structures share, at their own offsets.
struct Common {
    std::uint8_t bmFormatString, bmPINBlockString, bmPINLengthFormat;
    std::uint16_t wPINMaxExtraDigit;
    std::uint8_t bEntryValidationCondition, bNumberMessage;
    std::uint8_t offset_max_extra, offset_condition, offset_number;
};

// The format bytes and wPINMaxExtraDigit; 0 when they are good.
std::uint8_t check_format_and_sizes(const Common& c, PinCommand& out) {
    PinFormatField bad{};
    const auto format = decode_pin_block_format(c.bmFormatString, c.bmPINBlockString, c.bmPINLengthFormat, bad);
    if (!format) {
        return offset_of(bad);
    }
    out.format = *format;
    out.min_digits = static_cast<std::uint8_t>(c.wPINMaxExtraDigit >> 8);
    out.max_digits = static_cast<std::uint8_t>(c.wPINMaxExtraDigit & 0xFF);
    if (out.max_digits == 0 || out.min_digits > out.max_digits ||
        out.min_digits > out.format.capacity_digits()) {
        return c.offset_max_extra;
    }
    return 0;
}

// bEntryValidationCondition and bNumberMessage; 0 when they are good.
std::uint8_t check_entry(const Common& c, bool modification, PinCommand& out) {
    if (c.bEntryValidationCondition == 0 || (c.bEntryValidationCondition & ~0x07) != 0) {
        return c.offset_condition;
    }
    out.bEntryValidationCondition = c.bEntryValidationCondition;
    const std::uint8_t n = c.bNumberMessage;
    const bool number_ok = n == 0x00 || n == 0x01 || n == 0xFF || (modification && (n == 0x02 || n == 0x03));
    return number_ok ? 0 : c.offset_number;
}

// CCID 6.1.11.7
PinCommandParse parse_verification(ByteView s) {
    if (s.size() < kVerifyFixed) {
        return refuse(kOffsetDwLength);
    }
    PinCommand command;
    const Common common{s[2], s[3], s[4], wire::read_le16(s, 5), s[7], s[8],
                        kOffsetVerifyWPINMaxExtraDigit, kOffsetVerifyBEntryValidationCondition,
                        kOffsetVerifyBNumberMessage};
    if (const std::uint8_t bad = check_format_and_sizes(common, command)) {
        return refuse(bad);
    }
    if (const std::uint8_t bad = check_entry(common, false, command)) {
        return refuse(bad);
    }
    command.bTeoPrologue = {s[12], s[13], s[14]};
    command.abPINApdu.assign(s.begin() + kVerifyFixed, s.end());
    if (!apdu_template_ok(command.abPINApdu)) {
        return refuse(kOffsetVerifyAbPINApdu);
    }
    if (!block_fits(command.abPINApdu, 0, command.format)) {
        return refuse(kOffsetBmPINBlockString);
    }
    return {std::move(command), 0};
}

// CCID 6.1.11.8
PinCommandParse parse_modification(ByteView s) {
    if (s.size() < kModifyFixed) {
        return refuse(kOffsetDwLength);
    }
    PinCommand command;
    command.modification = true;
    const Common common{s[2], s[3], s[4], wire::read_le16(s, 7), s[10], s[11],
                        kOffsetModifyWPINMaxExtraDigit, kOffsetModifyBEntryValidationCondition,
                        kOffsetModifyBNumberMessage};
    // Fields in message order, but for the insertion offsets, which are checked against
    // the template's Lc below.
    if (const std::uint8_t bad = check_format_and_sizes(common, command)) {
        return refuse(bad);
    }
    if ((s[9] & ~0x03) != 0) {
        return refuse(kOffsetBConfirmPIN);
    }
    if (const std::uint8_t bad = check_entry(common, true, command)) {
        return refuse(bad);
    }
    command.bConfirmPIN = s[9];
    command.bInsertionOffsetOld = s[5];
    command.bInsertionOffsetNew = s[6];
    const std::size_t indexes = (common.bNumberMessage == 2 || common.bNumberMessage == 3) ? common.bNumberMessage : 1;
    const std::size_t fixed = kModifyFixed + (indexes - 1);
    if (s.size() < fixed) {
        return refuse(kOffsetDwLength);
    }
    const std::size_t prologue = fixed - 3;
    command.bTeoPrologue = {s[prologue], s[prologue + 1], s[prologue + 2]};
    command.abPINApdu.assign(s.begin() + static_cast<std::ptrdiff_t>(fixed), s.end());
    if (!apdu_template_ok(command.abPINApdu)) {
        return refuse(static_cast<std::uint8_t>(kOffsetModifyAbPINApdu1 + indexes - 1));
    }
    const bool current = (command.bConfirmPIN & kEnterCurrentPin) != 0;
    if (current && !block_fits(command.abPINApdu, command.bInsertionOffsetOld, command.format)) {
        return refuse(kOffsetBInsertionOffsetOld);
    }
    if (!block_fits(command.abPINApdu, command.bInsertionOffsetNew, command.format)) {
        return refuse(kOffsetBInsertionOffsetNew);
    }
    if (current) {
        const std::size_t old_start = command.bInsertionOffsetOld;
        const std::size_t new_start = command.bInsertionOffsetNew;
        const std::size_t size = command.format.block_size;
        if (old_start < new_start + size && new_start < old_start + size) {
            return refuse(kOffsetBInsertionOffsetNew);
        }
    }
    return {std::move(command), 0};
}

}  // namespace

PinCommandParse parse_pin_command(ByteView abData, const PinPadConfig& pad) {
    if (abData.empty()) {
        return refuse(kOffsetDwLength);
    }
    // CCID 6.1.11: bPINOperation 00 verification, 01 modification; 02..06 (the T=1 PIN
    // buffer operations) are not modelled.
    const std::uint8_t operation = abData[0];
    if (operation == 0x00 && pad.verification) {
        return parse_verification(abData);
    }
    if (operation == 0x01 && pad.modification) {
        return parse_modification(abData);
    }
    return refuse(kOffsetBPINOperation);
}

}  // namespace tessera::emulator
