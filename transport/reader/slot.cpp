#include "transport/reader/slot.hpp"

#include <algorithm>

#include "transport/reader/apdu_level.hpp"
#include "transport/reader/reader_context.hpp"
#include "transport/reader/reader_error.hpp"
#include "transport/reader/slot_xfr.hpp"

namespace tessera::reader {

Slot::Slot(std::size_t index, ReaderContext& context) : index_(index), context_(context) {}

Result<transport::Response> Slot::Xfr::xfr_block(ByteView abData, std::uint16_t wLevelParameter,
                                                 std::chrono::milliseconds timeout) {
    const transport::MessageLimits& limits = slot_.context_.limits;
    auto answer = slot_.command(
        [&](transport::Address address) {
            return transport::encode_xfr_block(limits, address, abData, 0, wLevelParameter);
        },
        timeout);
    if (!answer) return answer.error();
    if (!answer->card_present()) return ReaderError::no_card;
    if (answer->failed()) return answer->slot_error();
    return answer;
}

std::size_t Slot::Xfr::max_data_length() const { return slot_.context_.limits.max_data_length(); }

Result<transport::Response> Slot::command(const CommandEncoder& encode,
                                          std::chrono::milliseconds timeout) {
    if (context_.board.gone()) return usb::UsbError::no_device;
    auto answer = context_.channel.run(static_cast<std::uint8_t>(index_), encode, timeout);
    if (!answer) {
        if (context_.channel.device_gone()) context_.board.mark_gone();
        return answer.error();
    }
    context_.board.observe(index_, answer->card_present());
    return answer;
}

std::error_code Slot::fail(std::error_code cause) {
    {
        std::lock_guard lock(state_mutex_);
        last_cause_ = cause;
    }
    return to_reader_error(cause);
}

bool Slot::card_removed_since_power_on() const {
    const auto presence = context_.board.get(index_);
    return !presence || !presence->present || presence->removals != removals_at_power_on_;
}

void Slot::forget_card() {
    powered_ = false;
    parsed_atr_.reset();
    active_.reset();
    t0_engine_.reset();
    t1_engine_.reset();
    exchanges_since_atr_ = 0;
    std::lock_guard lock(state_mutex_);
    atr_.reset();
    link_.reset();
}

Result<SlotStatus> Slot::query_status() {
    std::lock_guard command_lock(context_.command_mutex);
    auto answer = command(
        [&](transport::Address address) {
            return transport::encode_get_slot_status(context_.limits, address);
        },
        context_.options.status_timeout);
    if (!answer) return fail(answer.error());
    if (answer->failed() && answer->card_present()) return fail(answer->slot_error());
    SlotStatus status;
    status.icc = answer->bmICCStatus;
    status.clock = answer->clock_status();
    if (status.icc == transport::IccStatus::absent) forget_card();
    return status;
}

Result<bool> Slot::card_present() {
    if (context_.board.gone()) return fail(usb::UsbError::no_device);
    if (context_.listening.load()) {
        const auto presence = context_.board.get(index_);
        if (presence && presence->known) return presence->present;
    }
    auto status = query_status();
    if (!status) return status.error();
    return status->icc != transport::IccStatus::absent;
}

Result<std::size_t> Slot::transmit(ByteView apdu, std::span<std::uint8_t> response) {
    std::lock_guard command_lock(context_.command_mutex);
    auto answer = transmit_locked(apdu, std::min(response.size(), kMaxResponseApdu));
    if (!answer) return answer.error();
    std::copy(answer->begin(), answer->end(), response.begin());
    return answer->size();
}

Result<Bytes> Slot::transmit(ByteView apdu) {
    std::lock_guard command_lock(context_.command_mutex);
    return transmit_locked(apdu, kMaxResponseApdu);
}

std::optional<Bytes> Slot::atr() const {
    std::lock_guard lock(state_mutex_);
    return atr_;
}

std::optional<ActiveLink> Slot::link() const {
    std::lock_guard lock(state_mutex_);
    return link_;
}

std::error_code Slot::last_cause() const {
    std::lock_guard lock(state_mutex_);
    return last_cause_;
}

}  // namespace tessera::reader
