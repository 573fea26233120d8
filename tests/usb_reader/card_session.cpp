#include "card_session.hpp"

#include <algorithm>

#include "tests/emulator/model/reader_profiles.hpp"
#include "transport/reader/reader_error.hpp"

namespace tessera::usbreader {

namespace {

std::string head_hex(const Bytes& bytes) {
    constexpr std::size_t kShown = 12;
    std::string text = std::to_string(bytes.size()) + " bytes ";
    if (bytes.size() <= 2 * kShown) return text + to_hex(bytes, true);
    const ByteView view(bytes);
    return text + to_hex(view.first(kShown), true) + " .. " + to_hex(view.last(kShown), true);
}

std::string failed_call(reader::Slot& slot, std::error_code error) {
    return error.message() + " (cause: " + slot.last_cause().message() + ")";
}

// transmit() that turns both failure and an unexpected answer into text.
std::string exchange(reader::Slot& slot, const char* step, const Bytes& apdu, Bytes& response) {
    auto answer = slot.transmit(apdu);
    if (!answer) return std::string(step) + ": " + failed_call(slot, answer.error());
    response = std::move(answer).value();
    return {};
}

std::string unexpected(const char* step, const Bytes& response) {
    return std::string(step) + ": unexpected answer " + head_hex(response);
}

// ECHO; a T=0 61xx is followed by GET RESPONSE, as a client does.
std::string echo(reader::Slot& slot, std::size_t length) {
    Bytes response;
    if (auto failure = exchange(slot, "ECHO", echo_apdu(length), response); !failure.empty()) {
        return failure;
    }
    if (response.size() == 2 && response[0] == 0x61) {
        const std::uint8_t available = response[1];
        if (auto failure = exchange(slot, "GET RESPONSE", get_response_apdu(available), response);
            !failure.empty()) {
            return failure;
        }
    }
    if (!is_pattern_9000(response, length)) return unexpected("ECHO", response);
    return {};
}

}  // namespace

bool extended_apdus_expected(transport::ExchangeLevel level, std::uint8_t protocol) {
    switch (level) {
        case transport::ExchangeLevel::extended_apdu: return true;
        case transport::ExchangeLevel::short_apdu: return false;
        case transport::ExchangeLevel::tpdu:
        case transport::ExchangeLevel::character: return protocol == 1;
    }
    return false;
}

SessionPlan plan_for(const transport::ReaderCapabilities& caps, std::uint8_t protocol,
                     iso7816::Convention convention) {
    SessionPlan plan;
    plan.protocol = protocol;
    plan.convention = convention;
    plan.extended_apdus = extended_apdus_expected(caps.exchange_level, protocol);
    const bool one_message = caps.exchange_level == transport::ExchangeLevel::short_apdu ||
                             (caps.exchange_level == transport::ExchangeLevel::tpdu && protocol == 0);
    if (one_message && caps.max_message_length > 10) {
        const std::size_t room = caps.max_message_length - 10;  // abData
        const std::size_t header = caps.exchange_level == transport::ExchangeLevel::tpdu ? 5 : 6;
        if (room > header) plan.echo_length = std::min(plan.echo_length, room - header);
        if (room > 2) plan.read_length = std::min(plan.read_length, room - 2);
    }
    return plan;
}

emulator::InsertedCard session_card(std::uint8_t protocol, iso7816::Convention convention) {
    emulator::InsertedCard inserted;
    inserted.card = emulator::dual_protocol_card();
    inserted.card.atr.protocols = {protocol};
    inserted.card.atr.convention = convention;
    return inserted;
}

std::string run_card_session(reader::Slot& slot, const SessionPlan& plan) {
    reader::PowerOnOptions power;
    power.protocols = plan.protocol == 0 ? reader::kProtocolT0 : reader::kProtocolT1;
    power.select_protocol = false;
    const auto atr = slot.power_on(power);
    if (!atr) return "power on: " + failed_call(slot, atr.error());
    const std::uint8_t ts = plan.convention == iso7816::Convention::inverse ? 0x3F : 0x3B;
    if (atr->empty() || atr->front() != ts) return "power on: ATR " + head_hex(*atr);
    const auto link = slot.select_protocol(power.protocols);
    if (!link) return "select protocol: " + failed_call(slot, link.error());
    if (link->protocol != plan.protocol) {
        return "select protocol: T=" + std::to_string(link->protocol) + " in force";
    }

    Bytes response;
    if (auto failure = exchange(slot, "SELECT", select_aid_apdu(), response); !failure.empty()) {
        return failure;
    }
    if (response != Bytes{0x90, 0x00}) return unexpected("SELECT", response);
    if (auto failure = echo(slot, plan.echo_length); !failure.empty()) return failure;
    if (auto failure = exchange(slot, "READ BINARY", read_binary_apdu(plan.read_length), response);
        !failure.empty()) {
        return failure;
    }
    if (!is_pattern_9000(response, plan.read_length)) return unexpected("READ BINARY", response);

    constexpr std::size_t kExtended = 4096;
    auto extended = slot.transmit(read_binary_apdu(kExtended));
    if (plan.extended_apdus) {
        if (!extended) return "READ BINARY 4096: " + failed_call(slot, extended.error());
        if (!is_pattern_9000(*extended, kExtended)) return unexpected("READ BINARY 4096", *extended);
    } else if (extended.error() != reader::ReaderError::not_supported) {
        return "READ BINARY 4096 where not supported: " +
               (extended ? "answered " + head_hex(*extended) : failed_call(slot, extended.error()));
    }

    if (const auto off = slot.power_off()) return "power off: " + off.message();
    return {};
}

Bytes select_aid_apdu() {
    return {0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x05, 0x27, 0x54, 0x45, 0x53};
}

Bytes echo_apdu(std::size_t length) {
    Bytes apdu{0x80, 0xEE, 0x00, 0x00, static_cast<std::uint8_t>(length)};
    for (std::size_t i = 0; i < length; ++i) apdu.push_back(static_cast<std::uint8_t>(i));
    apdu.push_back(0x00);
    return apdu;
}

Bytes read_binary_apdu(std::size_t length) {
    if (length <= 256) return {0x00, 0xB0, 0x00, 0x00, static_cast<std::uint8_t>(length & 0xFF)};
    return {0x00, 0xB0, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(length >> 8 & 0xFF),
            static_cast<std::uint8_t>(length & 0xFF)};
}

Bytes get_response_apdu(std::uint8_t length) { return {0x00, 0xC0, 0x00, 0x00, length}; }

bool is_pattern_9000(const Bytes& response, std::size_t length) {
    if (response.size() != length + 2) return false;
    for (std::size_t i = 0; i < length; ++i) {
        if (response[i] != static_cast<std::uint8_t>(i)) return false;
    }
    return response[length] == 0x90 && response[length + 1] == 0x00;
}

}  // namespace tessera::usbreader
