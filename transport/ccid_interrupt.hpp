// Decoders for the interrupt-IN messages (USB CCID rev 1.1 section 6.3):
// RDR_to_PC_NotifySlotChange (6.3.1) and RDR_to_PC_HardwareError (6.3.2).
//
// NotifySlotChange carries two bits per slot in bmSlotICCState, slot 0 in the two least
// significant bits of the first byte: bit 2n = slot n has an ICC, bit 2n+1 = slot n changed
// since the last notification. Its size is fixed by the slot count:
// 1 + ceil((bMaxSlotIndex + 1) x 2 / 8) bytes, exactly; the padding bits after the last
// slot are ignored. The decoded list has one entry per slot, so a reader cannot make the
// driver index past its slots.
//
// Pure functions; no state, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "transport/ccid_error.hpp"
#include "transport/ccid_message.hpp"

namespace tessera::transport {

/// One slot's two bits of bmSlotICCState (CCID 6.3.1).
struct SlotChange {
    bool present = false;  // current state: an ICC is present
    bool changed = false;  // the state changed since the last NotifySlotChange

    bool operator==(const SlotChange&) const = default;
};

/// RDR_to_PC_NotifySlotChange: slots[n] is slot n, for n = 0 .. bMaxSlotIndex.
struct NotifySlotChange {
    std::vector<SlotChange> slots;
};

/// bHardwareErrorCode values (CCID 6.3.2).
inline constexpr std::uint8_t kHardwareErrorOvercurrent = 0x01;

/// RDR_to_PC_HardwareError (CCID 6.3.2).
struct HardwareError {
    std::uint8_t bSlot = 0;
    std::uint8_t bSeq = 0;
    std::uint8_t bHardwareErrorCode = 0;  // kept raw: codes other than 01 are reported too

    bool overcurrent() const noexcept { return bHardwareErrorCode == kHardwareErrorOvercurrent; }
};

using InterruptMessage = std::variant<NotifySlotChange, HardwareError>;

/// The exact size of a NotifySlotChange for bMaxSlotIndex + 1 slots.
constexpr std::size_t notify_slot_change_size(std::uint8_t bMaxSlotIndex) noexcept {
    return 1 + (static_cast<std::size_t>(bMaxSlotIndex + 1) * 2 + 7) / 8;
}

inline constexpr std::size_t kHardwareErrorSize = 4;

/// Errors: too_short (empty), unknown_interrupt_type (not 0x50), notify_length_mismatch.
Result<NotifySlotChange> decode_notify_slot_change(ByteView message, std::uint8_t bMaxSlotIndex);

/// Errors: too_short (empty), unknown_interrupt_type (not 0x51), hardware_error_length,
/// slot_out_of_range.
Result<HardwareError> decode_hardware_error(ByteView message, std::uint8_t bMaxSlotIndex);

/// Either message, by bMessageType.
Result<InterruptMessage> decode_interrupt(ByteView message, std::uint8_t bMaxSlotIndex);

/// The reader side, for emulators and tests: slots[n] is slot n (at least one slot).
Bytes encode_notify_slot_change(std::span<const SlotChange> slots);
Bytes encode_hardware_error(const HardwareError& error);

}  // namespace tessera::transport
