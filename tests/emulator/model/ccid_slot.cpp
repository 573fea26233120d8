#include "tests/emulator/model/ccid_slot.hpp"

#include <algorithm>
#include <array>

#include "tests/emulator/model/automatic_negotiation.hpp"
#include "tests/emulator/model/secure_command.hpp"
#include "tests/emulator/model/slot_errors.hpp"
#include "tests/emulator/wire/ccid_wire.hpp"
#include "tests/sim/wire/pps_wire.hpp"
#include "tests/sim/wire/t1_frame.hpp"

namespace tessera::emulator {
namespace {

using wire::MessageType;

constexpr std::uint32_t feature(const transport::ClassDescriptor& d, std::uint32_t bit) {
    return d.dwFeatures & bit;
}

ByteView ab_data(ByteView message) {
    return message.subspan(wire::kHeaderSize);
}

std::uint8_t specific_byte(ByteView message, std::size_t offset) {
    return message[offset];
}

// CCID 5.1: the largest abData, dwMaxCCIDMessageLength less the 10-byte header.
std::size_t max_data_length(const transport::ClassDescriptor& descriptor) {
    const std::uint32_t limit = descriptor.dwMaxCCIDMessageLength;
    return limit > wire::kHeaderSize ? limit - wire::kHeaderSize : 0;
}

sim::wire::Edc edc_of(const wire::Parameters& parameters) {
    if (const auto* t1 = std::get_if<wire::ParametersT1>(&parameters)) {
        return (t1->bmTCCKST1 & 0x01) != 0 ? sim::wire::Edc::crc : sim::wire::Edc::lrc;
    }
    return sim::wire::Edc::lrc;
}

}  // namespace

CcidSlot::CcidSlot(std::shared_ptr<const SlotEnvironment> environment, std::uint8_t index)
    : environment_(std::move(environment)),
      index_(index),
      parameters_(default_parameters(0, iso7816::Convention::direct)),
      parameters_after_reset_(parameters_),
      clock_khz_(environment_->descriptor.dwDefaultClock),
      data_rate_bps_(environment_->descriptor.dwDataRate) {}

std::error_code CcidSlot::insert(InsertedCard card) {
    auto created = sim::Card::create(card.card);
    if (!created) {
        return created.error();
    }
    card_ = std::move(*created);
    inserted_ = std::move(card);
    exchange_.reset();
    clock_stopped_ = false;
    if (feature(environment_->descriptor, transport::kFeatureAutoActivation) != 0) {
        card_->cold_reset();
        after_reset();
    }
    return {};
}

void CcidSlot::remove() {
    card_.reset();
    exchange_.reset();
    clock_stopped_ = false;
}

void CcidSlot::power_cut() {
    if (card_) {
        card_->deactivate();
    }
    exchange_.reset();
}

wire::IccStatus CcidSlot::icc_status() const noexcept {
    if (!card_) {
        return wire::IccStatus::absent;
    }
    return card_->powered() ? wire::IccStatus::present_active
                            : wire::IccStatus::present_inactive;
}

std::uint8_t CcidSlot::clock_status() const noexcept {
    if (!clock_stopped_) {
        return 0x00;
    }
    const std::uint8_t stop = std::visit([](const auto& p) { return p.bClockStop; }, parameters_);
    return stop == 1 ? 0x01 : stop == 2 ? 0x02 : 0x03;  // CCID 6.2.2 bClockStatus
}

SlotAnswer CcidSlot::answer(MessageType type) const {
    SlotAnswer out;
    out.response.bMessageType = type;
    out.response.bSlot = index_;
    out.response.bmICCStatus = icc_status();
    if (type == MessageType::RDR_to_PC_SlotStatus) {
        out.response.byte9 = clock_status();  // 6.2.2 bClockStatus
    }
    return out;
}

SlotAnswer CcidSlot::failed(MessageType type, std::uint8_t bError) const {
    SlotAnswer out = answer(type);
    out.response.bmCommandStatus = wire::CommandStatus::failed;
    out.response.bError = bError;
    return out;
}

SlotAnswer CcidSlot::execute(const wire::CommandHeader& header, ByteView message,
                             PinPad* pin_pad) {
    const auto type = static_cast<MessageType>(header.bMessageType);
    const auto response_type = wire::answer_type(header.bMessageType).value_or(MessageType::RDR_to_PC_SlotStatus);
    // CCID 6.1: every command but these carries no abData.
    const bool carries_data = type == MessageType::PC_to_RDR_XfrBlock ||
                              type == MessageType::PC_to_RDR_Escape ||
                              type == MessageType::PC_to_RDR_Secure ||
                              type == MessageType::PC_to_RDR_SetParameters ||
                              type == MessageType::PC_to_RDR_SetDataRateAndClockFrequency;
    SlotAnswer out;
    if (!carries_data && header.dwLength != 0) {
        out = failed(response_type, kOffsetDwLength);
    } else {
        out = dispatch(type, message, pin_pad);
    }
    out.response.bSlot = header.bSlot;
    out.response.bSeq = header.bSeq;
    return out;
}

SlotAnswer CcidSlot::dispatch(MessageType type, ByteView message, PinPad* pin_pad) {
    SlotAnswer out;
    switch (type) {
        case MessageType::PC_to_RDR_IccPowerOn: out = power_on(message); break;
        case MessageType::PC_to_RDR_IccPowerOff: out = power_off(); break;
        case MessageType::PC_to_RDR_GetSlotStatus: out = slot_status(); break;
        case MessageType::PC_to_RDR_XfrBlock: out = xfr_block(message); break;
        case MessageType::PC_to_RDR_GetParameters: out = get_parameters(); break;
        case MessageType::PC_to_RDR_ResetParameters: out = reset_parameters(); break;
        case MessageType::PC_to_RDR_SetParameters: out = set_parameters(message); break;
        case MessageType::PC_to_RDR_Escape: out = escape(message); break;
        case MessageType::PC_to_RDR_IccClock: out = icc_clock(message); break;
        case MessageType::PC_to_RDR_T0APDU: out = t0_apdu(message); break;
        case MessageType::PC_to_RDR_Secure: out = secure(message, pin_pad); break;
        case MessageType::PC_to_RDR_Mechanical: out = mechanical(message); break;
        case MessageType::PC_to_RDR_SetDataRateAndClockFrequency:
            out = set_data_rate_and_clock(message);
            break;
        default: out = failed(MessageType::RDR_to_PC_SlotStatus, kErrorCommandNotSupported); break;
    }
    return out;
}

// CCID 6.1.1
SlotAnswer CcidSlot::power_on(ByteView message) {
    constexpr auto type = MessageType::RDR_to_PC_DataBlock;
    const std::uint8_t bPowerSelect = specific_byte(message, 7);
    if (bPowerSelect > 3) {
        return failed(type, kOffsetFirstSpecific);
    }
    const std::uint8_t supported =
        environment_->descriptor.bVoltageSupport == 0 ? kAllVoltages
                                                      : environment_->descriptor.bVoltageSupport;
    if (!card_) {
        return failed(type, kErrorIccMute);
    }
    // bPowerSelect 1 = 5 V, 2 = 3 V, 3 = 1.8 V: bVoltageSupport bits 0, 1, 2.
    std::uint8_t voltage = 0;
    if (bPowerSelect != 0) {
        voltage = static_cast<std::uint8_t>(1u << (bPowerSelect - 1));
        if ((supported & voltage) == 0) {
            return failed(type, kOffsetFirstSpecific);
        }
    } else {
        // Automatic: the lowest class both sides share (ISO 7816-3 6.2.4 starts low).
        for (const std::uint8_t candidate : {kVoltage1V8, kVoltage3V, kVoltage5V}) {
            if ((supported & candidate) != 0 && (inserted_.accepted_voltages & candidate) != 0) {
                voltage = candidate;
                break;
            }
        }
    }
    if (voltage == 0 || (inserted_.accepted_voltages & voltage) == 0) {
        card_->deactivate();
        exchange_.reset();
        return failed(type, kErrorIccMute);
    }
    if (card_->powered()) {
        card_->warm_reset();
    } else {
        card_->cold_reset();
    }
    after_reset();
    SlotAnswer out = answer(type);
    out.response.abData = card_->atr();
    return out;
}

// The reader's own work after every reset: default or ATR-derived parameters and automatic
// PPS (dwFeatures 0x40). The automatic IFSD exchange (0x400) is not done here: CCID 5.1 has
// it as the first exchange of T=1, and an S(IFS) right after the ATR would close the card's
// PPS window (ISO 7816-3 9.1) before a host PPS; xfr_block() does it when due.
void CcidSlot::after_reset() {
    exchange_.reset();
    clock_stopped_ = false;
    ifsd_exchanged_ = false;
    const auto& descriptor = environment_->descriptor;
    // What the card's ATR announces, from the card's own settings (the bytes come from
    // them; the reader does not borrow the driver's ATR parser to read them back).
    const sim::AtrConfig& atr = card_->config().atr;
    parameters_ = default_parameters(0, card_->convention());
    std::optional<AgreedLink> link;
    if (feature(descriptor, transport::kFeatureAutoParameterNegotiation) != 0) {
        link = negotiate_fastest_link(*card_, environment_->limits());
    }
    if (link) {
        parameters_ = parameters_from_atr(atr, link->protocol, link->fi_di);
    } else if (feature(descriptor, transport::kFeatureAutoParameterConfiguration) != 0) {
        const auto current = card_->link();
        parameters_ = parameters_from_atr(atr, current.protocol, current.fi_di);
    }
    parameters_after_reset_ = parameters_;
}

void CcidSlot::exchange_ifsd_if_due() {
    const auto& descriptor = environment_->descriptor;
    if (ifsd_exchanged_ || !card_ || !card_->powered() ||
        feature(descriptor, transport::kFeatureAutoIfsdExchange) == 0 ||
        transport::exchange_level(descriptor.dwFeatures) != transport::ExchangeLevel::tpdu ||
        wire::protocol_num(parameters_) != 1 || !link_matches()) {
        return;
    }
    // The reader asks for what it can carry: a whole block (prologue, INF, CRC at most)
    // must fit one message's abData (CCID 6.1.4), whatever dwMaxIFSD says; unless it answers
    // beyond dwMaxCCIDMessageLength: then dwMaxIFSD alone.
    const std::uint32_t fits = environment_->answers_beyond_max_message_length ? 254
                               : descriptor.dwMaxCCIDMessageLength > 10 + 5
                                   ? descriptor.dwMaxCCIDMessageLength - 10 - 5
                                   : 1;
    const std::uint32_t declared = descriptor.dwMaxIFSD == 0 ? 32 : descriptor.dwMaxIFSD;
    const std::uint32_t max_ifsd = std::clamp<std::uint32_t>(std::min(declared, fits), 1, 254);
    ifsd_exchanged_ = exchange_ifsd(*card_, static_cast<std::uint8_t>(max_ifsd));
}

bool CcidSlot::link_matches() const {
    const auto link = card_->link();
    return link.protocol == wire::protocol_num(parameters_) && link.fi_di == fi_di_of(parameters_);
}

// CCID 6.1.2
SlotAnswer CcidSlot::power_off() {
    if (card_) {
        card_->deactivate();
    }
    exchange_.reset();
    clock_stopped_ = false;
    return answer(MessageType::RDR_to_PC_SlotStatus);
}

// CCID 6.1.3
SlotAnswer CcidSlot::slot_status() const {
    return answer(MessageType::RDR_to_PC_SlotStatus);
}

// CCID 6.1.4
SlotAnswer CcidSlot::xfr_block(ByteView message) {
    constexpr auto type = MessageType::RDR_to_PC_DataBlock;
    if (!card_ || !card_->powered()) {
        return failed(type, kErrorIccMute);
    }
    const auto level = transport::exchange_level(environment_->descriptor.dwFeatures);
    const bool reader_runs_protocol = level == transport::ExchangeLevel::short_apdu ||
                                      level == transport::ExchangeLevel::extended_apdu;
    // A host PPS at TPDU level (ISO 7816-3 9: PPSS first, the card's PPS window open) is
    // sent at the current rate; PPS is protocol-independent, so only Fi/Di must match.
    const ByteView data = ab_data(message);
    const bool host_pps = level == transport::ExchangeLevel::tpdu && !data.empty() &&
                          data.front() == sim::wire::kPpss && card_->pps_window_open();
    // Below APDU level the card hears only what is sent at its own protocol and rate.
    if (!reader_runs_protocol && !link_matches() &&
        !(host_pps && card_->link().fi_di == fi_di_of(parameters_))) {
        return failed(type, kErrorIccMute);
    }
    if (!host_pps) {
        exchange_ifsd_if_due();  // CCID 5.1 0x400: the first exchange of T=1
    }
    XfrContext context;
    context.level = level;
    context.protocol = wire::protocol_num(parameters_);
    context.edc = edc_of(parameters_);
    context.max_data_length = max_data_length(environment_->descriptor);
    context.max_answer_length = environment_->answers_beyond_max_message_length
                                    ? std::size_t{256 + 2}  // ISO 7816-4: Ne <= 256, SW1 SW2
                                    : context.max_data_length;
    const std::uint16_t wLevelParameter = wire::read_le16(message, 8);
    XfrAnswer result = exchange_.transfer(*card_, context, ab_data(message), wLevelParameter);
    if (result.failed) {
        return failed(type, result.bError);
    }
    SlotAnswer out = answer(type);
    out.response.abData = std::move(result.data);
    out.response.byte9 = result.chain;  // 6.2.1 bChainParameter
    out.time_extensions = result.time_extensions + inserted_.time_extensions_per_command;
    out.time_extension_multiplier = inserted_.time_extension_multiplier;
    return out;
}

// CCID 6.1.5
SlotAnswer CcidSlot::get_parameters() const {
    constexpr auto type = MessageType::RDR_to_PC_Parameters;
    if (!card_) {
        return failed(type, kErrorIccMute);
    }
    SlotAnswer out = answer(type);
    wire::set_parameters_payload(out.response, parameters_);
    return out;
}

// CCID 6.1.6
SlotAnswer CcidSlot::reset_parameters() {
    constexpr auto type = MessageType::RDR_to_PC_Parameters;
    if (!card_) {
        return failed(type, kErrorIccMute);
    }
    parameters_ = parameters_after_reset_;
    SlotAnswer out = answer(type);
    wire::set_parameters_payload(out.response, parameters_);
    return out;
}

// CCID 6.1.7
SlotAnswer CcidSlot::set_parameters(ByteView message) {
    constexpr auto type = MessageType::RDR_to_PC_Parameters;
    const auto verdict = check_set_parameters(message, environment_->limits());
    if (!verdict.parameters) {
        return failed(type, verdict.bError);
    }
    if (!card_) {
        return failed(type, kErrorIccMute);
    }
    const AgreedLink wanted{wire::protocol_num(*verdict.parameters), fi_di_of(*verdict.parameters)};
    const auto link = card_->link();
    const bool differs = link.protocol != wanted.protocol || !(link.fi_di == wanted.fi_di);
    if (feature(environment_->descriptor, transport::kFeatureAutoPps) != 0 && card_->powered() &&
        differs && card_->pps_window_open()) {
        if (!request_link(*card_, wanted)) {
            exchange_.reset();
            return failed(type, kErrorIccMute);
        }
    }
    parameters_ = *verdict.parameters;
    SlotAnswer out = answer(type);
    wire::set_parameters_payload(out.response, parameters_);
    return out;
}

// CCID 6.1.8
SlotAnswer CcidSlot::escape(ByteView message) const {
    constexpr auto type = MessageType::RDR_to_PC_Escape;
    const ByteView request = ab_data(message);
    std::optional<Bytes> reply = environment_->escape ? environment_->escape(request)
                                                      : std::optional<Bytes>(Bytes(request.begin(), request.end()));
    if (!reply) {
        return failed(type, kErrorCommandNotSupported);
    }
    SlotAnswer out = answer(type);
    out.response.abData = std::move(*reply);
    return out;
}

// CCID 6.1.9
SlotAnswer CcidSlot::icc_clock(ByteView message) {
    constexpr auto type = MessageType::RDR_to_PC_SlotStatus;
    const std::uint8_t bClockCommand = specific_byte(message, 7);
    if (bClockCommand > 1) {
        return failed(type, kOffsetFirstSpecific);
    }
    if (bClockCommand == wire::kClockStop) {
        if (feature(environment_->descriptor, transport::kFeatureClockStop) == 0) {
            return failed(type, kErrorCommandNotSupported);
        }
        if (!card_ || !card_->powered()) {
            return failed(type, kErrorIccMute);
        }
        clock_stopped_ = true;
    } else {
        clock_stopped_ = false;
    }
    return answer(type);
}

// CCID 6.1.10: meaningful to readers that run T=0 themselves (APDU levels).
SlotAnswer CcidSlot::t0_apdu(ByteView message) {
    constexpr auto type = MessageType::RDR_to_PC_SlotStatus;
    const auto level = transport::exchange_level(environment_->descriptor.dwFeatures);
    if (level != transport::ExchangeLevel::short_apdu && level != transport::ExchangeLevel::extended_apdu) {
        return failed(type, kErrorCommandNotSupported);
    }
    if ((specific_byte(message, 7) & ~0x03) != 0) {
        return failed(type, kOffsetFirstSpecific);
    }
    return answer(type);
}

// CCID 6.1.11: the PIN pad builds the APDU (secure_command.hpp); the reader sends it.
SlotAnswer CcidSlot::secure(ByteView message, PinPad* pin_pad) {
    const bool card_ready = card_ && card_->powered();
    const SecureVerdict verdict = answer_secure(message, pin_pad, card_ready);
    if (verdict.failed) {
        return failed(MessageType::RDR_to_PC_DataBlock, verdict.bError);
    }
    return send_pin_apdu(verdict.apdu, verdict.bTeoPrologue);
}

// The PIN APDU to the card at the reader's exchange level (CCID 5.1 dwFeatures): a whole
// APDU at APDU levels; at TPDU level a T=0 TPDU, or for T=1 one I-block with NAD and PCB
// from bTeoPrologue (CCID 6.1.11.7), LEN and EDC computed (ISO 7816-3 11.3), the card's
// answer block returned as it is. Character level has no PIN pad path.
SlotAnswer CcidSlot::send_pin_apdu(const Bytes& apdu, const std::array<std::uint8_t, 3>& bTeoPrologue) {
    constexpr auto type = MessageType::RDR_to_PC_DataBlock;
    const auto level = transport::exchange_level(environment_->descriptor.dwFeatures);
    const std::size_t max_data = max_data_length(environment_->descriptor);
    std::optional<Bytes> reply;
    switch (level) {
        case transport::ExchangeLevel::short_apdu:
        case transport::ExchangeLevel::extended_apdu:
            reply = card_->apdu(apdu);
            break;
        case transport::ExchangeLevel::tpdu:
            if (!link_matches()) {
                return failed(type, kErrorIccMute);
            }
            exchange_ifsd_if_due();  // CCID 5.1 0x400: the first exchange of T=1
            if (wire::protocol_num(parameters_) == 1) {
                if (apdu.size() > sim::wire::kMaxInfSize) {
                    return failed(type, kErrorXfrOverrun);
                }
                Bytes block{bTeoPrologue[0], bTeoPrologue[1], static_cast<std::uint8_t>(apdu.size())};
                block.insert(block.end(), apdu.begin(), apdu.end());
                const Bytes edc = sim::wire::edc_bytes(block, edc_of(parameters_));
                block.insert(block.end(), edc.begin(), edc.end());
                reply = card_->t1_block(block);
            } else {
                reply = card_->t0_tpdu(apdu);
            }
            break;
        case transport::ExchangeLevel::character:
            return failed(type, kErrorCommandNotSupported);
    }
    if (!reply) {
        return failed(type, kErrorIccMute);
    }
    if (reply->size() > max_data) {
        return failed(type, kErrorXfrOverrun);
    }
    SlotAnswer out = answer(type);
    out.response.abData = std::move(*reply);
    return out;
}

// CCID 6.1.12
SlotAnswer CcidSlot::mechanical(ByteView message) const {
    constexpr auto type = MessageType::RDR_to_PC_SlotStatus;
    const std::uint8_t bFunction = specific_byte(message, 7);
    // dwMechanical (CCID 5.1) bit for each bFunction 1..5: accept, eject, capture, lock, unlock.
    constexpr std::array<std::uint32_t, 6> kBit{0, 0x01, 0x02, 0x04, 0x08, 0x08};
    if (bFunction == 0 || bFunction >= kBit.size()) {
        return failed(type, kOffsetFirstSpecific);
    }
    if ((environment_->descriptor.dwMechanical & kBit[bFunction]) == 0) {
        return failed(type, kErrorCommandNotSupported);
    }
    return answer(type);
}

// CCID 6.1.14
SlotAnswer CcidSlot::set_data_rate_and_clock(ByteView message) {
    constexpr auto type = MessageType::RDR_to_PC_DataRateAndClockFrequency;
    if (ab_data(message).size() != 8) {
        return failed(type, kOffsetDwLength);
    }
    const std::uint32_t clock = wire::read_le32(message, 10);  // dwClockFrequency
    const std::uint32_t rate = wire::read_le32(message, 14);   // dwDataRate
    if (const auto bad = check_clock_and_rate(clock, rate, environment_->limits())) {
        return failed(type, *bad);
    }
    clock_khz_ = clock;
    data_rate_bps_ = rate;
    SlotAnswer out = answer(type);
    wire::set_clock_and_rate_payload(out.response, clock_khz_, data_rate_bps_);
    return out;
}

}  // namespace tessera::emulator
