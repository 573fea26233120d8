// Slot power: activation with class selection, deactivation, warm and cold reset
// (ISO/IEC 7816-3:2006 6.2, 6.2.4; CCID 6.1.1 PC_to_RDR_IccPowerOn, 6.1.2 IccPowerOff).
#include <algorithm>

#include "iso7816/atr_error.hpp"
#include "transport/ccid_error.hpp"
#include "transport/reader/reader_context.hpp"
#include "transport/reader/reader_error.hpp"
#include "transport/reader/slot.hpp"
#include "transport/reader/voltage_order.hpp"

namespace tessera::reader {

namespace {

// Failures after which the next class (or, for the last one, giving up) is right: the
// card did not answer or answered garbage at this voltage (ISO 7816-3 6.2.4), or the
// reader refused the voltage (bError = offset 7, bPowerSelect).
bool try_next_voltage(std::error_code error) {
    using transport::CcidError;
    if (error.category() == error_category_of<iso7816::AtrError>()) return true;
    return error == CcidError::icc_mute || error == CcidError::bad_atr_ts ||
           error == CcidError::bad_atr_tck || error == CcidError::hw_error ||
           error == CcidError::icc_class_not_supported || error == CcidError::xfr_parity_error ||
           error == CcidError::xfr_overrun || error == CcidError::bad_parameter;
}

}  // namespace

Result<Bytes> Slot::activate(transport::PowerSelect voltage) {
    auto answer = command(
        [&](transport::Address address) {
            return transport::encode_icc_power_on(context_.limits, address, voltage);  // 6.1.1
        },
        context_.options.power_on_timeout);
    if (!answer) return answer.error();
    if (!answer->card_present()) return ReaderError::no_card;
    if (answer->failed()) return answer->slot_error();
    if (answer->abData.empty()) return transport::CcidError::icc_mute;
    return std::move(answer->abData);
}

void Slot::adopt_atr(CardParameters card, transport::PowerSelect voltage) {
    powered_ = true;
    voltage_ = voltage;
    exchanges_since_atr_ = 0;
    active_.reset();
    t0_engine_.reset();
    t1_engine_.reset();
    if (const auto presence = context_.board.get(index_)) removals_at_power_on_ = presence->removals;
    Bytes logical = card.atr;
    parsed_atr_ = std::move(card);
    std::lock_guard lock(state_mutex_);
    atr_ = std::move(logical);
    link_.reset();
}

Result<Bytes> Slot::power_on_locked(PowerOnOptions options) {
    forget_card();
    protocols_ = options.protocols;
    const auto order = voltage_order(context_.caps, context_.options.power_on_voltage);
    std::error_code last = transport::CcidError::icc_mute;
    std::size_t next = 0;
    while (next < order.size()) {  // at most one try per voltage, ascending
        const transport::PowerSelect voltage = order[next];
        auto raw = activate(voltage);
        if (!raw) {
            if (!try_next_voltage(raw.error())) return raw.error();
            last = raw.error();
            (void)power_off_locked();
            ++next;
            continue;
        }
        auto atr = read_card_parameters(*raw);
        if (!atr) {
            last = atr.error();
            (void)power_off_locked();
            ++next;
            continue;
        }
        if (!class_accepted(*atr, voltage)) {  // ISO 7816-3 6.2.4: go to a listed class
            last = transport::CcidError::icc_class_not_supported;
            const auto listed = next_indicated_voltage(order, voltage, *atr);
            (void)power_off_locked();
            if (!listed) return ReaderError::not_supported;
            next = static_cast<std::size_t>(std::find(order.begin(), order.end(), *listed) - order.begin());
            continue;
        }
        adopt_atr(std::move(*atr), voltage);
        if (options.select_protocol) {
            auto link = select_protocol_locked(protocols_);
            if (!link) return link.error();
        }
        std::lock_guard lock(state_mutex_);
        return atr_.value_or(Bytes{});
    }
    return last;
}

Result<Bytes> Slot::reactivate(bool cold) {
    const transport::PowerSelect voltage = voltage_;
    if (cold) (void)power_off_locked();
    auto raw = activate(voltage);  // while powered: a warm reset (ISO 7816-3 6.2.3)
    if (!raw) {
        forget_card();
        return raw.error();
    }
    auto atr = read_card_parameters(*raw);
    if (!atr) {
        forget_card();
        return atr.error();
    }
    adopt_atr(std::move(*atr), voltage);
    return parsed_atr_->atr;
}

std::error_code Slot::power_off_locked() {
    auto answer = command(
        [&](transport::Address address) {
            return transport::encode_icc_power_off(context_.limits, address);  // 6.1.2
        },
        context_.options.status_timeout);
    forget_card();
    if (!answer) return answer.error();
    if (answer->failed() && answer->card_present()) return answer->slot_error();
    return {};
}

Result<Bytes> Slot::power_on(PowerOnOptions options) {
    std::lock_guard command_lock(context_.command_mutex);
    auto atr = power_on_locked(options);
    if (!atr) return fail(atr.error());
    return atr;
}

std::error_code Slot::power_off() {
    std::lock_guard command_lock(context_.command_mutex);
    // A removal seen since power on: the reader ended that activation (CCID 6.2.6
    // bmICCStatus 2, then 1 for a card inserted after), nothing is left to deactivate.
    const auto presence = context_.board.get(index_);
    if (powered_ && presence && presence->removals != removals_at_power_on_ &&
        !context_.caps.features.automatic_activation) {
        forget_card();
        return {};
    }
    if (const auto error = power_off_locked()) return fail(error);
    return {};
}

Result<Bytes> Slot::reset() {
    std::lock_guard command_lock(context_.command_mutex);
    if (!powered_ || card_removed_since_power_on()) {
        auto atr = power_on_locked(PowerOnOptions{protocols_, true});
        if (!atr) return fail(atr.error());
        return atr;
    }
    auto atr = reactivate(false);
    if (!atr) return fail(atr.error());
    auto link = select_protocol_locked(protocols_);
    if (!link) return fail(link.error());
    return atr;
}

}  // namespace tessera::reader
