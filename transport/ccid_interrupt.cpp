#include "transport/ccid_interrupt.hpp"

namespace tessera::transport {

namespace {
constexpr auto kNotifySlotChange =
    static_cast<std::uint8_t>(MessageType::RDR_to_PC_NotifySlotChange);
constexpr auto kHardwareError = static_cast<std::uint8_t>(MessageType::RDR_to_PC_HardwareError);
}  // namespace

Result<NotifySlotChange> decode_notify_slot_change(ByteView message, std::uint8_t bMaxSlotIndex) {
    if (message.empty()) {
        return MessageError::too_short;
    }
    if (message[0] != kNotifySlotChange) {
        return MessageError::unknown_interrupt_type;
    }
    if (message.size() != notify_slot_change_size(bMaxSlotIndex)) {
        return MessageError::notify_length_mismatch;
    }
    const std::size_t slot_count = static_cast<std::size_t>(bMaxSlotIndex) + 1;
    NotifySlotChange notification;
    notification.slots.reserve(slot_count);
    for (std::size_t slot = 0; slot < slot_count; ++slot) {
        // Four slots per byte of bmSlotICCState, slot 0 in bits 0 (state) and 1 (change).
        const std::uint8_t bits = message[1 + slot / 4] >> ((slot % 4) * 2);
        notification.slots.push_back({(bits & 0x01) != 0, (bits & 0x02) != 0});
    }
    return notification;
}

Result<HardwareError> decode_hardware_error(ByteView message, std::uint8_t bMaxSlotIndex) {
    if (message.empty()) {
        return MessageError::too_short;
    }
    if (message[0] != kHardwareError) {
        return MessageError::unknown_interrupt_type;
    }
    if (message.size() != kHardwareErrorSize) {
        return MessageError::hardware_error_length;
    }
    if (message[1] > bMaxSlotIndex) {
        return MessageError::slot_out_of_range;
    }
    return HardwareError{message[1], message[2], message[3]};
}

Result<InterruptMessage> decode_interrupt(ByteView message, std::uint8_t bMaxSlotIndex) {
    if (message.empty()) {
        return MessageError::too_short;
    }
    if (message[0] == kNotifySlotChange) {
        auto notification = decode_notify_slot_change(message, bMaxSlotIndex);
        if (!notification) {
            return notification.error();
        }
        return InterruptMessage{std::move(*notification)};
    }
    if (message[0] == kHardwareError) {
        auto error = decode_hardware_error(message, bMaxSlotIndex);
        if (!error) {
            return error.error();
        }
        return InterruptMessage{*error};
    }
    return MessageError::unknown_interrupt_type;
}

Bytes encode_notify_slot_change(std::span<const SlotChange> slots) {
    Bytes out(1 + (slots.size() * 2 + 7) / 8, 0);
    out[0] = kNotifySlotChange;
    for (std::size_t slot = 0; slot < slots.size(); ++slot) {
        const unsigned bits =
            (slots[slot].present ? 0x01U : 0U) | (slots[slot].changed ? 0x02U : 0U);
        out[1 + slot / 4] |= static_cast<std::uint8_t>(bits << ((slot % 4) * 2));
    }
    return out;
}

Bytes encode_hardware_error(const HardwareError& error) {
    return {kHardwareError, error.bSlot, error.bSeq, error.bHardwareErrorCode};
}

}  // namespace tessera::transport
