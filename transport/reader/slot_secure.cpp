// Slot PIN entry: PC_to_RDR_Secure (CCID 6.1.11). Where the reader runs the APDU (short
// or extended APDU level, T=0 at TPDU level) it answers with RDR_to_PC_DataBlock holding
// the card's response APDU (CCID 6.2.1). With T=1 at TPDU level the host runs the
// protocol: the reader builds the I-block around the completed PIN APDU from the host's
// bTeoPrologue (CCID 6.1.11.7) and answers with the card's first block, which the slot's
// T=1 engine takes as the answer to that I-block (t1::Engine::start_delegated); WTX
// requests and a chained response then go through XfrBlock as for any APDU.
#include <algorithm>

#include "transport/reader/reader_context.hpp"
#include "transport/reader/reader_error.hpp"
#include "transport/reader/slot.hpp"
#include "transport/reader/slot_xfr.hpp"
#include "transport/reader/tpdu_level.hpp"

namespace tessera::reader {

using namespace std::chrono;

Result<std::size_t> Slot::verify_pin(const transport::PinVerification& pin,
                                     std::span<std::uint8_t> response) {
    if (!context_.caps.pin_support.verification) return make_error_code(ReaderError::not_supported);
    return secure(
        [&](transport::Address address, const TeoPrologue& prologue) {
            transport::PinVerification structure = pin;
            structure.bTeoPrologue = prologue;
            return transport::encode_secure_pin_verification(context_.limits, address, structure);
        },
        pin.abPINApdu.size(), pin.bTimeOut, response);
}

Result<std::size_t> Slot::modify_pin(const transport::PinModification& pin,
                                     std::span<std::uint8_t> response) {
    if (!context_.caps.pin_support.modification) return make_error_code(ReaderError::not_supported);
    return secure(
        [&](transport::Address address, const TeoPrologue& prologue) {
            transport::PinModification structure = pin;
            structure.bTeoPrologue = prologue;
            return transport::encode_secure_pin_modification(context_.limits, address, structure);
        },
        pin.abPINApdu.size(), pin.bTimeOut, response);
}

Result<std::size_t> Slot::secure(const SecureEncoder& encode, std::size_t apdu_length,
                                 std::uint8_t bTimeOut, std::span<std::uint8_t> response) {
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
    const bool host_runs_t1 = level == transport::ExchangeLevel::tpdu && active_->protocol == 1 &&
                              t1_engine_.has_value();
    if (!reader_runs_apdu && !host_runs_t1) return fail(ReaderError::not_supported);
    TeoPrologue prologue{};  // 00 00 00 where the reader runs the APDU (6.1.11.7)
    if (host_runs_t1) {
        auto started = t1_engine_->start_delegated(apdu_length);
        if (!started) return fail(started.error());
        prologue = *started;
    }
    const seconds entry{bTimeOut == 0 ? 30 : bTimeOut};
    auto answer = command([&](transport::Address address) { return encode(address, prologue); },
                          duration_cast<milliseconds>(entry) + apdu_level_timeout());
    ++exchanges_since_atr_;
    if (host_runs_t1) return finish_secure_t1(answer, response);
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

// The Secure answer at TPDU level with T=1: the card's block to the reader's I-block, or
// the reader's failure. ICC_MUTE and a parity error are the engine's to handle (the block
// went out); any other failure means the block never went out (PIN entry cancelled or
// timed out, the command refused): the engine forgets it, N(S) unchanged.
Result<std::size_t> Slot::finish_secure_t1(const Result<transport::Response>& answer,
                                           std::span<std::uint8_t> response) {
    t1::Engine& engine = *t1_engine_;
    if (!answer) {
        engine.reset();
        return fail(answer.error());
    }
    if (!answer->card_present()) {
        forget_card();
        return fail(ReaderError::no_card);
    }
    const std::error_code refused = answer->failed() ? answer->slot_error() : std::error_code();
    if (refused && refused != transport::CcidError::icc_mute &&
        refused != transport::CcidError::xfr_parity_error) {
        engine.abandon_delegated();
        return fail(refused);
    }
    Step step = !refused                                     ? engine.on_received(answer->abData)
                : refused == transport::CcidError::icc_mute ? engine.on_timeout()
                                                             : engine.on_parity_error();
    Xfr xfr(*this);
    auto apdu = continue_t1_blocks(xfr, engine, std::move(step), context_.options.command_overhead,
                                   response.size());
    if (!apdu) {
        if (apdu.error() == ReaderError::no_card) forget_card();
        return fail(apdu.error());
    }
    if (apdu->size() < 2) return fail(ReaderError::protocol_error);
    std::copy(apdu->begin(), apdu->end(), response.begin());
    return apdu->size();
}

}  // namespace tessera::reader
