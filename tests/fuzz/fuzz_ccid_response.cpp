// libFuzzer target: every decoder of reader bytes in the CCID codec (bulk-IN responses,
// interrupt-IN messages) and the sans-IO exchange and abort sequence fed arbitrary bulk-IN
// messages (USB CCID rev 1.1 sections 5.3.1, 6.2, 6.3). The control data stages of 5.3.2
// and 5.3.3 are fuzz_class_descriptor's.
//
// Input: byte 0 = bMaxSlotIndex; byte 1 = options (bits 0..1 choose dwMaxCCIDMessageLength,
// bit 2 fails the ABORT control request); the rest is the reader's bytes. The decoders see
// the rest as one message. The exchanges see it as a stream of bulk-IN messages, each
// framed by its own header (10 + dwLength bytes, or whatever remains); a 00 byte where a
// message would start stands for a zero-length read and 01 for a read timeout. The command
// under exchange answers the first message's type, slot and bSeq, so valid seeds reach
// the deep paths.
//
// Invariants (abort() on violation): decoded lengths stay within the input and match
// dwLength; decoded slots stay within bMaxSlotIndex; a decoded message re-encodes to the
// same bytes; every wait the exchange asks for is at least 1 ms and within the total-wait
// budget; an exchange ends (Done or Failed) within the messages it is fed, the bounds hold.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <variant>

#include "transport/ccid_command.hpp"
#include "transport/ccid_exchange.hpp"
#include "transport/ccid_interrupt.hpp"
#include "transport/ccid_response.hpp"

