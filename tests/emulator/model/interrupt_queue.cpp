#include "tests/emulator/model/interrupt_queue.hpp"

namespace tessera::emulator {

InterruptQueue::InterruptQueue(std::vector<bool> present, bool notify_at_start) {
    bool any = false;
    for (const bool card : present) {
        slots_.push_back(wire::SlotState{card, notify_at_start && card});
        any = any || card;
    }
    if (slots_.empty()) {
        slots_.push_back({});
    }
    if (notify_at_start && any) {
        waiting_.push_back({Kind::notify, {}});
        notify_waiting_ = true;
    }
}

void InterruptQueue::slot_changed(std::size_t slot, bool present) {
    if (slot >= slots_.size()) {
        return;
    }
    slots_[slot].present = present;
    slots_[slot].changed = true;
    if (!notify_waiting_) {
        waiting_.push_back({Kind::notify, {}});
        notify_waiting_ = true;
    }
}

void InterruptQueue::hardware_error(std::uint8_t bSlot, std::uint8_t bSeq, std::uint8_t code) {
    waiting_.push_back({Kind::hardware_error, wire::write_hardware_error(bSlot, bSeq, code)});
}

std::optional<Bytes> InterruptQueue::next() {
    if (waiting_.empty()) {
        return std::nullopt;
    }
    Waiting front = std::move(waiting_.front());
    waiting_.pop_front();
    if (front.kind == Kind::hardware_error) {
        return std::move(front.message);
    }
    notify_waiting_ = false;
    Bytes message = wire::write_notify_slot_change(slots_);
    for (auto& slot : slots_) {
        slot.changed = false;
    }
    return message;
}

}  // namespace tessera::emulator
