#include "transport/reader/host_pps.hpp"

#include "transport/ccid_error.hpp"

namespace tessera::reader {

bool is_card_pps_refusal(std::error_code error) {
    return error.category() == error_category_of<iso7816::PpsError>() ||
           error == transport::CcidError::icc_mute ||
           error == transport::CcidError::xfr_parity_error ||
           error == transport::CcidError::xfr_overrun ||
           error == transport::CcidError::procedure_byte_conflict;
}

namespace {

Result<Bytes> read_answer(XfrChannel& channel, transport::ExchangeLevel level, ByteView request,
                          std::chrono::milliseconds timeout) {
    if (level != transport::ExchangeLevel::character) {
        auto answer = channel.xfr_block(request, 0, timeout);
        if (!answer) return answer.error();
        return std::move(answer->abData);
    }
    auto head = channel.xfr_block(request, 2, timeout);  // PPSS PPS0
    if (!head) return head.error();
    Bytes bytes = std::move(head->abData);
    const auto length = iso7816::pps_response_length(bytes);
    if (!length || *length <= bytes.size()) return bytes;
    auto tail = channel.xfr_block({}, static_cast<std::uint16_t>(*length - bytes.size()), timeout);
    if (!tail) return tail.error();
    bytes.insert(bytes.end(), tail->abData.begin(), tail->abData.end());
    return bytes;
}

}  // namespace

Result<iso7816::PpsOutcome> exchange_pps(XfrChannel& channel, transport::ExchangeLevel level,
                                         const iso7816::PpsRequest& request,
                                         std::chrono::milliseconds timeout) {
    auto bytes = iso7816::build_pps_request(request);  // 9.2
    if (!bytes) return bytes.error();
    auto answer = read_answer(channel, level, *bytes, timeout);
    if (!answer) {
        if (answer.error() == transport::CcidError::icc_mute) return iso7816::PpsError::no_response;
        return answer.error();
    }
    return iso7816::validate_pps_response(request, *answer);  // 9.3
}

}  // namespace tessera::reader