namespace {
using namespace std::chrono_literals;
using namespace tessera::transport;
using tessera::Bytes;
using tessera::ByteView;

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

void check_response(ByteView message, const MessageLimits& limits) {
    const auto response = decode_response(message, limits);
    if (!response) {
        return;
    }
    require(message.size() >= kHeaderSize);
    require(response->abData.size() == response->dwLength);
    require(kHeaderSize + response->dwLength <= max_answer_length(limits, response->bMessageType));
    require(kHeaderSize + response->abData.size() == message.size());
    require(response->bSlot <= limits.bMaxSlotIndex);
    require(encode_response(*response) == Bytes(message.begin(), message.end()));
    if (response->abProtocolDataStructure) {
        require(response->abData.size() == (response->bProtocolNum == 0 ? 5U : 7U));
    }
    (void)describe_response(*response);
    (void)response->slot_error();
    // With an expectation built from the message itself it must still decode.
    const Expected self{response->bMessageType, response->bSlot, response->bSeq};
    require(decode_response(message, limits, self).has_value());
}

void check_interrupt(ByteView message, std::uint8_t bMaxSlotIndex) {
    const auto decoded = decode_interrupt(message, bMaxSlotIndex);
    if (!decoded) {
        return;
    }
    if (const auto* change = std::get_if<NotifySlotChange>(&*decoded)) {
        require(change->slots.size() == static_cast<std::size_t>(bMaxSlotIndex) + 1);
        require(message.size() == notify_slot_change_size(bMaxSlotIndex));
        // Re-encoding drops only the padding bits: it decodes to the same slots.
        const Bytes again = encode_notify_slot_change(change->slots);
        require(again.size() == message.size());
        const auto round = decode_notify_slot_change(again, bMaxSlotIndex);
        require(round.has_value() && round->slots == change->slots);
    } else {
        const auto& error = std::get<HardwareError>(*decoded);
        require(message.size() == kHardwareErrorSize);
        require(error.bSlot <= bMaxSlotIndex);
        require(encode_hardware_error(error) == Bytes(message.begin(), message.end()));
    }
}

// The command that the first message of the stream would answer.
Bytes command_for(ByteView stream, const MessageLimits& limits) {
    std::uint8_t bSlot = 0;
    std::uint8_t bSeq = 0;
    std::uint8_t type = 0x80;
    if (const auto header = read_header(stream)) {
        bSlot = header->bSlot <= limits.bMaxSlotIndex ? header->bSlot : 0;
        bSeq = header->bSeq;
        type = header->bMessageType;
    }
    const Address address{bSlot, bSeq};
    tessera::Result<Bytes> command = encode_xfr_block(limits, address, {});
    switch (type) {
        case 0x81:
            command = encode_get_slot_status(limits, address);
            break;
        case 0x82:
            command = encode_get_parameters(limits, address);
            break;
        case 0x83:
            command = encode_escape(limits, address, {});
            break;
        case 0x84:
            command = encode_set_data_rate_and_clock_frequency(limits, address, 4000, 9600);
            break;
        default:
            break;
    }
    return command ? *command : Bytes{};
}

void check_step(const ExchangeStep& step, const ExchangeConfig& config, bool& finished) {
    if (const auto* transfer = std::get_if<BulkTransfer>(&step)) {
        require(transfer->timeout >= 1ms);
        require(transfer->timeout <= config.max_total_wait);
        require(transfer->receive_length >= config.limits.dwMaxCCIDMessageLength);
        require(transfer->receive_length >= kMinAnswerLength);
        require(transfer->receive_length <= kMaxMaxMessageLength);
    } else if (const auto* done = std::get_if<ExchangeDone>(&step)) {
        require(done->response.bMessageType != MessageType::RDR_to_PC_NotifySlotChange);
        require(!done->response.time_extension());
        finished = true;
    } else if (const auto* failure = std::get_if<ExchangeFailed>(&step)) {
        require(static_cast<bool>(failure->error));
        finished = true;
    }
}

// Feeds the stream to `machine` (Exchange or AbortExchange) message by message.
template <class Machine>
void run_stream(Machine& machine, ByteView stream, const ExchangeConfig& config,
                std::uint32_t& messages) {
    bool finished = false;
    std::size_t offset = 0;
    while (!finished && offset < stream.size()) {
        ByteView rest = stream.subspan(offset);
        ExchangeStep step;
        if (rest[0] == 0x00) {  // a zero-length read
            step = machine.on_received({}, std::chrono::milliseconds(rest.size() % 7));
            offset += 1;
        } else if (rest[0] == 0x01) {  // a read timeout
            step = machine.on_timeout();
            offset += 1;
        } else {
            std::size_t length = rest.size();
            if (const auto header = read_header(rest)) {
                if (header->dwLength <= rest.size() - kHeaderSize) {
                    length = kHeaderSize + header->dwLength;
                }
            }
            step = machine.on_received(rest.first(length));
            offset += length;
        }
        ++messages;
        check_step(step, config, finished);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    static constexpr std::uint32_t kMaxLengths[] = {271, 65554, 9, 300};
    MessageLimits limits;
    limits.bMaxSlotIndex = data[0];
    limits.dwMaxCCIDMessageLength = kMaxLengths[data[1] & 0x03];
    const bool control_fails = (data[1] & 0x04) != 0;
    const ByteView rest(data + 2, size - 2);

    check_response(rest, limits);
    check_interrupt(rest, data[0]);

    ExchangeConfig config;
    config.limits = limits;
    config.base_timeout = 1000ms;
    config.max_total_wait = 20'000ms;
    config.max_time_extensions = 8;
    config.max_stale_messages = 4;

    // The exchange of the command the stream answers.
    const Bytes command = command_for(rest, limits);
    if (!command.empty()) {
        Exchange exchange(config);
        ExchangeStep first = exchange.start(command);
        require(std::holds_alternative<BulkTransfer>(first));
        std::uint32_t messages = 0;
        run_stream(exchange, rest, config, messages);
        require(exchange.time_extensions() <= config.max_time_extensions);
        require(exchange.stale_messages() <= config.max_stale_messages);
        require(exchange.total_wait() <= config.max_total_wait);
        // Every message either ends the exchange or counts against a bound.
        require(messages <= 2 + config.max_time_extensions + config.max_stale_messages);
    }

    // The abort sequence on the same stream.
    if (const auto header = read_header(rest); header && header->bSlot <= limits.bMaxSlotIndex) {
        AbortExchange abort(config);
        const ExchangeStep first = abort.start(header->bSlot, header->bSeq, 0);
        if (std::holds_alternative<ControlTransfer>(first)) {
            const ExchangeStep second = abort.on_control_done(
                control_fails ? std::make_error_code(std::errc::broken_pipe) : std::error_code());
            bool finished = false;
            check_step(second, config, finished);
            if (!finished) {
                std::uint32_t messages = 0;
                run_stream(abort, rest, config, messages);
            }
        }
    }
    return 0;
}
