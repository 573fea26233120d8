#include "transport/reader/presence_board.hpp"

#include "transport/reader/reader_error.hpp"

namespace tessera::reader {

PresenceBoard::PresenceBoard(std::size_t slots) : slots_(slots) {}

void PresenceBoard::change(std::size_t slot, bool present) {
    SlotPresence& s = slots_[slot];
    if (s.present && !present) ++s.removals;
    if (!present) s.hardware_error.reset();
    s.present = present;
    s.known = true;
    ++s.generation;
}

void PresenceBoard::notify(std::size_t slot, bool present, bool changed) {
    {
        std::lock_guard lock(mutex_);
        if (slot >= slots_.size()) return;
        SlotPresence& s = slots_[slot];
        const bool first = !s.notified;
        if ((!changed || first) && s.known && s.present == present) {
            s.notified = true;
            return;
        }
        if (changed && s.present && present && s.notified) ++s.removals;  // swapped in between
        s.notified = true;
        change(slot, present);
    }
    changed_.notify_all();
}

void PresenceBoard::observe(std::size_t slot, bool present) {
    {
        std::lock_guard lock(mutex_);
        if (slot >= slots_.size()) return;
        SlotPresence& s = slots_[slot];
        if (s.known && s.present == present) return;
        if (!s.known && !present) {  // first report, nothing changed for a waiter
            s.known = true;
            return;
        }
        change(slot, present);
    }
    changed_.notify_all();
}

void PresenceBoard::hardware_error(std::size_t slot, std::uint8_t code) {
    {
        std::lock_guard lock(mutex_);
        if (slot >= slots_.size()) return;
        slots_[slot].hardware_error = code;
        ++slots_[slot].generation;
    }
    changed_.notify_all();
}

void PresenceBoard::mark_gone() {
    {
        std::lock_guard lock(mutex_);
        gone_ = true;
    }
    changed_.notify_all();
}

void PresenceBoard::close() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    changed_.notify_all();
}

bool PresenceBoard::gone() const {
    std::lock_guard lock(mutex_);
    return gone_;
}

Result<SlotPresence> PresenceBoard::get(std::size_t slot) const {
    std::lock_guard lock(mutex_);
    if (slot >= slots_.size()) return ReaderError::invalid_slot;
    return slots_[slot];
}

Result<WaitOutcome> PresenceBoard::wait_for_change(std::size_t slot, std::uint64_t since_generation,
                                                   std::chrono::milliseconds timeout,
                                                   std::stop_token stop, std::uint64_t* seen) {
    std::unique_lock lock(mutex_);
    if (slot >= slots_.size()) return ReaderError::invalid_slot;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const auto settled = [&] {
        return gone_ || closed_ || slots_[slot].generation != since_generation;
    };
    const bool woke = changed_.wait_until(lock, stop, deadline, settled);
    if (seen != nullptr) *seen = slots_[slot].generation;
    if (gone_) return ReaderError::reader_gone;
    if (closed_) return ReaderError::cancelled;
    if (woke) return WaitOutcome::changed;
    return stop.stop_requested() ? WaitOutcome::stopped : WaitOutcome::timeout;
}

}  // namespace tessera::reader
