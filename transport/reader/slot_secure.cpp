// Slot PIN entry: PC_to_RDR_Secure (CCID 6.1.11), answered by RDR_to_PC_DataBlock with the
// card's response APDU (CCID 6.2.1) at the levels where the reader runs the APDU.
#include <algorithm>

#include "transport/reader/reader_context.hpp"
#include "transport/reader/reader_error.hpp"
#include "transport/reader/slot.hpp"

namespace tessera::reader {

using namespace std::chrono;

Result<std::size_t> Slot::verify_pin(const transport::PinVerification& pin,
                                     std::span<std::uint8_t> response) {
    if (!context_.caps.pin_support.verification) return make_error_code(ReaderError::not_supported);
    return secure(
        [&](transport::Address address) {
            return transport::encode_secure_pin_verification(context_.limits, address, pin);
        },
        pin.bTimeOut, response);
}

Result<std::size_t> Slot::modify_pin(const transport::PinModification& pin,
                                     std::span<std::uint8_t> response) {
    if (!context_.caps.pin_support.modification) return make_error_code(ReaderError::not_supported);
    return secure(
        [&](transport::Address address) {
            return transport::encode_secure_pin_modification(context_.limits, address, pin);
        },
        pin.bTimeOut, response);
}

Result<std::size_t> Slot::secure(const CommandEncoder& encode, std::uint8_t bTimeOut,
                                 std::span<std::uint8_t> response) {
    std::lock_guard command_lock(context_.command_mutex);
    if (context_.board.gone()) return fail(usb::UsbError::no_device);
    if (!powered_ || !parsed_atr_) return fail(ReaderError::card_inactive);
    if (card_removed_since_power_on()) {
        forget_card();
        return fail(ReaderError::no_card);
    }
    if (!active_) {
        auto link = select_protocol_locked(protocols_);
        if (!link) return fail(link.error());
    }
    const transport::ExchangeLevel level = context_.caps.exchange_level;
    const bool reader_runs_apdu = level == transport::ExchangeLevel::short_apdu ||
                                  level == transport::ExchangeLevel::extended_apdu ||
                                  (level == transport::ExchangeLevel::tpdu && active_->protocol == 0);
    if (!reader_runs_apdu) return fail(ReaderError::not_supported);
    const seconds entry{bTimeOut == 0 ? 30 : bTimeOut};
    auto answer = command(encode, duration_cast<milliseconds>(entry) + apdu_level_timeout());
    ++exchanges_since_atr_;
    if (!answer) return fail(answer.error());
    if (!answer->card_present()) {
        forget_card();
        return fail(ReaderError::no_card);
    }
    if (answer->failed()) return fail(answer->slot_error());
    if (answer->abData.size() < 2) return fail(ReaderError::protocol_error);
    if (answer->abData.size() > response.size()) return fail(ReaderError::buffer_too_small);
    std::copy(answer->abData.begin(), answer->abData.end(), response.begin());
    return answer->abData.size();
}

}  // namespace tessera::reader
