#include "tests/sim/t0_tpdu_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>

#include "tests/sim/wire/character.hpp"

namespace tessera::sim {
namespace {

constexpr std::size_t kHeaderSize = 5;  // CLA INS P1 P2 P3
constexpr std::uint8_t kNull = 0x60;
// A card that keeps sending (NULL bytes for ever) meets the reader's patience: after this
// many bursts the reader gives up as its work waiting time would end it.
constexpr std::size_t kMaxBursts = 100'000;

// The card's characters as the reader's UART delivers them, one at a time.
class CardStream {
public:
    CardStream(CardT0& card, iso7816::Convention convention) : card_(card), convention_(convention) {}

    std::optional<std::uint8_t> next() {
        while (waiting_.empty()) {
            if (bursts_++ == kMaxBursts) {
                return std::nullopt;
            }
            const auto burst = card_.next_burst();
            if (!burst || burst->empty()) {
                return std::nullopt;  // the card stays silent: the reader's timeout
            }
            const Bytes logical = wire::line_bytes(*burst, convention_);
            waiting_.insert(waiting_.end(), logical.begin(), logical.end());
        }
        const std::uint8_t byte = waiting_.front();
        waiting_.pop_front();
        return byte;
    }

    void send(ByteView bytes) { card_.receive(wire::line_bytes(bytes, convention_)); }

private:
    CardT0& card_;
    iso7816::Convention convention_;
    std::deque<std::uint8_t> waiting_;
    std::size_t bursts_ = 0;
};

}  // namespace

std::optional<Bytes> run_t0_tpdu(CardT0& card, ByteView tpdu, iso7816::Convention convention) {
    if (tpdu.size() < kHeaderSize) {
        return std::nullopt;
    }
    const std::uint8_t ins = tpdu[1];
    const std::uint8_t p3 = tpdu[4];
    const ByteView to_card = tpdu.subspan(kHeaderSize);
    const bool incoming = !to_card.empty();
    if (incoming && to_card.size() != p3) {
        return std::nullopt;  // 10.3.2: P3 is Lc
    }
    // Outgoing: P3 = Le, '00' asks for 256 bytes (10.3.2).
    const std::size_t expected = incoming ? to_card.size() : (p3 == 0 ? 256 : p3);

    CardStream stream(card, convention);
    stream.send(tpdu.first(kHeaderSize));
    std::size_t moved = 0;  // data bytes sent or received so far
    Bytes received;
    while (true) {
        const auto procedure = stream.next();
        if (!procedure) {
            return std::nullopt;
        }
        const std::uint8_t byte = *procedure;
        if (byte == kNull) {
            continue;  // 10.3.3: NULL, more time
        }
        if ((byte & 0xF0) == 0x60 || (byte & 0xF0) == 0x90) {  // SW1
            const auto sw2 = stream.next();
            if (!sw2) {
                return std::nullopt;
            }
            received.push_back(byte);
            received.push_back(*sw2);
            return received;
        }
        std::size_t count = 0;
        if (byte == ins) {
            count = expected - moved;  // ACK: all remaining data
        } else if (byte == static_cast<std::uint8_t>(ins ^ 0xFF)) {
            count = 1;  // ACK: the next data byte
        } else {
            return std::nullopt;  // not a procedure byte
        }
        if (moved == expected) {
            return std::nullopt;  // an ACK with no data left to move
        }
        if (incoming) {
            stream.send(to_card.subspan(moved, count));
        } else {
            for (std::size_t i = 0; i < count; ++i) {
                const auto data = stream.next();
                if (!data) {
                    return std::nullopt;
                }
                received.push_back(*data);
            }
        }
        moved += count;
    }
}

}  // namespace tessera::sim
