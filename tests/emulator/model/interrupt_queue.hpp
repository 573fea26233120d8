// The interrupt IN pipe of the emulated reader (CCID 6.3): what waits to be sent there.
//
// RDR_to_PC_NotifySlotChange (6.3.1) is built when the host reads it, from the slots'
// current presence bits and the change bits gathered since the last notification, so
// that an insertion followed by a removal before the host looks still shows the change.
// At most one NotifySlotChange waits at a time; RDR_to_PC_HardwareError (6.3.2) messages
// queue in order with it.
//
// Plain value; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "base/bytes.hpp"
#include "tests/emulator/wire/ccid_wire.hpp"

namespace tessera::emulator {

class InterruptQueue {
public:
    /// `present[n]`: slot n holds a card at start. With `notify_at_start`, a notification
    /// with the change bit of every occupied slot waits from the beginning.
    InterruptQueue(std::vector<bool> present, bool notify_at_start);

    /// Slot `slot` now holds a card or not: its change bit is set and a NotifySlotChange
    /// waits. A replaced card is reported as a change too (the bit says "changed").
    void slot_changed(std::size_t slot, bool present);
    /// RDR_to_PC_HardwareError for `bSlot` (CCID 6.3.2).
    void hardware_error(std::uint8_t bSlot, std::uint8_t bSeq, std::uint8_t code);

    /// The next message to send, removed from the queue; nullopt when none waits.
    std::optional<Bytes> next();
    bool empty() const noexcept { return waiting_.empty(); }

private:
    enum class Kind { notify, hardware_error };
    struct Waiting {
        Kind kind = Kind::notify;
        Bytes message;  // a hardware error, written when queued
    };

    std::vector<wire::SlotState> slots_;
    std::deque<Waiting> waiting_;
    bool notify_waiting_ = false;
};

}  // namespace tessera::emulator
