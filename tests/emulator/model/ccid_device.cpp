#include "tests/emulator/model/ccid_device.hpp"

#include <algorithm>

#include "tests/emulator/model/slot_errors.hpp"
#include "tests/emulator/model/usb_descriptors.hpp"

namespace tessera::emulator {
namespace {

using wire::MessageType;

constexpr std::uint8_t kSetConfiguration = 0x09;
constexpr std::uint8_t kSetInterface = 0x0B;
constexpr std::uint8_t kGetStatus = 0x00;
using wire::kClassInterfaceIn;
using wire::kClassInterfaceOut;

std::shared_ptr<const SlotEnvironment> make_environment(const ReaderConfig& config) {
    auto environment = std::make_shared<SlotEnvironment>();
    environment->descriptor = config.descriptor;
    environment->clocks_khz = config.clocks_khz;
    environment->data_rates_bps = config.data_rates_bps;
    environment->escape = config.escape;
    environment->answers_beyond_max_message_length = config.answers_beyond_max_message_length;
    return environment;
}

// The PIN pad's capabilities go into the class descriptor (CCID 5.1 bPINSupport,
// wLcdLayout), so that the descriptor and the behaviour agree.
ReaderConfig with_pin_pad_descriptor(ReaderConfig config) {
    if (config.pin_pad) {
        config.descriptor.bPINSupport = config.pin_pad->bPINSupport();
        config.descriptor.wLcdLayout = config.pin_pad->wLcdLayout;
    }
    return config;
}

UsbAnswer done(Bytes data = {}) {
    return UsbAnswer{Completion::done, std::move(data)};
}

Bytes dword_list(const std::vector<std::uint32_t>& values) {
    Bytes out;
    for (const auto value : values) {
        wire::append_le32(out, value);
    }
    return out;
}

void truncate_to(Bytes& data, std::size_t max_length) {
    if (data.size() > max_length) {
        data.resize(max_length);
    }
}

}  // namespace

Result<std::unique_ptr<CcidDevice>> CcidDevice::create(ReaderConfig config) {
    std::unique_ptr<CcidDevice> device(new CcidDevice(std::move(config)));
    std::vector<bool> present(device->slots_.size(), false);
    for (std::size_t slot = 0; slot < device->slots_.size() && slot < device->config_.cards.size(); ++slot) {
        if (const auto& card = device->config_.cards[slot]) {
            if (const auto error = device->slots_[slot].insert(*card)) {
                return error;
            }
            present[slot] = true;
        }
    }
    device->interrupts_ = InterruptQueue(std::move(present), device->config_.notify_at_start);
    return device;
}

CcidDevice::CcidDevice(ReaderConfig config)
    : config_(with_pin_pad_descriptor(std::move(config))),
      identity_(make_identity(config_)),
      environment_(make_environment(config_)),
      assembler_(config_.endpoints.bulk_max_packet_size, config_.descriptor.dwMaxCCIDMessageLength,
                 config_.short_packet_ends_message),
      interrupts_({}, false) {
    const std::size_t count = std::size_t{config_.descriptor.bMaxSlotIndex} + 1;  // CCID 5.1
    for (std::size_t slot = 0; slot < count; ++slot) {
        slots_.emplace_back(environment_, static_cast<std::uint8_t>(slot));
    }
    silent_.resize(count);
    aborts_.resize(count);
    if (config_.pin_pad) {
        pin_pad_.emplace(*config_.pin_pad);
    }
}

// --- test controls ---------------------------------------------------------------------------

std::error_code CcidDevice::insert_card(std::uint8_t slot, InsertedCard card) {
    if (slot >= slots_.size()) {
        return std::make_error_code(std::errc::invalid_argument);
    }
    if (const auto error = slots_[slot].insert(std::move(card))) {
        return error;
    }
    interrupts_.slot_changed(slot, true);
    return {};
}

std::error_code CcidDevice::insert_card(std::uint8_t slot, sim::CardConfig card) {
    InsertedCard inserted;
    inserted.card = std::move(card);
    return insert_card(slot, std::move(inserted));
}

void CcidDevice::remove_card(std::uint8_t slot) {
    if (slot >= slots_.size() || !slots_[slot].card_present()) {
        return;
    }
    slots_[slot].remove();
    interrupts_.slot_changed(slot, false);
}

sim::Card* CcidDevice::card(std::uint8_t slot) noexcept {
    return slot < slots_.size() ? slots_[slot].card() : nullptr;
}

void CcidDevice::hardware_error(std::uint8_t slot, std::uint8_t code) {
    if (slot >= slots_.size()) {
        return;
    }
    slots_[slot].power_cut();
    interrupts_.hardware_error(slot, 0, code);
}

bool CcidDevice::slot_busy(std::uint8_t slot) const {
    if (slot >= slots_.size()) {
        return false;
    }
    if (silent_[slot]) {
        return true;
    }
    return std::any_of(bulk_in_queue_.begin(), bulk_in_queue_.end(),
                       [slot](const Outgoing& o) { return o.in_progress && o.slot == slot; });
}

std::size_t CcidDevice::busy_slot_count() const {
    std::size_t busy = 0;
    for (std::size_t slot = 0; slot < slots_.size(); ++slot) {
        busy += slot_busy(static_cast<std::uint8_t>(slot)) ? 1 : 0;
    }
    return busy;
}

const wire::Parameters& CcidDevice::slot_parameters(std::uint8_t slot) const {
    return slots_.at(slot).parameters();
}

bool CcidDevice::has(const std::vector<FaultKind>& faults, FaultKind kind) {
    return std::find(faults.begin(), faults.end(), kind) != faults.end();
}

// --- USB ---------------------------------------------------------------------------------------

UsbAnswer CcidDevice::stall() {
    ++counters_.stalls;
    return UsbAnswer{Completion::stall, {}};
}

void CcidDevice::clear_halt(std::uint8_t endpoint) {
    if (endpoint == config_.endpoints.bulk_out) {
        bulk_out_halted_ = false;
        assembler_.reset();
    } else if (endpoint == config_.endpoints.bulk_in) {
        bulk_in_halted_ = false;
    }
}

UsbAnswer CcidDevice::bulk_out(std::uint8_t endpoint, ByteView data) {
    if (unplugged_ || unplug_on_next_call_) {
        unplugged_ = true;
        return UsbAnswer{Completion::gone, {}};
    }
    if (endpoint != config_.endpoints.bulk_out || bulk_out_halted_) {
        return stall();
    }
    auto message = assembler_.add(data);
    if (!message) {
        return done();
    }
    std::vector<FaultKind> faults;
    on_message(std::move(*message), faults);
    if (has(faults, FaultKind::bulk_out_stall)) {
        bulk_out_halted_ = true;
        return stall();
    }
    return done();
}

void CcidDevice::on_message(AssembledMessage message, std::vector<FaultKind>& faults) {
    ++counters_.messages_received;
    const ByteView bytes = message.bytes;
    wire::CommandHeader header;
    if (const auto read = wire::read_command_header(bytes)) {
        header = *read;
    } else if (bytes.size() >= 7) {
        header.bMessageType = bytes[0];
        header.bSlot = bytes[5];
        header.bSeq = bytes[6];
    } else {
        return;  // too little to address an answer to: a reader ignores it
    }
    ++counters_.received_by_type[header.bMessageType];
    faults = faults_.on_command(header.bMessageType, header.bSlot);
    if (has(faults, FaultKind::bulk_out_stall)) {
        return;  // the message is lost with the stalled transfer
    }
    if (has(faults, FaultKind::unplug)) {
        unplug_on_next_call_ = true;
        return;
    }

    // CCID 6.2.6: an unknown command is answered with a SlotStatus, CMD_NOT_SUPPORTED.
    if (!wire::is_command(header.bMessageType)) {
        queue_error(header, MessageType::RDR_to_PC_SlotStatus, kErrorCommandNotSupported,
                    header.bSlot < slots_.size() ? slots_[header.bSlot].icc_status()
                                                 : wire::IccStatus::absent);
        return;
    }
    const auto type = static_cast<MessageType>(header.bMessageType);
    const MessageType response_type = *wire::answer_type(header.bMessageType);
    if (header.bSlot >= slots_.size()) {
        queue_error(header, response_type, kOffsetBSlot, wire::IccStatus::absent);
        return;
    }
    const wire::IccStatus status = slots_[header.bSlot].icc_status();
    if (message.defect != MessageDefect::none) {
        queue_error(header, response_type, kOffsetDwLength, status);
        return;
    }
    if (type == MessageType::PC_to_RDR_Abort) {
        if (header.dwLength != 0) {
            queue_error(header, response_type, kOffsetDwLength, status);
            return;
        }
        handle_abort_message(header);
        return;
    }
    if (aborts_[header.bSlot].request_seq) {
        queue_error(header, response_type, kErrorCommandAborted, status);
        return;
    }
    const std::size_t max_busy = std::max<std::size_t>(1, config_.descriptor.bMaxCCIDBusySlots);
    if (slot_busy(header.bSlot) || busy_slot_count() >= max_busy) {
        queue_error(header, response_type, kErrorSlotBusy, status);
        return;
    }
    handle_command(header, bytes, faults);
}

void CcidDevice::handle_command(const wire::CommandHeader& header, ByteView message,
                                const std::vector<FaultKind>& faults) {
    const auto type = static_cast<MessageType>(header.bMessageType);
    const MessageType response_type = *wire::answer_type(header.bMessageType);
    CcidSlot& slot = slots_[header.bSlot];
    if (has(faults, FaultKind::hardware_error)) {
        hardware_error(header.bSlot);
        queue_error(header, response_type, kErrorHardware, slot.icc_status());
        return;
    }
    SlotAnswer answer = slot.execute(header, message, pin_pad());
    if (has(faults, FaultKind::no_answer)) {
        silent_[header.bSlot] = SilentCommand{header.bSeq, type};
        return;
    }
    queue_answer(header, std::move(answer), faults);
}

void CcidDevice::queue_error(const wire::CommandHeader& header, MessageType response_type,
                             std::uint8_t bError, wire::IccStatus status) {
    wire::Answer response;
    response.bMessageType = response_type;
    response.bSlot = header.bSlot;
    response.bSeq = header.bSeq;
    response.bmICCStatus = status;
    response.bmCommandStatus = wire::CommandStatus::failed;
    response.bError = bError;
    Outgoing out;
    out.bytes = wire::write_answer(response);
    out.slot = header.bSlot;
    out.command_seq = header.bSeq;
    out.command_type = static_cast<MessageType>(header.bMessageType);
    bulk_in_queue_.push_back(std::move(out));
}

void CcidDevice::queue_answer(const wire::CommandHeader& header, SlotAnswer answer,
                              const std::vector<FaultKind>& faults) {
    Outgoing base;
    base.slot = header.bSlot;
    base.command_seq = header.bSeq;
    base.command_type = static_cast<MessageType>(header.bMessageType);
    base.in_progress = true;

    // CCID 6.2.6: bmCommandStatus 2, bError the multiplier, while the card works.
    wire::Answer extension;
    extension.bMessageType = MessageType::RDR_to_PC_DataBlock;
    extension.bSlot = header.bSlot;
    extension.bSeq = header.bSeq;
    extension.bmICCStatus = answer.response.bmICCStatus;
    extension.bmCommandStatus = wire::CommandStatus::time_extension;
    extension.bError = answer.time_extension_multiplier;
    const std::size_t first = bulk_in_queue_.size();

    if (has(faults, FaultKind::endless_time_extension)) {
        Outgoing endless = base;
        endless.bytes = wire::write_answer(extension);
        endless.repeats = true;
        bulk_in_queue_.push_back(std::move(endless));
    } else {
        for (std::size_t i = 0; i < answer.time_extensions; ++i) {
            Outgoing more = base;
            more.bytes = wire::write_answer(extension);
            bulk_in_queue_.push_back(std::move(more));
        }
        wire::Answer& response = answer.response;
        if (has(faults, FaultKind::wrong_bseq)) {
            response.bSeq = static_cast<std::uint8_t>(response.bSeq + 1);
        }
        if (has(faults, FaultKind::wrong_bslot)) {
            response.bSlot = static_cast<std::uint8_t>(response.bSlot + 1);
        }
        if (has(faults, FaultKind::oversized_reply)) {
            // dwLength one above what dwMaxCCIDMessageLength allows, data to match.
            const std::uint32_t limit = config_.descriptor.dwMaxCCIDMessageLength;
            const std::size_t too_long = (limit > wire::kHeaderSize ? limit - wire::kHeaderSize : 0) + 1;
            response.abData.resize(std::max(response.abData.size(), too_long), 0x00);
        }
        Outgoing last = base;
        last.bytes = wire::write_answer(response);
        if (has(faults, FaultKind::short_reply) && !last.bytes.empty()) {
            last.bytes.pop_back();
        }
        if (has(faults, FaultKind::trailing_bytes)) {
            last.bytes.push_back(0x00);
        }
        bulk_in_queue_.push_back(std::move(last));
    }
    if (has(faults, FaultKind::bulk_in_stall)) {
        bulk_in_queue_[first].stall_first = true;
    }
}

void CcidDevice::handle_abort_message(const wire::CommandHeader& header) {
    AbortState& state = aborts_[header.bSlot];
    if (state.request_seq == header.bSeq) {
        state = AbortState{};
        wire::Answer response;
        response.bMessageType = MessageType::RDR_to_PC_SlotStatus;
        response.bSlot = header.bSlot;
        response.bSeq = header.bSeq;
        response.bmICCStatus = slots_[header.bSlot].icc_status();
        Outgoing out;
        out.bytes = wire::write_answer(response);
        out.slot = header.bSlot;
        out.command_seq = header.bSeq;
        out.command_type = MessageType::PC_to_RDR_Abort;
        bulk_in_queue_.push_back(std::move(out));
        return;
    }
    state.message_seq = header.bSeq;  // answered when the ABORT request comes
}

void CcidDevice::handle_abort_request(std::uint8_t slot, std::uint8_t bSeq) {
    // The command in progress ends with CMD_ABORTED under its own bSeq.
    std::optional<std::pair<std::uint8_t, MessageType>> aborted;
    if (silent_[slot]) {
        aborted = std::make_pair(silent_[slot]->bSeq, silent_[slot]->type);
        silent_[slot].reset();
    }
    for (auto it = bulk_in_queue_.begin(); it != bulk_in_queue_.end();) {
        if (it->in_progress && it->slot == slot) {
            aborted = std::make_pair(it->command_seq, it->command_type);
            it = bulk_in_queue_.erase(it);
        } else {
            ++it;
        }
    }
    if (aborted) {
        wire::CommandHeader header;
        header.bMessageType = static_cast<std::uint8_t>(aborted->second);
        header.bSlot = slot;
        header.bSeq = aborted->first;
        queue_error(header, *wire::answer_type(header.bMessageType), kErrorCommandAborted,
                    slots_[slot].icc_status());
    }
    AbortState& state = aborts_[slot];
    state.request_seq = bSeq;
    if (state.message_seq == bSeq) {
        wire::CommandHeader header;
        header.bMessageType = static_cast<std::uint8_t>(MessageType::PC_to_RDR_Abort);
        header.bSlot = slot;
        header.bSeq = bSeq;
        handle_abort_message(header);
    }
}

UsbAnswer CcidDevice::in(std::uint8_t endpoint, std::size_t max_length) {
    if (unplugged_ || unplug_on_next_call_) {
        unplugged_ = true;
        return UsbAnswer{Completion::gone, {}};
    }
    if (endpoint == config_.endpoints.bulk_in) {
        return bulk_in(max_length);
    }
    if (config_.endpoints.interrupt_in && endpoint == *config_.endpoints.interrupt_in) {
        return interrupt_in(max_length);
    }
    return stall();
}

UsbAnswer CcidDevice::bulk_in(std::size_t max_length) {
    if (bulk_in_halted_) {
        return stall();
    }
    if (bulk_in_queue_.empty()) {
        return UsbAnswer{Completion::pending, {}};
    }
    Outgoing& front = bulk_in_queue_.front();
    if (front.stall_first) {
        front.stall_first = false;
        bulk_in_halted_ = true;
        return stall();
    }
    Bytes data = front.bytes;
    const bool time_extension = data.size() > 7 && ((data[7] >> 6) & 0x03) == 2;
    if (!front.repeats) {
        bulk_in_queue_.pop_front();
    }
    ++counters_.responses_sent;
    counters_.time_extensions_sent += time_extension ? 1 : 0;
    // UsbDeviceModel::in: a message longer than max_length is sent whole, as a device
    // babbles; the host cuts it to max_length and reports the overflow.
    (void)max_length;
    return done(std::move(data));
}

UsbAnswer CcidDevice::interrupt_in(std::size_t max_length) {
    auto message = interrupts_.next();
    if (!message) {
        return UsbAnswer{Completion::pending, {}};
    }
    ++counters_.interrupts_sent;
    truncate_to(*message, max_length);
    return done(std::move(*message));
}

UsbAnswer CcidDevice::control(const SetupPacket& setup, ByteView out_data) {
    (void)out_data;
    if (unplugged_ || unplug_on_next_call_) {
        unplugged_ = true;
        return UsbAnswer{Completion::gone, {}};
    }
    ++counters_.control_requests;
    const std::uint8_t type_and_recipient = setup.bmRequestType & 0x7F;
    if ((type_and_recipient & 0x60) == 0x20) {
        return class_request(setup);
    }
    if (auto descriptor = standard_descriptor(identity_, setup)) {
        truncate_to(*descriptor, setup.wLength);
        return done(std::move(*descriptor));
    }
    if (setup.bmRequestType == 0x00 && setup.bRequest == kSetConfiguration) {
        return done();
    }
    if (setup.bmRequestType == 0x01 && setup.bRequest == kSetInterface) {
        return done();
    }
    if (setup.is_in() && setup.bRequest == kGetStatus) {
        Bytes status{0x00, 0x00};
        truncate_to(status, setup.wLength);
        return done(std::move(status));
    }
    return stall();
}

// CCID 5.3: class requests to the CCID interface.
UsbAnswer CcidDevice::class_request(const SetupPacket& setup) {
    if ((setup.wIndex & 0xFF) != config_.interface_number) {
        return stall();
    }
    if (setup.bmRequestType == kClassInterfaceOut &&
        setup.bRequest == wire::kRequestAbort) {
        // 5.3.1: wValue = bSeq << 8 | bSlot.
        const auto slot = static_cast<std::uint8_t>(setup.wValue & 0xFF);
        const auto bSeq = static_cast<std::uint8_t>(setup.wValue >> 8);
        if (slot >= slots_.size()) {
            return stall();
        }
        handle_abort_request(slot, bSeq);
        return done();
    }
    if (setup.bmRequestType == kClassInterfaceIn) {
        const std::vector<std::uint32_t>* list = nullptr;
        if (setup.bRequest == wire::kRequestGetClockFrequencies) {
            list = &config_.clocks_khz;  // 5.3.2
        } else if (setup.bRequest == wire::kRequestGetDataRates) {
            list = &config_.data_rates_bps;  // 5.3.3
        }
        if (list != nullptr && !list->empty()) {
            Bytes data = dword_list(*list);
            truncate_to(data, setup.wLength);
            return done(std::move(data));
        }
    }
    return stall();
}

}  // namespace tessera::emulator
