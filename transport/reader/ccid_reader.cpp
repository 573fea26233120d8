#include "transport/reader/ccid_reader.hpp"

#include <algorithm>

#include "transport/ccid_interrupt.hpp"
#include "transport/reader/reader_context.hpp"

namespace tessera::reader {

namespace {

// GET_CLOCK_FREQUENCIES / GET_DATA_RATES (CCID 5.3.2, 5.3.3); nullopt when refused or
// answered with nothing (the descriptor's range then stands, CCID 5.1). A count of 0 in
// the descriptor does not stop the request: real readers answer it with their list (as
// libccid asks anyway), so it is sent with room for kMaxRateListEntries dwords and a
// non-empty answer is kept (parse_rate_list with declared 0 keeps every whole dword).
// Answers of the wrong size are taken the same way from every reader, with no quirk flag:
// wLength bounds the answer to bNum*Supported dwords, parse_rate_list keeps whole dwords
// only, and an answer without one (1 to 3 bytes) counts as no list. Readers that refuse
// the request (ReaderOptions::request_*_list false) are not asked at all.
Result<std::optional<transport::RateList>> read_rate_list(usb::UsbPort& port,
                                                          transport::ClassRequest request,
                                                          std::uint8_t declared,
                                                          std::chrono::milliseconds timeout) {
    if (declared == 0 || request.wLength == 0) {
        request.wLength = static_cast<std::uint16_t>(4 * transport::kMaxRateListEntries);  // 1024 bytes
    }
    Bytes buffer(request.wLength);
    const usb::ControlSetup setup{request.bmRequestType, request.bRequest, request.wValue, request.wIndex};
    auto received = port.control(setup, buffer, timeout);
    if (!received) {
        if (received.error() == usb::UsbError::no_device) return received.error();
        return std::optional<transport::RateList>{};
    }
    const std::size_t size = std::min(*received, buffer.size());
    if (declared == 0 && size < 4) return std::optional<transport::RateList>{};  // no whole dword
    return std::optional<transport::RateList>{
        transport::parse_rate_list(ByteView(buffer.data(), size), declared)};
}

transport::MessageLimits limits_of(const transport::ClassDescriptor& descriptor) {
    transport::MessageLimits limits;
    limits.bMaxSlotIndex = descriptor.bMaxSlotIndex;
    std::uint32_t length = descriptor.dwMaxCCIDMessageLength;
    if (length <= transport::kHeaderSize) length = transport::kMinMaxMessageLength;
    limits.dwMaxCCIDMessageLength = std::min(length, transport::kMaxMaxMessageLength);
    return limits;
}

}  // namespace

Result<std::unique_ptr<CcidReader>> CcidReader::open(usb::UsbPort& port, ReaderOptions options) {
    const usb::UsbPortInfo& info = port.info();
    // A vendor-specific interface (class 0xFF) is a CCID one only for the models known to
    // put it there (CCID 4.3 gives CCID class 0x0B); its class descriptor is not looked for
    // anywhere else.
    if (info.interface.bInterfaceClass == transport::kVendorInterfaceClass &&
        !options.descriptor.accept_vendor_interface_class) {
        return to_reader_error(make_error_code(transport::DescriptorError::no_ccid_interface));
    }
    auto found = transport::find_class_descriptors(info.config_descriptor, options.descriptor);
    if (found) {
        for (const auto& entry : *found) {
            if (entry.bInterfaceNumber == info.interface.bInterfaceNumber && !entry.error) {
                return open(port, entry.descriptor, std::move(options));
            }
        }
    }
    auto parsed = transport::parse_class_descriptor(info.interface.extra, options.descriptor);
    if (!parsed) return to_reader_error(parsed.error());
    return open(port, *parsed, std::move(options));
}

Result<std::unique_ptr<CcidReader>> CcidReader::open(usb::UsbPort& port,
                                                     const transport::ClassDescriptor& descriptor,
                                                     ReaderOptions options) {
    const std::uint8_t interface_number = port.info().interface.bInterfaceNumber;
    port.set_zero_length_packet(options.zero_length_packet);  // before the first bulk-OUT
    Result<std::optional<transport::RateList>> clocks = std::optional<transport::RateList>{};
    if (options.request_clock_list) {
        clocks = read_rate_list(port, transport::get_clock_frequencies_request(descriptor, interface_number),
                                descriptor.bNumClockSupported, options.control_timeout);
        if (!clocks) return to_reader_error(clocks.error());
    }
    Result<std::optional<transport::RateList>> rates = std::optional<transport::RateList>{};
    if (options.request_data_rate_list) {
        rates = read_rate_list(port, transport::get_data_rates_request(descriptor, interface_number),
                               descriptor.bNumDataRatesSupported, options.control_timeout);
        if (!rates) return to_reader_error(rates.error());
    }

    auto context = std::make_unique<ReaderContext>(
        port, transport::make_capabilities(descriptor, *clocks, *rates), std::move(options),
        limits_of(descriptor), interface_number);
    std::unique_ptr<CcidReader> reader(new CcidReader(std::move(context)));
    if (const auto error = reader->start_listening()) return to_reader_error(error);
    reader->learn_initial_presence();
    if (reader->gone()) return make_error_code(ReaderError::reader_gone);
    return reader;
}

CcidReader::CcidReader(std::unique_ptr<ReaderContext> context) : context_(std::move(context)) {
    for (std::size_t i = 0; i < context_->caps.slots; ++i) {
        slots_.push_back(std::make_unique<Slot>(i, *context_));
    }
}

CcidReader::~CcidReader() { close(); }

std::error_code CcidReader::start_listening() {
    if (context_->port.info().interrupt_in == 0) return {};
    ReaderContext* context = context_.get();  // outlives the listener: close() stops it first
    const std::uint8_t max_slot = context->caps.descriptor.bMaxSlotIndex;
    const auto error = context_->port.start_interrupt_listener(
        [context, max_slot](std::error_code ended, std::span<const std::uint8_t> data) {
            if (ended) {
                context->listening.store(false);
                if (ended == usb::UsbError::no_device || ended == usb::UsbError::closed) {
                    context->board.mark_gone();
                }
                return;
            }
            auto message = transport::decode_interrupt(data, max_slot);
            if (!message) return;  // malformed: ignored (6.3)
            if (const auto* notify = std::get_if<transport::NotifySlotChange>(&*message)) {
                for (std::size_t i = 0; i < notify->slots.size(); ++i) {
                    context->board.notify(i, notify->slots[i].present, notify->slots[i].changed);
                }
            } else if (const auto* hardware = std::get_if<transport::HardwareError>(&*message)) {
                context->board.hardware_error(hardware->bSlot, hardware->bHardwareErrorCode);
            }
        });
    if (error == usb::UsbError::no_endpoint) return {};
    if (error) return error;
    listener_started_ = true;
    context_->listening.store(true);
    return {};
}

void CcidReader::learn_initial_presence() {
    for (const auto& slot : slots_) {
        (void)slot->query_status();
        if (gone()) return;
    }
}

const transport::ReaderCapabilities& CcidReader::capabilities() const noexcept {
    return context_->caps;
}

Slot* CcidReader::slot(std::size_t index) noexcept {
    return index < slots_.size() ? slots_[index].get() : nullptr;
}

bool CcidReader::notifies_slot_changes() const noexcept { return context_->listening.load(); }

Result<SlotPresence> CcidReader::presence(std::size_t slot) const { return context_->board.get(slot); }

Result<WaitOutcome> CcidReader::wait_for_slot_change(std::size_t slot, std::chrono::milliseconds timeout,
                                                     std::stop_token stop) {
    const auto now = context_->board.get(slot);
    if (!now) return now.error();
    return wait_for_slot_change(slot, now->generation, timeout, std::move(stop));
}

Result<WaitOutcome> CcidReader::wait_for_slot_change(std::size_t slot, std::uint64_t since_generation,
                                                     std::chrono::milliseconds timeout,
                                                     std::stop_token stop, std::uint64_t* seen) {
    if (context_->board.gone()) return make_error_code(ReaderError::reader_gone);
    if (!listener_started_) return make_error_code(ReaderError::not_supported);
    return context_->board.wait_for_change(slot, since_generation, timeout, std::move(stop), seen);
}

Result<std::size_t> CcidReader::escape(ByteView command, std::span<std::uint8_t> response) {
    std::lock_guard command_lock(context_->command_mutex);
    if (context_->board.gone()) return make_error_code(ReaderError::reader_gone);
    auto answer = context_->channel.run(
        0,
        [&](transport::Address address) {
            return transport::encode_escape(context_->limits, address, command);  // 6.1.8
        },
        context_->options.apdu_timeout);
    if (!answer) {
        if (context_->channel.device_gone()) context_->board.mark_gone();
        return to_reader_error(answer.error());
    }
    if (answer->failed()) return to_reader_error(answer->slot_error());
    if (answer->abData.size() > response.size()) return make_error_code(ReaderError::buffer_too_small);
    std::copy(answer->abData.begin(), answer->abData.end(), response.begin());
    return answer->abData.size();
}

bool CcidReader::gone() const { return context_->board.gone(); }  // the slots report the channel's loss

ChannelCounters CcidReader::counters() const {
    std::lock_guard lock(context_->command_mutex);
    return context_->channel.counters();
}

void CcidReader::close() {
    if (closed_) return;
    closed_ = true;
    if (listener_started_) context_->port.stop_interrupt_listener();
    context_->listening.store(false);
    context_->board.close();
}

}  // namespace tessera::reader
