#include "transport/reader/tpdu_level.hpp"

#include "t0/tpdu.hpp"
#include "transport/ccid_error.hpp"
#include "transport/reader/reader_error.hpp"

namespace tessera::reader {

Result<Bytes> transmit_t0_tpdu(XfrChannel& channel, ByteView apdu,
                               std::chrono::milliseconds timeout, std::size_t max_response) {
    auto tpdu = t0::map_command_apdu(apdu);  // ISO 7816-3 12.2
    if (!tpdu) return tpdu.error();
    Bytes message(tpdu->header.begin(), tpdu->header.end());
    message.insert(message.end(), tpdu->data.begin(), tpdu->data.end());
    auto answer = channel.xfr_block(message, 0, timeout);
    if (!answer) return answer.error();
    const std::size_t size = answer->abData.size();
    if (size < 2 || size > t0::kMaxResponseData + 2) return ReaderError::protocol_error;
    if (size > max_response) return ReaderError::buffer_too_small;
    return std::move(answer->abData);
}

Result<Bytes> transmit_t1_blocks(XfrChannel& channel, t1::Engine& engine, ByteView apdu,
                                 std::chrono::milliseconds overhead, std::size_t max_response) {
    return continue_t1_blocks(channel, engine, engine.start(apdu), overhead, max_response);
}

Result<Bytes> continue_t1_blocks(XfrChannel& channel, t1::Engine& engine, Step step,
                                 std::chrono::milliseconds overhead, std::size_t max_response) {
    for (;;) {  // every card-driven loop is bounded by the engine (t1/engine.hpp)
        if (auto* done = std::get_if<Complete>(&step)) {
            if (done->response.size() > max_response) return ReaderError::buffer_too_small;
            return std::move(done->response);
        }
        if (auto* failed = std::get_if<Failed>(&step)) return failed->error;
        const auto& transmit = std::get<Transmit>(step);
        auto answer = channel.xfr_block(transmit.bytes, 0, usb_timeout(transmit.timeout, overhead));
        if (answer) {
            step = engine.on_received(answer->abData);
        } else if (answer.error() == transport::CcidError::icc_mute) {
            step = engine.on_timeout();
        } else if (answer.error() == transport::CcidError::xfr_parity_error) {
            step = engine.on_parity_error();
        } else {
            engine.reset();
            return answer.error();
        }
    }
}

}  // namespace tessera::reader
