// Slot APDU exchange: dispatch to the reader's exchange level (CCID 5.1 dwFeatures bits
// 16..18, 6.1.4) and the protocol in force.
#include <algorithm>

#include "transport/reader/apdu_level.hpp"
#include "transport/reader/character_level.hpp"
#include "transport/reader/reader_context.hpp"
#include "transport/reader/reader_error.hpp"
#include "transport/reader/slot.hpp"
#include "transport/reader/slot_xfr.hpp"
#include "transport/reader/tpdu_level.hpp"

namespace tessera::reader {

using transport::ExchangeLevel;

// A TPDU reader waits WT for the procedure byte and between characters, restarting it on
// NULL bytes with time extensions of its own (ISO 7816-3 10.2): two WT plus the frames of
// the largest TPDU (5 + 256 characters of 12 etu each).
std::chrono::milliseconds Slot::t0_tpdu_timeout() const {
    const std::uint8_t wi = parsed_atr_ ? parsed_atr_->wi : t0::kDefaultWi;
    return usb_timeout(iso7816::t0_waiting_time(rate_, wi) * 2 + iso7816::etu_duration(rate_, 12 * 261),
                       context_.options.command_overhead);
}

// An APDU reader runs the whole protocol; the configured wait, but never less than the
// card's own waiting time (WT for T=0, BWT for T=1).
std::chrono::milliseconds Slot::apdu_level_timeout() const {
    if (!parsed_atr_ || !active_) return context_.options.apdu_timeout;
    const auto card_wait = active_->protocol == 1
                               ? iso7816::t1_block_waiting_time(rate_, parsed_atr_->bwi)
                               : iso7816::t0_waiting_time(rate_, parsed_atr_->wi);
    return std::max(context_.options.apdu_timeout, usb_timeout(card_wait * 2, context_.options.command_overhead));
}

Result<Bytes> Slot::transmit_locked(ByteView apdu, std::size_t max_response) {
    if (context_.board.gone()) return fail(usb::UsbError::no_device);
    if (!powered_ || !parsed_atr_) return fail(ReaderError::card_inactive);
    if (card_removed_since_power_on()) {
        forget_card();
        return fail(ReaderError::no_card);
    }
    if (apdu.size() < 4 || apdu.size() > kMaxCommandApdu) return fail(ReaderError::invalid_apdu);
    if (!active_) {
        auto link = select_protocol_locked(protocols_);
        if (!link) return fail(link.error());
    }
    const auto overhead = context_.options.command_overhead;
    const bool t1 = active_->protocol == 1;
    Xfr xfr(*this);
    Result<Bytes> answer = ReaderError::not_supported;
    switch (context_.caps.exchange_level) {
        case ExchangeLevel::extended_apdu:
            answer = transmit_extended_apdu(xfr, apdu, apdu_level_timeout(), max_response);
            break;
        case ExchangeLevel::short_apdu:
            answer = transmit_short_apdu(xfr, apdu, apdu_level_timeout(), max_response);
            break;
        case ExchangeLevel::tpdu:
            answer = t1 ? transmit_t1_blocks(xfr, *t1_engine_, apdu, overhead, max_response)
                        : transmit_t0_tpdu(xfr, apdu, t0_tpdu_timeout(), max_response);
            break;
        case ExchangeLevel::character:
            answer = t1 ? transmit_t1_characters(xfr, *t1_engine_, edc_, apdu, overhead, max_response)
                        : transmit_t0_characters(xfr, *t0_engine_, apdu, overhead, max_response);
            break;
    }
    ++exchanges_since_atr_;
    if (!answer) {
        if (answer.error() == ReaderError::no_card) forget_card();
        return fail(answer.error());
    }
    return answer;
}

}  // namespace tessera::reader
