// libFuzzer target: the T=1 block codec and engine (ISO/IEC 7816-3:2006 section 11) on
// untrusted card bytes.
//
// Input layout: byte 0 chooses the EDC (b1), the IFSD limit (b2: 254, else 32) and whether
// the exchange begins with a delegated I-block (b3: start_delegated, as for a PIN pad
// reader); the rest is a sequence of records "length, bytes" fed as received blocks. Checks, beyond "no crash":
//   - a block the parser accepts re-encodes to exactly its input bytes, and its INF fits
//     the given information field size;
//   - block_length() agrees with every accepted block's size;
//   - the engine, fed the same blocks as the card's answers, only ever asks to send valid
//     blocks no longer than 259 bytes, never accepts more than its bounds allow, and ends
//     every exchange (Complete or Failed) within a bounded number of steps; after a
//     delegated I-block it never sends an I-block itself.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <variant>

#include "base/bytes.hpp"
#include "t1/block.hpp"
#include "t1/engine.hpp"

using namespace tessera;
using namespace tessera::t1;

namespace {

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

void check_codec(ByteView bytes, EdcType edc, std::size_t max_inf) {
    const auto parsed = parse_block(bytes, edc, max_inf);
    if (!parsed) {
        return;
    }
    check(parsed->inf.size() <= kMaxInfSize);
    if (parsed->kind == BlockKind::i) {
        check(parsed->inf.size() <= max_inf);
    }
    const Bytes encoded = encode_block(*parsed, edc);
    check(std::equal(encoded.begin(), encoded.end(), bytes.begin(), bytes.end()));
    const auto length = block_length(bytes.first(kPrologueSize), edc);
    check(length && *length == bytes.size());
}

// Drives one exchange with the fuzzed blocks as the card's answers; a record of length 0
// stands for "no answer" (timeout).
void check_engine(ByteView records, EdcType edc, std::uint8_t ifsd, bool delegated) {
    Config config;
    config.edc = edc;
    config.ifsd = ifsd;
    config.max_response_blocks = 64;
    config.max_card_requests = 8;
    Engine engine(config);
    const std::uint8_t apdu[] = {0x80, 0xEE, 0x00, 0x00, 0x02, 0xAB, 0xCD, 0x00};
    std::size_t offset = 0;
    const auto feed_next = [&]() -> Step {
        const std::size_t length = std::min<std::size_t>(records[offset], records.size() - offset - 1);
        const ByteView block = records.subspan(offset + 1, length);
        offset += 1 + length;
        return length == 0 ? engine.on_timeout() : engine.on_received(block);
    };
    Step step = Failed{};
    if (delegated) {
        const auto prologue = engine.start_delegated(sizeof apdu);
        check(prologue.has_value() && (*prologue)[2] == sizeof apdu && ((*prologue)[1] & 0xBF) == 0);
        if (records.empty()) {
            engine.abandon_delegated();
            check(engine.state() == State::idle && engine.send_sequence() == 0);
            return;
        }
        step = feed_next();
    } else {
        step = engine.start(ByteView(apdu, sizeof apdu));
    }
    for (int steps = 0;; ++steps) {
        check(steps < 10000);
        const auto* transmit = std::get_if<Transmit>(&step);
        if (transmit == nullptr) {
            break;
        }
        check(transmit->bytes.size() <= kMaxBlockSize);
        const auto sent = parse_block(transmit->bytes, edc);
        check(sent.has_value());
        check(!delegated || sent->kind != BlockKind::i);  // the placeholder never goes out
        check(transmit->receive_length <= kMaxBlockSize);
        if (offset >= records.size()) {
            break;
        }
        step = feed_next();
    }
    if (const auto* complete = std::get_if<Complete>(&step)) {
        check(complete->response.size() <= 64 * kMaxInfSize);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const ByteView input(data, size);
    const EdcType edc = (input[0] & 0x01) ? EdcType::crc : EdcType::lrc;
    const std::uint8_t ifsd = (input[0] & 0x02) ? kMaxInfSize : kDefaultIfs;
    const ByteView rest = input.subspan(1);
    check_codec(rest, edc, ifsd);
    check_engine(rest, edc, ifsd, (input[0] & 0x04) != 0);
    return 0;
}
