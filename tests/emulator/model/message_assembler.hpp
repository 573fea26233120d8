// Reassembles PC_to_RDR messages (CCID 6.1: 10-byte header + dwLength bytes) from bulk
// OUT transfers, the way a reader's firmware does.
//
// A message may span several transfers. It is complete once 10 + dwLength bytes arrived.
// With `short_packet_ends_message`, a transfer that ends in a short packet (its size not a
// multiple of wMaxPacketSize, or a zero-length packet) also ends the message (USB 2.0
// 5.8.3), so a message shorter than its dwLength is reported at once instead of waiting
// forever. What it reports is judged by the caller, who answers with the CCID 6.2.6
// error: a dwLength above dwMaxCCIDMessageLength - 10 (the rest of that message is then
// skipped up to the end of its transfer), fewer or more bytes than the header says.
//
// Plain value; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"

namespace tessera::emulator {

enum class MessageDefect {
    none,
    header_too_short,  // the transfer ended before the 10-byte header did
    too_long,          // dwLength above dwMaxCCIDMessageLength - 10 (bytes: the header)
    shorter_than_length,  // the transfer ended before 10 + dwLength bytes
    longer_than_length,   // the transfer holds bytes after 10 + dwLength
};

struct AssembledMessage {
    Bytes bytes;  // the whole message, or what arrived of it
    MessageDefect defect = MessageDefect::none;
};

class MessageAssembler {
public:
    MessageAssembler(std::size_t max_packet_size, std::uint32_t max_message_length,
                     bool short_packet_ends_message);

    /// Adds one bulk OUT transfer; returns the message it completes, if any.
    std::optional<AssembledMessage> add(ByteView transfer);

    /// Drops a partly received message (the host cleared a halt, or aborted).
    void reset() noexcept;

    bool empty() const noexcept { return buffer_.empty() && !skipping_; }

private:
    bool ends_transfer_with_short_packet(ByteView transfer) const noexcept;

    std::size_t max_packet_size_;
    std::uint32_t max_message_length_;
    bool short_packet_ends_message_;
    Bytes buffer_;
    bool skipping_ = false;  // the rest of an oversized message is being discarded
};

}  // namespace tessera::emulator
