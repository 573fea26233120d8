#include "ifdhandler/ccid_channel.hpp"

#include <algorithm>
#include <type_traits>

#include "ifdhandler/quirk_options.hpp"
#include "transport/ccid_error.hpp"
#include "transport/usb/usb_error.hpp"

namespace tessera::ifd {
namespace {

using reader::ReaderError;

ReaderFacts facts_of(const usb::UsbPortInfo& port, const transport::ReaderCapabilities& caps,
                     bool interrupt_events) {
    const transport::ClassDescriptor& d = caps.descriptor;
    ReaderFacts facts;
    facts.vendor_name = port.manufacturer;
    facts.product_name = port.product.empty() ? port.name : port.product;
    facts.serial = port.serial;
    facts.vendor_id = port.vendor_id;
    facts.product_id = port.product_id;
    facts.bcd_device = port.bcd_device;
    facts.bus = port.bus;
    facts.address = port.address;
    facts.slots = static_cast<std::uint8_t>(std::min<std::size_t>(caps.slots, 255));
    facts.dwProtocols = d.dwProtocols;
    facts.dwDefaultClock = d.dwDefaultClock;
    facts.dwMaximumClock = d.dwMaximumClock;
    facts.dwDataRate = d.dwDataRate;
    facts.dwMaxDataRate = d.dwMaxDataRate;
    facts.dwMaxIFSD = caps.max_ifsd;
    // The largest command APDU: extended level carries 4 + 3 + 65535 + 3 bytes by chaining;
    // the others what one message holds (10-byte header).
    facts.max_apdu = caps.exchange_level == transport::ExchangeLevel::extended_apdu
                         ? 65544u
                         : std::min<std::uint32_t>(caps.max_message_length > 10
                                                       ? caps.max_message_length - 10
                                                       : 0,
                                                   261);
    facts.bPINSupport = d.bPINSupport;
    facts.wLcdLayout = d.wLcdLayout;
    facts.interrupt_events = interrupt_events;
    return facts;
}

}  // namespace

std::error_code to_channel_error(std::error_code error, Operation operation) {
    if (!error) return {};
    const std::error_code reader_error = reader::to_reader_error(error);
    switch (static_cast<ReaderError>(reader_error.value())) {
        case ReaderError::no_card:
            return ChannelError::no_card;
        case ReaderError::card_inactive:
            return ChannelError::card_unpowered;
        case ReaderError::card_mute:
            return operation == Operation::power ? ChannelError::power_failed : ChannelError::timeout;
        case ReaderError::bad_atr:
            return ChannelError::power_failed;
        case ReaderError::protocol_error:
            return operation == Operation::protocol ? ChannelError::pps_failed
                                                    : ChannelError::communication;
        case ReaderError::reader_gone:
            return ChannelError::device_gone;
        case ReaderError::timeout:
            return ChannelError::timeout;
        case ReaderError::not_supported:
            return operation == Operation::protocol ? ChannelError::protocol_not_supported
                                                    : ChannelError::not_supported;
        case ReaderError::buffer_too_small:
            return ChannelError::insufficient_buffer;
        case ReaderError::invalid_slot:
        case ReaderError::invalid_apdu:
            return ChannelError::bad_request;
        case ReaderError::ok_is_never_used:
        case ReaderError::reader_failed:
        case ReaderError::busy:
        case ReaderError::cancelled:
            return ChannelError::communication;
    }
    return ChannelError::communication;
}

Result<std::shared_ptr<CcidChannel>> CcidChannel::open(usb::UsbContext& context,
                                                       std::string_view device_name,
                                                       const CcidChannelSettings& settings) {
    auto device = device_name.empty() ? context.open(usb::UsbDeviceSelector{})
                                      : context.open(device_name);
    if (!device) {
        const bool missing = device.error() == usb::UsbError::not_found ||
                             device.error() == usb::UsbError::no_device;
        return make_error(missing ? ChannelError::device_gone : ChannelError::communication);
    }
    reader::ReaderOptions options = settings.reader;
    if (settings.quirks) options = apply_quirks(std::move(options), settings.quirks((*device)->info()));
    auto reader = reader::CcidReader::open(**device, options);
    if (!reader) return to_channel_error(reader.error(), Operation::other);
    return std::shared_ptr<CcidChannel>(new CcidChannel(std::move(*device), std::move(*reader)));
}

CcidChannel::CcidChannel(std::unique_ptr<usb::UsbDevice> device,
                         std::unique_ptr<reader::CcidReader> reader)
    : device_(std::move(device)), reader_(std::move(reader)) {
    facts_ = facts_of(device_->info(), reader_->capabilities(), reader_->notifies_slot_changes());
    for (std::size_t i = 0; i < facts_.slots; ++i) {
        auto wait = std::make_unique<SlotWait>();
        if (const auto presence = reader_->presence(i)) wait->polled_generation = presence->generation;
        waits_.push_back(std::move(wait));
    }
}

CcidChannel::~CcidChannel() {
    for (auto& wait : waits_) {
        std::lock_guard lock(wait->mutex);
        wait->stop.request_stop();
    }
    reader_->close();
    reader_.reset();
    device_.reset();
}

bool CcidChannel::gone() const { return removed_.load() || reader_->gone(); }

reader::Slot* CcidChannel::slot_of(std::size_t slot) { return reader_->slot(slot); }

Result<bool> CcidChannel::present(std::size_t slot) {
    if (gone()) return make_error(ChannelError::device_gone);
    if (slot >= waits_.size()) return make_error(ChannelError::bad_request);
    if (reader_->notifies_slot_changes()) {
        const auto presence = reader_->presence(slot);
        if (!presence) return to_channel_error(presence.error(), Operation::other);
        return presence->present;
    }
    const auto present = slot_of(slot)->card_present();
    if (!present) return to_channel_error(present.error(), Operation::other);
    return *present;
}

SlotFacts CcidChannel::slot_facts(std::size_t slot) {
    SlotFacts facts;
    reader::Slot* s = slot_of(slot);
    if (s == nullptr) return facts;
    if (const auto presence = reader_->presence(slot)) facts.present = presence->present;
    if (auto atr = s->atr()) {
        facts.powered = true;
        facts.present = true;
        facts.atr = std::move(*atr);
    }
    if (const auto link = s->link()) facts.protocol = link->protocol;
    return facts;
}

Result<Bytes> CcidChannel::power_up(std::size_t slot) {
    if (gone()) return make_error(ChannelError::device_gone);
    reader::Slot* s = slot_of(slot);
    if (s == nullptr) return make_error(ChannelError::bad_request);
    auto atr = s->power_on(reader::PowerOnOptions{reader::kProtocolT0 | reader::kProtocolT1, false});
    if (!atr) return to_channel_error(atr.error(), Operation::power);
    return atr;
}

Result<Bytes> CcidChannel::reset(std::size_t slot) {
    if (gone()) return make_error(ChannelError::device_gone);
    reader::Slot* s = slot_of(slot);
    if (s == nullptr) return make_error(ChannelError::bad_request);
    if (!s->atr()) return power_up(slot);
    auto atr = s->reset();
    if (!atr) return to_channel_error(atr.error(), Operation::power);
    return atr;
}

std::error_code CcidChannel::power_down(std::size_t slot) {
    if (gone()) return ChannelError::device_gone;
    reader::Slot* s = slot_of(slot);
    if (s == nullptr) return ChannelError::bad_request;
    return to_channel_error(s->power_off(), Operation::other);
}

Result<std::uint8_t> CcidChannel::select_protocol(std::size_t slot, std::uint16_t protocols) {
    if (gone()) return make_error(ChannelError::device_gone);
    reader::Slot* s = slot_of(slot);
    if (s == nullptr) return make_error(ChannelError::bad_request);
    const auto link = s->select_protocol(protocols);
    if (!link) return to_channel_error(link.error(), Operation::protocol);
    return link->protocol;
}

Result<std::size_t> CcidChannel::transmit(std::size_t slot, ByteView apdu,
                                          std::span<std::uint8_t> response) {
    if (gone()) return make_error(ChannelError::device_gone);
    reader::Slot* s = slot_of(slot);
    if (s == nullptr) return make_error(ChannelError::bad_request);
    const auto size = s->transmit(apdu, response);
    if (!size) return to_channel_error(size.error(), Operation::transmit);
    return size;
}

Result<std::size_t> CcidChannel::escape(ByteView command, std::span<std::uint8_t> response) {
    if (gone()) return make_error(ChannelError::device_gone);
    const auto size = reader_->escape(command, response);
    if (!size) return to_channel_error(size.error(), Operation::other);
    return size;
}

template <class Structure>
Result<std::size_t> CcidChannel::secure(std::size_t slot, const Structure& pin,
                                        std::span<std::uint8_t> response) {
    if (gone()) return make_error(ChannelError::device_gone);
    reader::Slot* s = slot_of(slot);
    if (s == nullptr) return make_error(ChannelError::bad_request);
    Result<std::size_t> size = make_error(ChannelError::not_supported);
    if constexpr (std::is_same_v<Structure, transport::PinVerification>) {
        size = s->verify_pin(pin, response);
    } else {
        size = s->modify_pin(pin, response);
    }
    if (size) return size;
    // The user ended the entry at the keypad (CCID 6.2.6 bError): an outcome, kept apart.
    const std::error_code cause = s->last_cause();
    if (cause == transport::CcidError::pin_timeout) return make_error(ChannelError::pin_timeout);
    if (cause == transport::CcidError::pin_cancelled) return make_error(ChannelError::pin_cancelled);
    return to_channel_error(size.error(), Operation::transmit);
}

Result<std::size_t> CcidChannel::verify_pin(std::size_t slot, const transport::PinVerification& pin,
                                            std::span<std::uint8_t> response) {
    return secure(slot, pin, response);
}

Result<std::size_t> CcidChannel::modify_pin(std::size_t slot, const transport::PinModification& pin,
                                            std::span<std::uint8_t> response) {
    return secure(slot, pin, response);
}

WaitOutcome CcidChannel::wait_for_change(std::size_t slot, std::chrono::milliseconds timeout) {
    if (slot >= waits_.size()) return WaitOutcome::stopped;
    if (gone()) return WaitOutcome::device_gone;
    SlotWait& wait = *waits_[slot];
    std::stop_token token;
    std::uint64_t since = 0;
    {
        std::lock_guard lock(wait.mutex);
        if (wait.stop_pending) {
            wait.stop_pending = false;
            wait.stop = std::stop_source();
            return WaitOutcome::stopped;
        }
        token = wait.stop.get_token();
        since = wait.polled_generation;
    }
    std::uint64_t seen = since;
    const auto outcome = reader_->wait_for_slot_change(slot, since, timeout, token, &seen);
    std::lock_guard lock(wait.mutex);
    if (wait.stop.stop_requested()) {
        wait.stop = std::stop_source();
        wait.stop_pending = false;
        return gone() ? WaitOutcome::device_gone : WaitOutcome::stopped;
    }
    if (!outcome) {
        return to_channel_error(outcome.error(), Operation::other) == ChannelError::device_gone
                   ? WaitOutcome::device_gone
                   : WaitOutcome::stopped;
    }
    switch (*outcome) {
        case reader::WaitOutcome::changed:
            wait.polled_generation = seen;
            return WaitOutcome::changed;
        case reader::WaitOutcome::timeout:
            return WaitOutcome::timed_out;
        case reader::WaitOutcome::stopped:
            return WaitOutcome::stopped;
    }
    return WaitOutcome::stopped;
}

void CcidChannel::stop_waiting(std::size_t slot) {
    if (slot >= waits_.size()) return;
    SlotWait& wait = *waits_[slot];
    std::lock_guard lock(wait.mutex);
    wait.stop_pending = true;
    wait.stop.request_stop();
}

void CcidChannel::device_removed() {
    removed_.store(true);
    for (std::size_t slot = 0; slot < waits_.size(); ++slot) stop_waiting(slot);
}

}  // namespace tessera::ifd
