#include "tests/emulator/model/interrupt_queue.hpp"

namespace tessera::emulator {

InterruptQueue::InterruptQueue(std::vector<bool> present, bool notify_at_start) {
    bool any = false;
    for (const bool card : present) {
        slots_.push_back(transport::SlotChange{card, notify_at_start && card});
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

void InterruptQueue::hardware_error(const transport::HardwareError& error) {
    waiting_.push_back({Kind::hardware_error, error});
}

std::optional<Bytes> InterruptQueue::next() {
    if (waiting_.empty()) {
        return std::nullopt;
    }
    const Waiting front = waiting_.front();
    waiting_.pop_front();
    if (front.kind == Kind::hardware_error) {
        return transport::encode_hardware_error(front.error);
    }
    notify_waiting_ = false;
    Bytes message = transport::encode_notify_slot_change(slots_);
    for (auto& slot : slots_) {
        slot.changed = false;
    }
    return message;
}

}  // namespace tessera::emulator
