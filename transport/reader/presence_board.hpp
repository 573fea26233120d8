// PresenceBoard: what a reader knows about card presence in each of its slots, and the
// waits on it (pcscd's polling thread).
//
// Fed by the interrupt listener (RDR_to_PC_NotifySlotChange, CCID 6.3.1) and by the
// answers to commands (bmICCStatus, 6.2.6). Each slot has a generation that grows by one
// for every presence change seen (a change bit counts even when the present bit reads
// the same, a card swapped between two notifications), and a removal count the slot uses
// to notice that the card it powered was taken out. A change bit with the card present
// before and after counts as a removal (a swap) only when an earlier notification
// already reported the card: the first notification after open (readers send one for the
// cards inserted before) is no swap, and when it confirms the presence a command already
// reported it is no change either (the generation stays). A waiter is woken only by its own
// slot's change, by stop, by the device going away, or by close().
//
// Threads: every function may be called from any thread. Updates take a short internal
// lock and never block otherwise, so they are safe on the USB event thread (interrupt
// handler). Waits are bounded by their timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "base/result.hpp"

namespace tessera::reader {

/// One slot's presence as the board knows it.
struct SlotPresence {
    bool present = false;
    bool known = false;              // a notification or a command reported it
    std::uint64_t generation = 0;    // grows with every change
    std::uint64_t removals = 0;      // grows with every removal seen
    bool notified = false;           // a NotifySlotChange reported this slot already
    std::optional<std::uint8_t> hardware_error;  // last bHardwareErrorCode (CCID 6.3.2)
};

/// How a wait ended (errors: reader_gone, cancelled after close(), invalid_slot).
enum class WaitOutcome { changed, timeout, stopped };

class PresenceBoard {
public:
    explicit PresenceBoard(std::size_t slots);

    std::size_t slots() const noexcept { return slots_.size(); }

    /// A NotifySlotChange bit pair for `slot` (ignored beyond the slot count).
    void notify(std::size_t slot, bool present, bool changed);
    /// A command's bmICCStatus for `slot`: a change only when it differs from the known
    /// presence.
    void observe(std::size_t slot, bool present);
    /// RDR_to_PC_HardwareError (6.3.2); wakes the slot's waiters.
    void hardware_error(std::size_t slot, std::uint8_t code);
    /// The device is gone: every waiter wakes with reader_gone, now and forever.
    void mark_gone();
    /// The reader closes: every waiter wakes with cancelled, now and forever.
    void close();

    bool gone() const;
    /// Errors: invalid_slot.
    Result<SlotPresence> get(std::size_t slot) const;

    /// Blocks until `slot`'s generation differs from `since_generation`, `stop` is
    /// requested, or `timeout` passes (changed / stopped / timeout). Returns at once when
    /// the generation already moved. With `seen`, the slot's generation when the wait
    /// ended is stored there (read under the same lock as the decision), so a caller can
    /// wait from exactly the state it was woken for. Errors: invalid_slot, reader_gone,
    /// cancelled.
    Result<WaitOutcome> wait_for_change(std::size_t slot, std::uint64_t since_generation,
                                        std::chrono::milliseconds timeout, std::stop_token stop,
                                        std::uint64_t* seen = nullptr);

private:
    void change(std::size_t slot, bool present);

    mutable std::mutex mutex_;
    std::condition_variable_any changed_;
    std::vector<SlotPresence> slots_;
    bool gone_ = false;
    bool closed_ = false;
};

}  // namespace tessera::reader
