#include "tests/emulator/model/message_assembler.hpp"

#include "tests/emulator/wire/ccid_wire.hpp"

namespace tessera::emulator {

MessageAssembler::MessageAssembler(std::size_t max_packet_size, std::uint32_t max_message_length,
                                   bool short_packet_ends_message)
    : max_packet_size_(max_packet_size == 0 ? 64 : max_packet_size),
      max_message_length_(max_message_length),
      short_packet_ends_message_(short_packet_ends_message) {}

void MessageAssembler::reset() noexcept {
    buffer_.clear();
    skipping_ = false;
}

bool MessageAssembler::ends_transfer_with_short_packet(ByteView transfer) const noexcept {
    return transfer.empty() || transfer.size() % max_packet_size_ != 0;
}

std::optional<AssembledMessage> MessageAssembler::add(ByteView transfer) {
    const bool transfer_ended = ends_transfer_with_short_packet(transfer);
    if (skipping_) {
        skipping_ = !transfer_ended;
        return std::nullopt;
    }
    buffer_.insert(buffer_.end(), transfer.begin(), transfer.end());

    const auto header = wire::read_command_header(buffer_);
    if (!header) {
        if (short_packet_ends_message_ && transfer_ended && !buffer_.empty()) {
            AssembledMessage message{std::move(buffer_), MessageDefect::header_too_short};
            reset();
            return message;
        }
        return std::nullopt;
    }
    const std::uint64_t wanted = wire::kHeaderSize + std::uint64_t{header->dwLength};
    if (wanted > max_message_length_) {
        AssembledMessage message{Bytes(buffer_.begin(), buffer_.begin() + wire::kHeaderSize),
                                 MessageDefect::too_long};
        buffer_.clear();
        skipping_ = !transfer_ended;
        return message;
    }
    if (buffer_.size() < wanted) {
        if (short_packet_ends_message_ && transfer_ended) {
            AssembledMessage message{std::move(buffer_), MessageDefect::shorter_than_length};
            reset();
            return message;
        }
        return std::nullopt;
    }
    const MessageDefect defect =
        buffer_.size() == wanted ? MessageDefect::none : MessageDefect::longer_than_length;
    AssembledMessage message{std::move(buffer_), defect};
    reset();
    return message;
}

}  // namespace tessera::emulator
