#include "transport/reader/apdu_level.hpp"

#include <algorithm>

#include "transport/ccid_command.hpp"
#include "transport/reader/reader_error.hpp"

namespace tessera::reader {

using transport::ChainParameter;
using transport::XfrChain;

bool is_extended_apdu(ByteView apdu) noexcept {
    return apdu.size() > 5 && apdu[4] == 0x00;
}

namespace {

std::error_code check_response_size(std::size_t size, std::size_t max_response) {
    if (size < 2) return ReaderError::protocol_error;  // no SW1 SW2
    if (size > max_response) return ReaderError::buffer_too_small;
    return {};
}

std::uint16_t level(XfrChain chain) { return static_cast<std::uint16_t>(chain); }

// Sends the command APDU in parts (CCID 6.1.4 Table 6.1-3); returns the DataBlock that
// answers the last part.
Result<transport::Response> send_command(XfrChannel& channel, ByteView apdu,
                                         std::chrono::milliseconds timeout) {
    const std::size_t part = channel.max_data_length();
    if (part == 0) return ReaderError::not_supported;
    if (apdu.size() <= part) return channel.xfr_block(apdu, level(XfrChain::begins_and_ends), timeout);
    std::size_t offset = 0;
    for (;;) {
        const std::size_t size = std::min(part, apdu.size() - offset);
        const bool first = offset == 0;
        const bool last = offset + size == apdu.size();
        const XfrChain chain = first ? XfrChain::begins_continues
                               : last ? XfrChain::ends
                                      : XfrChain::continues;
        auto answer = channel.xfr_block(apdu.subspan(offset, size), level(chain), timeout);
        if (!answer || last) return answer;
        if (answer->bChainParameter != ChainParameter::continue_command || !answer->abData.empty()) {
            return ReaderError::protocol_error;  // 6.2.1: 10h asks for the next part
        }
        offset += size;
    }
}

}  // namespace

Result<Bytes> transmit_short_apdu(XfrChannel& channel, ByteView apdu,
                                  std::chrono::milliseconds timeout, std::size_t max_response) {
    if (apdu.size() < 4) return ReaderError::invalid_apdu;
    if (is_extended_apdu(apdu) || apdu.size() > channel.max_data_length()) {
        return ReaderError::not_supported;
    }
    auto answer = channel.xfr_block(apdu, 0, timeout);
    if (!answer) return answer.error();
    if (answer->bChainParameter != ChainParameter::begins_and_ends) return ReaderError::protocol_error;
    if (auto error = check_response_size(answer->abData.size(), max_response)) return error;
    return std::move(answer->abData);
}

Result<Bytes> transmit_extended_apdu(XfrChannel& channel, ByteView apdu,
                                     std::chrono::milliseconds timeout, std::size_t max_response) {
    if (apdu.size() < 4) return ReaderError::invalid_apdu;
    if (apdu.size() > kMaxCommandApdu) return ReaderError::invalid_apdu;
    auto answer = send_command(channel, apdu, timeout);
    if (!answer) return answer.error();

    Bytes response;
    ChainParameter chain = answer->bChainParameter;
    if (chain != ChainParameter::begins_and_ends && chain != ChainParameter::begins_continues) {
        return ReaderError::protocol_error;
    }
    for (std::size_t parts = 1;; ++parts) {
        const std::size_t total = response.size() + answer->abData.size();
        if (total > kMaxResponseApdu) return ReaderError::protocol_error;  // beyond any APDU
        if (total > max_response) return ReaderError::buffer_too_small;
        response.insert(response.end(), answer->abData.begin(), answer->abData.end());
        if (!answer->response_continues()) break;
        if (answer->abData.empty() || parts >= kMaxResponseParts) return ReaderError::protocol_error;
        answer = channel.xfr_block({}, level(XfrChain::continue_response), timeout);
        if (!answer) return answer.error();
        chain = answer->bChainParameter;
        if (chain != ChainParameter::continues && chain != ChainParameter::ends) {
            return ReaderError::protocol_error;
        }
    }
    if (auto error = check_response_size(response.size(), max_response)) return error;
    return response;
}

}  // namespace tessera::reader
