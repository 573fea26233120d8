#include "transport/reader/character_level.hpp"

#include <algorithm>

#include "t1/block.hpp"
#include "transport/ccid_error.hpp"
#include "transport/reader/reader_error.hpp"

namespace tessera::reader {

namespace {

Result<Bytes> finish(Step& step, std::size_t max_response) {
    if (auto* done = std::get_if<Complete>(&step)) {
        if (done->response.size() > max_response) return ReaderError::buffer_too_small;
        return std::move(done->response);
    }
    return std::get<Failed>(step).error;
}

bool running(const Step& step) { return std::holds_alternative<Transmit>(step); }

// One step's characters in XfrBlocks of at most max_data_length() bytes (the reader's
// dwMaxCCIDMessageLength - 10, CCID 6.1.4): every piece but the last with wLevelParameter
// 0 (the reader sends them and expects nothing), the last with the step's `wanted`.
// Characters a reader returns early are kept ahead of the last answer's.
Result<transport::Response> send_characters(XfrChannel& channel, ByteView bytes, std::uint16_t wanted,
                                            std::chrono::milliseconds timeout) {
    const std::size_t piece = std::max<std::size_t>(channel.max_data_length(), 1);
    Bytes early;
    std::size_t offset = 0;
    while (bytes.size() - offset > piece) {
        auto sent = channel.xfr_block(bytes.subspan(offset, piece), 0, timeout);
        if (!sent) return sent.error();
        early.insert(early.end(), sent->abData.begin(), sent->abData.end());
        offset += piece;
    }
    auto answer = channel.xfr_block(bytes.subspan(offset), wanted, timeout);
    if (answer && !early.empty()) answer->abData.insert(answer->abData.begin(), early.begin(), early.end());
    return answer;
}

}  // namespace

Result<Bytes> transmit_t0_characters(XfrChannel& channel, t0::Engine& engine, ByteView apdu,
                                     std::chrono::milliseconds overhead, std::size_t max_response) {
    Step step = engine.start(apdu);
    while (running(step)) {  // bounded by the engine (NULL bytes, data counts)
        const auto& transmit = std::get<Transmit>(step);
        // The reader returns at most one message's worth (CCID 6.1.4): ask for no more; the
        // engine takes partial receptions and asks for the rest in its next step.
        const std::size_t most = std::min<std::size_t>(std::max<std::size_t>(channel.max_data_length(), 1), 0xFFFF);
        const auto wanted = static_cast<std::uint16_t>(std::min(transmit.receive_length, most));
        auto answer = send_characters(channel, transmit.bytes, wanted, usb_timeout(transmit.timeout, overhead));
        if (answer) {
            step = engine.on_received(answer->abData);
        } else if (answer.error() == transport::CcidError::icc_mute) {
            step = engine.on_timeout();
        } else {
            engine.reset();
            return answer.error();
        }
    }
    return finish(step, max_response);
}

Result<Bytes> transmit_t1_characters(XfrChannel& channel, t1::Engine& engine, t1::EdcType edc,
                                     ByteView apdu, std::chrono::milliseconds overhead,
                                     std::size_t max_response) {
    Step step = engine.start(apdu);
    while (running(step)) {  // bounded by the engine (retransmissions, RESYNCH, WTX)
        const auto& transmit = std::get<Transmit>(step);
        const auto timeout = usb_timeout(transmit.timeout, overhead);
        auto prologue = channel.xfr_block(transmit.bytes, t1::kPrologueSize, timeout);
        if (!prologue) {
            if (prologue.error() == transport::CcidError::icc_mute) {
                step = engine.on_timeout();
                continue;
            }
            if (prologue.error() == transport::CcidError::xfr_parity_error) {
                step = engine.on_parity_error();
                continue;
            }
            engine.reset();
            return prologue.error();
        }
        Bytes block = std::move(prologue->abData);
        const auto length = block.size() == t1::kPrologueSize
                                ? t1::block_length(block, edc)
                                : Result<std::size_t>(std::error_code(ReaderError::protocol_error));
        if (length && *length > block.size()) {  // at most kMaxBlockSize (LEN is a byte)
            const auto rest = static_cast<std::uint16_t>(*length - block.size());
            auto tail = channel.xfr_block({}, rest, timeout);
            if (!tail) {
                if (tail.error() == transport::CcidError::icc_mute ||
                    tail.error() == transport::CcidError::xfr_parity_error) {
                    step = engine.on_parity_error();  // a block cut short: ask again (11.6.3)
                    continue;
                }
                engine.reset();
                return tail.error();
            }
            block.insert(block.end(), tail->abData.begin(), tail->abData.end());
        }
        step = block.empty() ? engine.on_timeout() : engine.on_received(block);
    }
    return finish(step, max_response);
}

}  // namespace tessera::reader
