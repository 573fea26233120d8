#include "ifdhandler/driver.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "iso7816/atr.hpp"

namespace tessera::ifd {
namespace {

// pcscd's longest wait is 600 s (PCSCLITE_STATUS_EVENT_TIMEOUT); a negative or absurd
// timeout is capped there so that no poll is unbounded.
constexpr std::chrono::milliseconds kMaxPollWait{600'000};

DWORD reader_number(DWORD lun) { return (lun >> 16) & 0xFFFF; }
std::size_t slot_number(DWORD lun) { return lun & 0xFFFF; }

std::string hex32(DWORD value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%04lX", static_cast<unsigned long>(value));
    return text;
}

RESPONSECODE copy_out(ByteView bytes, std::uint8_t* out, DWORD capacity, DWORD* length) {
    if (bytes.size() > capacity) {
        *length = static_cast<DWORD>(bytes.size());
        return IFD_ERROR_INSUFFICIENT_BUFFER;
    }
    if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
    *length = static_cast<DWORD>(bytes.size());
    return IFD_SUCCESS;
}

}  // namespace

RESPONSECODE response_code(std::error_code error) noexcept {
    if (error.category() == error_category_of<ChannelError>()) {
        switch (static_cast<ChannelError>(error.value())) {
            case ChannelError::no_card:
                return IFD_ICC_NOT_PRESENT;
            case ChannelError::power_failed:
                return IFD_ERROR_POWER_ACTION;
            case ChannelError::protocol_not_supported:
                return IFD_PROTOCOL_NOT_SUPPORTED;
            case ChannelError::pps_failed:
                return IFD_ERROR_PTS_FAILURE;
            case ChannelError::timeout:
                return IFD_RESPONSE_TIMEOUT;
            case ChannelError::device_gone:
                return IFD_NO_SUCH_DEVICE;
            case ChannelError::insufficient_buffer:
                return IFD_ERROR_INSUFFICIENT_BUFFER;
            case ChannelError::not_supported:
                return IFD_ERROR_NOT_SUPPORTED;
            case ChannelError::bad_request:
                return IFD_NOT_SUPPORTED;
            case ChannelError::ok_is_never_used:
            case ChannelError::card_unpowered:
            case ChannelError::communication:
            case ChannelError::pin_timeout:    // answers, not failures: control_feature()
            case ChannelError::pin_cancelled:  // turns them into SW 64 00 / 64 01
                return IFD_COMMUNICATION_ERROR;
        }
    }
    if (error.category() == error_category_of<AttributeError>()) return IFD_ERROR_TAG;
    if (error.category() == error_category_of<PinStructureError>()) return IFD_NOT_SUPPORTED;
    return IFD_COMMUNICATION_ERROR;
}

Driver::Driver(ChannelOpener opener, DriverSettings settings, Log log)
    : opener_(std::move(opener)), settings_(settings), log_(std::move(log)) {}

std::optional<Driver::Target> Driver::find(DWORD lun, std::string_view function) const {
    std::lock_guard lock(mutex_);
    const auto it = readers_.find(reader_number(lun));
    if (it == readers_.end()) {
        log_.write(LogCategory::critical,
                   std::string(function) + ": no reader open for Lun " + hex32(lun));
        return std::nullopt;
    }
    const std::size_t slot = slot_number(lun);
    if (slot >= it->second.channel->facts().slots) {
        log_.write(LogCategory::critical,
                   std::string(function) + ": no slot " + std::to_string(slot) + " (Lun " +
                       hex32(lun) + ")");
        return std::nullopt;
    }
    return Target{it->second.channel, slot};
}

RESPONSECODE Driver::fail(std::string_view function, DWORD lun, std::error_code error) const {
    const RESPONSECODE code = response_code(error);
    const auto category = (code == IFD_ICC_NOT_PRESENT) ? LogCategory::info : LogCategory::critical;
    log_.write(category, std::string(function) + " (Lun " + hex32(lun) + "): " + error.message());
    return code;
}

RESPONSECODE Driver::open(DWORD lun, std::string_view device_name, std::string_view function) {
    {
        std::lock_guard lock(mutex_);
        const auto existing = readers_.find(reader_number(lun));
        if (existing != readers_.end()) {
            Reader& reader = existing->second;
            const std::size_t slot = slot_number(lun);
            if (reader.device_name == device_name && slot < reader.channel->facts().slots &&
                reader.open_slots.insert(slot).second) {
                log_.write(LogCategory::info, std::string(function) + ": Lun " + hex32(lun) +
                                                  " is slot " + std::to_string(slot) + " of " +
                                                  reader.channel->facts().product_name);
                return IFD_SUCCESS;
            }
            log_.write(LogCategory::critical,
                       std::string(function) + ": Lun " + hex32(lun) + " is already open");
            return IFD_COMMUNICATION_ERROR;
        }
        if (readers_.size() >= kSimultaneousReaders) {
            log_.write(LogCategory::critical, std::string(function) + ": too many readers");
            return IFD_COMMUNICATION_ERROR;
        }
    }
    auto channel = opener_(device_name);
    if (!channel) {
        const RESPONSECODE code = fail(function, lun, channel.error());
        return code == IFD_NO_SUCH_DEVICE ? IFD_NO_SUCH_DEVICE : IFD_COMMUNICATION_ERROR;
    }
    std::lock_guard lock(mutex_);
    auto [it, inserted] = readers_.emplace(
        reader_number(lun),
        Reader{std::move(*channel), std::string(device_name), {slot_number(lun)}});
    if (!inserted) return IFD_COMMUNICATION_ERROR;  // opened twice concurrently
    log_.write(LogCategory::info, std::string(function) + ": Lun " + hex32(lun) + " is " +
                                      it->second.channel->facts().product_name + " (" +
                                      std::string(device_name) + ")");
    return IFD_SUCCESS;
}

RESPONSECODE Driver::create_channel_by_name(DWORD lun, std::string_view device_name) {
    if (device_name.empty()) {
        log_.write(LogCategory::critical, "IFDHCreateChannelByName: empty device name");
        return IFD_COMMUNICATION_ERROR;
    }
    return open(lun, device_name, "IFDHCreateChannelByName");
}

RESPONSECODE Driver::create_channel(DWORD lun, DWORD channel) {
    log_.write(LogCategory::info, "IFDHCreateChannel: channel " + hex32(channel) +
                                      " opens the first CCID reader not open yet");
    return open(lun, {}, "IFDHCreateChannel");
}

RESPONSECODE Driver::close_channel(DWORD lun) {
    std::shared_ptr<Channel> channel;
    {
        std::lock_guard lock(mutex_);
        const auto it = readers_.find(reader_number(lun));
        if (it == readers_.end() || it->second.open_slots.erase(slot_number(lun)) == 0) {
            return IFD_COMMUNICATION_ERROR;
        }
        channel = it->second.channel;
        if (it->second.open_slots.empty()) readers_.erase(it);
    }
    const std::size_t slot = slot_number(lun);
    channel->stop_waiting(slot);
    if (channel->slot_facts(slot).powered) (void)channel->power_down(slot);
    log_.write(LogCategory::info, "IFDHCloseChannel: Lun " + hex32(lun) + " closed");
    return IFD_SUCCESS;  // the channel goes with its last user
}

RESPONSECODE Driver::get_capabilities(DWORD lun, DWORD tag, DWORD* length, std::uint8_t* value) {
    if (length == nullptr) return IFD_COMMUNICATION_ERROR;
    const auto target = find(lun, "IFDHGetCapabilities");
    if (!target) return IFD_COMMUNICATION_ERROR;
    const auto bytes = attribute(static_cast<std::uint32_t>(tag), target->channel->facts(),
                                 target->channel->slot_facts(target->slot));
    if (!bytes) {
        log_.write(LogCategory::info, "IFDHGetCapabilities: tag " + hex32(tag) + ": " +
                                          bytes.error().message());
        *length = 0;
        return IFD_ERROR_TAG;
    }
    if (value == nullptr && *length != 0) return IFD_COMMUNICATION_ERROR;
    return copy_out(*bytes, value, *length, length);
}

RESPONSECODE Driver::set_capabilities(DWORD lun, DWORD tag, DWORD length, const std::uint8_t* value) {
    const auto target = find(lun, "IFDHSetCapabilities");
    if (!target) return IFD_COMMUNICATION_ERROR;
    if (tag == kTagIfdDeviceRemoved) {
        if (length >= 1 && value != nullptr && value[0] != 0) {
            log_.write(LogCategory::info, "IFDHSetCapabilities: reader removed (Lun " + hex32(lun) + ")");
            target->channel->device_removed();
        }
        return IFD_SUCCESS;
    }
    log_.write(LogCategory::info, "IFDHSetCapabilities: tag " + hex32(tag) + " cannot be set");
    return IFD_ERROR_TAG;
}

RESPONSECODE Driver::set_protocol_parameters(DWORD lun, DWORD protocol, std::uint8_t flags,
                                             std::uint8_t pts1, std::uint8_t pts2, std::uint8_t pts3) {
    const auto target = find(lun, "IFDHSetProtocolParameters");
    if (!target) return IFD_COMMUNICATION_ERROR;
    // Protocol here is a mask: SCARD_PROTOCOL_T0 = 1, SCARD_PROTOCOL_T1 = 2.
    const DWORD known = SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1;
    if (protocol == 0 || (protocol & ~known) != 0) {
        log_.write(LogCategory::info, "IFDHSetProtocolParameters: protocol mask " + hex32(protocol) +
                                          " is not T=0 / T=1");
        return IFD_PROTOCOL_NOT_SUPPORTED;
    }
    if ((flags & (IFD_NEGOTIATE_PTS1 | IFD_NEGOTIATE_PTS2 | IFD_NEGOTIATE_PTS3)) != 0) {
        log_.write(LogCategory::info,
                   "IFDHSetProtocolParameters: caller PTS " + hex32(pts1) + "/" + hex32(pts2) + "/" +
                       hex32(pts3) + " ignored; the driver negotiates the fastest rate itself");
    }
    const SlotFacts slot = target->channel->slot_facts(target->slot);
    if (slot.protocol && (protocol & (1u << *slot.protocol)) != 0) return IFD_SUCCESS;
    const auto chosen = target->channel->select_protocol(target->slot,
                                                         static_cast<std::uint16_t>(protocol));
    if (!chosen) return fail("IFDHSetProtocolParameters", lun, chosen.error());
    log_.write(LogCategory::info, "IFDHSetProtocolParameters: T=" + std::to_string(*chosen));
    return IFD_SUCCESS;
}

RESPONSECODE Driver::power_icc(DWORD lun, DWORD action, std::uint8_t* atr, DWORD* atr_length) {
    if (atr_length == nullptr) return IFD_COMMUNICATION_ERROR;
    const DWORD capacity = *atr_length;
    *atr_length = 0;
    const auto target = find(lun, "IFDHPowerICC");
    if (!target) return IFD_COMMUNICATION_ERROR;
    Result<Bytes> answer = make_error(ChannelError::communication);
    switch (action) {
        case IFD_POWER_UP:
            answer = target->channel->power_up(target->slot);
            break;
        case IFD_RESET:
            answer = target->channel->reset(target->slot);
            break;
        case IFD_POWER_DOWN: {
            const auto error = target->channel->power_down(target->slot);
            return error ? fail("IFDHPowerICC (down)", lun, error) : IFD_SUCCESS;
        }
        default:
            log_.write(LogCategory::critical, "IFDHPowerICC: unknown action " + hex32(action));
            return IFD_NOT_SUPPORTED;
    }
    if (!answer) {
        const RESPONSECODE code = fail("IFDHPowerICC", lun, answer.error());
        return code == IFD_NO_SUCH_DEVICE ? code : IFD_ERROR_POWER_ACTION;
    }
    if (atr == nullptr) return IFD_COMMUNICATION_ERROR;
    if (log_.enabled(LogCategory::info)) {
        // The card works with defaults in place of what it sent (iso7816/atr_error.hpp);
        // pcscd gets the ATR unchanged.
        if (const auto parsed = iso7816::parse_atr(*answer)) {
            for (const iso7816::AtrWarning warning : parsed->warnings) {
                log_.write(LogCategory::info, "IFDHPowerICC: Lun " + hex32(lun) + ": ATR " +
                                                  iso7816::describe(warning));
            }
        }
    }
    return copy_out(*answer, atr, capacity, atr_length);
}

RESPONSECODE Driver::transmit_to_icc(DWORD lun, const SCARD_IO_HEADER& send_pci, ByteView command,
                                     std::uint8_t* response, DWORD* response_length,
                                     SCARD_IO_HEADER* receive_pci) {
    if (response_length == nullptr) return IFD_COMMUNICATION_ERROR;
    const DWORD capacity = *response_length;
    *response_length = 0;
    if (response == nullptr && capacity != 0) return IFD_COMMUNICATION_ERROR;
    const auto target = find(lun, "IFDHTransmitToICC");
    if (!target) return IFD_COMMUNICATION_ERROR;
    // SendPci.Protocol is the protocol number (0 or 1) here, not a mask.
    const SlotFacts slot = target->channel->slot_facts(target->slot);
    if (send_pci.Protocol > 1 || (slot.protocol && *slot.protocol != send_pci.Protocol)) {
        log_.write(LogCategory::critical, "IFDHTransmitToICC: protocol " + hex32(send_pci.Protocol) +
                                              " is not the active one");
        return IFD_PROTOCOL_NOT_SUPPORTED;
    }
    log_.command_apdu("APDU ->", command);
    const auto size = target->channel->transmit(target->slot, command,
                                                std::span<std::uint8_t>(response, capacity));
    if (!size) return fail("IFDHTransmitToICC", lun, size.error());
    *response_length = static_cast<DWORD>(*size);
    log_.response_apdu("APDU <-", ByteView(response, *size));
    if (receive_pci != nullptr) {
        receive_pci->Protocol = send_pci.Protocol;
        receive_pci->Length = sizeof(SCARD_IO_HEADER);
    }
    return IFD_SUCCESS;
}

Part10Reader Driver::part10(const Channel& channel) const {
    const ReaderFacts& facts = channel.facts();
    Part10Reader reader;
    reader.verify_pin = (facts.bPINSupport & 0x01) != 0;
    reader.modify_pin = (facts.bPINSupport & 0x02) != 0;
    reader.escape_allowed = settings_.escape_allowed;
    reader.wLcdLayout = facts.wLcdLayout;
    reader.vendor_id = facts.vendor_id;
    reader.product_id = facts.product_id;
    reader.max_apdu_data_size = facts.max_apdu;
    return reader;
}

RESPONSECODE Driver::control(DWORD lun, DWORD control_code, ByteView command, std::uint8_t* response,
                             DWORD response_length, DWORD* bytes_returned) {
    if (bytes_returned == nullptr) return IFD_COMMUNICATION_ERROR;
    *bytes_returned = 0;
    if (response == nullptr && response_length != 0) return IFD_COMMUNICATION_ERROR;
    const auto target = find(lun, "IFDHControl");
    if (!target) return IFD_COMMUNICATION_ERROR;
    const std::span<std::uint8_t> out(response, response_length);
    if (control_code == kGetFeatureRequest) {
        return copy_out(feature_list(part10(*target->channel)), response, response_length,
                        bytes_returned);
    }
    const auto feature = feature_for_control_code(static_cast<std::uint32_t>(control_code));
    if (!feature || !offers(part10(*target->channel), *feature)) {
        log_.write(LogCategory::info, "IFDHControl: control code " + hex32(control_code) +
                                          " is not supported by this reader");
        return IFD_ERROR_NOT_SUPPORTED;
    }
    return control_feature(lun, *target, *feature, command, out, bytes_returned);
}

RESPONSECODE Driver::control_feature(DWORD lun, const Target& target, Feature feature, ByteView command,
                                     std::span<std::uint8_t> response, DWORD* bytes_returned) {
    Result<std::size_t> size = make_error(ChannelError::not_supported);
    switch (feature) {
        case Feature::ifd_pin_properties:
            return copy_out(pin_properties(part10(*target.channel)), response.data(),
                            static_cast<DWORD>(response.size()), bytes_returned);
        case Feature::get_tlv_properties:
            return copy_out(tlv_properties(part10(*target.channel)), response.data(),
                            static_cast<DWORD>(response.size()), bytes_returned);
        case Feature::verify_pin_direct: {
            const auto pin = parse_verify_structure(command);
            if (!pin) return fail("IFDHControl (VERIFY_PIN_DIRECT)", lun, pin.error());
            log_.write(LogCategory::communication, "VERIFY_PIN_DIRECT for " +
                                                       masked_command_apdu(pin->abPINApdu));
            size = target.channel->verify_pin(target.slot, *pin, response);
            break;
        }
        case Feature::modify_pin_direct: {
            const auto pin = parse_modify_structure(command);
            if (!pin) return fail("IFDHControl (MODIFY_PIN_DIRECT)", lun, pin.error());
            log_.write(LogCategory::communication, "MODIFY_PIN_DIRECT for " +
                                                       masked_command_apdu(pin->abPINApdu));
            size = target.channel->modify_pin(target.slot, *pin, response);
            break;
        }
        case Feature::ccid_esc_command:
            size = target.channel->escape(command, response);
            break;
    }
    if (!size) {
        // PC/SC part 10: a PIN entry ended at the keypad is answered with SW 64 00 (timeout)
        // or 64 01 (cancelled), which clients map to their keypad errors.
        const bool timed_out = size.error() == ChannelError::pin_timeout;
        if (timed_out || size.error() == ChannelError::pin_cancelled) {
            log_.write(LogCategory::info,
                       std::string("IFDHControl: ") +
                           describe(timed_out ? ChannelError::pin_timeout : ChannelError::pin_cancelled));
            const Bytes status{0x64, static_cast<std::uint8_t>(timed_out ? 0x00 : 0x01)};
            return copy_out(status, response.data(), static_cast<DWORD>(response.size()),
                            bytes_returned);
        }
        return fail("IFDHControl", lun, size.error());
    }
    *bytes_returned = static_cast<DWORD>(*size);
    return IFD_SUCCESS;
}

RESPONSECODE Driver::icc_presence(DWORD lun) {
    const auto target = find(lun, "IFDHICCPresence");
    if (!target) return IFD_COMMUNICATION_ERROR;
    const auto present = target->channel->present(target->slot);
    if (!present) {
        const RESPONSECODE code = response_code(present.error());
        if (code == IFD_NO_SUCH_DEVICE) return code;
        return fail("IFDHICCPresence", lun, present.error());
    }
    return *present ? IFD_ICC_PRESENT : IFD_ICC_NOT_PRESENT;
}

RESPONSECODE Driver::poll(DWORD lun, int timeout_ms) {
    const auto target = find(lun, "polling callback");
    if (!target) return IFD_NO_SUCH_DEVICE;
    const auto timeout = (timeout_ms <= 0) ? kMaxPollWait
                                           : std::min(kMaxPollWait, std::chrono::milliseconds(timeout_ms));
    const WaitOutcome outcome = target->channel->wait_for_change(target->slot, timeout);
    if (outcome == WaitOutcome::changed) {
        log_.write(LogCategory::periodic, "slot change on Lun " + hex32(lun));
    }
    // Every outcome returns IFD_SUCCESS: pcscd then asks icc_presence() at once (which
    // reports a gone device), where any other code would make it sleep 400 ms first.
    return IFD_SUCCESS;
}

RESPONSECODE Driver::stop_polling(DWORD lun) {
    const auto target = find(lun, "stop polling");
    if (!target) return IFD_SUCCESS;
    target->channel->stop_waiting(target->slot);
    return IFD_SUCCESS;
}

bool Driver::interrupt_events(DWORD lun) const {
    const auto target = find(lun, "IFDHGetCapabilities");
    return target && target->channel->facts().interrupt_events;
}

std::size_t Driver::open_readers() const {
    std::lock_guard lock(mutex_);
    return readers_.size();
}

const char* describe(ChannelError error) {
    switch (error) {
        case ChannelError::ok_is_never_used:
            return "no error";
        case ChannelError::no_card:
            return "no card in the slot";
        case ChannelError::card_unpowered:
            return "the card is not powered";
        case ChannelError::power_failed:
            return "card activation failed";
        case ChannelError::protocol_not_supported:
            return "protocol not supported by the card or the reader";
        case ChannelError::pps_failed:
            return "protocol and parameters selection failed";
        case ChannelError::timeout:
            return "no answer in time";
        case ChannelError::device_gone:
            return "the reader is gone";
        case ChannelError::insufficient_buffer:
            return "the answer does not fit the buffer";
        case ChannelError::not_supported:
            return "not supported by this reader";
        case ChannelError::bad_request:
            return "malformed request";
        case ChannelError::communication:
            return "communication error";
        case ChannelError::pin_timeout:
            return "PIN entry timed out at the keypad";
        case ChannelError::pin_cancelled:
            return "PIN entry cancelled at the keypad";
    }
    return "unknown channel error";
}

}  // namespace tessera::ifd
