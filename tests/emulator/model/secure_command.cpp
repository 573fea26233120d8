#include "tests/emulator/model/secure_command.hpp"

#include <algorithm>

#include "tests/emulator/model/pin_block.hpp"
#include "tests/emulator/model/pin_structure.hpp"
#include "tests/emulator/model/slot_errors.hpp"
#include "tests/emulator/wire/ccid_wire.hpp"

namespace tessera::emulator {
namespace {

SecureVerdict refuse(std::uint8_t bError) {
    SecureVerdict verdict;
    verdict.bError = bError;
    return verdict;
}

PinEntryRules rules_for(const PinCommand& command) {
    PinEntryRules rules;
    rules.min_digits = command.min_digits;
    rules.max_digits = std::min<std::size_t>(command.max_digits, command.format.capacity_digits());
    rules.bEntryValidationCondition = command.bEntryValidationCondition;
    return rules;
}

}  // namespace

SecureVerdict answer_secure(ByteView message, PinPad* pad, bool card_ready) {
    if (pad == nullptr) {
        return refuse(kErrorCommandNotSupported);
    }
    // CCID 6.1.11: wLevelParameter 0001..0010 continue a structure sent in several
    // messages (extended APDU level); not modelled.
    if (wire::read_le16(message, 8) != 0) {
        return refuse(kOffsetWLevelParameter);
    }
    const PinCommandParse parsed = parse_pin_command(message.subspan(wire::kHeaderSize), pad->config());
    if (!parsed.command) {
        return refuse(parsed.bError);
    }
    const PinCommand& command = *parsed.command;
    if (!card_ready) {
        return refuse(kErrorIccMute);
    }

    const PinEntryRules rules = rules_for(command);
    Bytes apdu = command.abPINApdu;
    if (command.modification && (command.bConfirmPIN & kEnterCurrentPin) != 0) {
        const PinEntryResult current = pad->enter(rules);
        if (!current.pin) {
            return refuse(current.bError);
        }
        write_pin_block(apdu, command.bInsertionOffsetOld, command.format, *current.pin);
    }
    const PinEntryResult pin = pad->enter(rules);
    if (!pin.pin) {
        return refuse(pin.bError);
    }
    if (command.modification && (command.bConfirmPIN & kConfirmNewPin) != 0) {
        const PinEntryResult again = pad->enter(rules);
        if (!again.pin) {
            return refuse(again.bError);
        }
        if (*again.pin != *pin.pin) {
            return refuse(kErrorPinMismatch);
        }
    }
    write_pin_block(apdu, command.bInsertionOffsetNew, command.format, *pin.pin);
    pad->record_apdu(apdu);

    SecureVerdict verdict;
    verdict.failed = false;
    verdict.apdu = std::move(apdu);
    verdict.bTeoPrologue = command.bTeoPrologue;
    return verdict;
}

}  // namespace tessera::emulator
