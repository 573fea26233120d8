// PinPadConfig: the PIN pad of an emulated CCID reader as plain data: which PIN
// operations it offers (bPINSupport, CCID 5.1), its display (wLcdLayout), and what the
// simulated user does at the keypad. Part of ReaderConfig; the running state (the queue of
// entries not yet typed, the APDUs built) is PinPad (pin_pad.hpp).
//
// The model keeps no time: a "timeout" is something the user does (leaves the keypad), not
// something a clock measures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::emulator {

/// How the user ends one PIN entry.
enum class PinUserAction : std::uint8_t {
    validate,  // types the digits, then presses the validation key
    cancel,    // presses Cancel (CCID 6.2.6 PIN_CANCELLED)
    time_out,  // types the digits, then leaves the keypad (PIN_TIMEOUT unless
               // bEntryValidationCondition lets the maximum size or the timeout validate)
};

/// One PIN entry: the keys the user presses, in order. Only '0'..'9' are digit keys;
/// any other character is a key the keypad ignores.
struct PinEntry {
    std::string digits;
    PinUserAction action = PinUserAction::validate;
};

struct PinPadConfig {
    bool verification = true;      // bPINSupport bit 0: bPINOperation 00
    bool modification = true;      // bPINSupport bit 1: bPINOperation 01
    std::uint16_t wLcdLayout = 0;  // 0xXXYY: XX lines, YY characters per line; 0 = no LCD
    /// What the user types when the queue is empty (validated with the key).
    std::string default_pin = "1234";
    /// The entries typed first, in order (a modification with confirmation takes up to
    /// three: current PIN, new PIN, new PIN again). Tests add more through
    /// CcidDevice::pin_pad().
    std::vector<PinEntry> entries;

    /// bPINSupport as the class descriptor carries it.
    std::uint8_t bPINSupport() const noexcept {
        return static_cast<std::uint8_t>((verification ? 0x01 : 0x00) | (modification ? 0x02 : 0x00));
    }
};

}  // namespace tessera::emulator
