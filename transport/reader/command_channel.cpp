#include "transport/reader/command_channel.hpp"

#include <algorithm>

#include "transport/ccid_exchange.hpp"

namespace tessera::reader {

using namespace std::chrono;
using transport::BulkTransfer;
using transport::ControlTransfer;
using transport::ExchangeDone;
using transport::ExchangeFailed;
using transport::ExchangeStep;
using usb::UsbError;

namespace {

// A failed transfer that may leave the reader busy with the command: abort it.
bool leaves_reader_busy(std::error_code error) {
    return error != UsbError::no_device && error != UsbError::closed &&
           error != UsbError::cancelled;
}

// The bulk-IN buffer for an answer of at most `wanted` bytes: rounded up to a multiple of
// the endpoint's wMaxPacketSize (USB 2.0 5.8.3: a transfer ends with a short packet), so that
// a device sending more than expected fills whole packets instead of overflowing in the
// middle of one; decode_response() then refuses the message by its dwLength.
std::size_t bulk_in_size(std::size_t wanted, std::uint16_t max_packet) {
    wanted = std::max<std::size_t>(wanted, 1);
    if (max_packet == 0) return wanted;
    return (wanted + max_packet - 1) / max_packet * max_packet;
}

}  // namespace

struct CommandChannel::Machinery {
    usb::UsbPort& port;
    transport::ExchangeConfig config;
    std::uint16_t interface_number;
    milliseconds write_timeout;
    transport::SequenceCounter sequence;
    Bytes receive_buffer;
    bool& gone;
    ChannelCounters& counters;

    std::error_code note(std::error_code error) {
        if (error == UsbError::no_device || error == UsbError::closed) gone = true;
        return error;
    }

    void clear_stall(usb::Endpoint endpoint) {
        if (!port.clear_halt(endpoint)) ++counters.stalls_cleared;
    }

    // Performs the steps of an Exchange or AbortExchange until it is done or failed.
    template <class Machine>
    ExchangeStep drive(Machine& machine, ExchangeStep step) {
        for (;;) {  // bounded by the exchange (stale messages, extensions, total wait)
            if (const auto* transfer = std::get_if<BulkTransfer>(&step)) {
                receive_buffer.resize(bulk_in_size(transfer->receive_length, port.info().bulk_in_max_packet));
                const auto started = steady_clock::now();
                Result<std::size_t> received = UsbError::other;
                if (!transfer->bytes.empty()) {  // the message, its answer's IN already pending
                    const auto pair = port.bulk_write_read(transfer->bytes, write_timeout,
                                                           receive_buffer, transfer->timeout);
                    if (const auto error = note(pair.write_error)) {
                        if (error == UsbError::pipe) clear_stall(usb::Endpoint::bulk_out);
                        machine.reset();
                        return ExchangeFailed{error, leaves_reader_busy(error)};
                    }
                    if (pair.read_error) {
                        received = pair.read_error;
                    } else {
                        received = pair.received;
                    }
                } else {  // a further answer to the same message (time extension, stale one)
                    received = port.bulk_read(receive_buffer, transfer->timeout);
                }
                const auto waited = ceil<milliseconds>(steady_clock::now() - started);
                if (received) {
                    step = machine.on_received(ByteView(receive_buffer.data(), *received), waited);
                } else if (received.error() == UsbError::timeout) {
                    step = machine.on_timeout();
                } else {
                    const auto error = note(received.error());
                    if (error == UsbError::pipe) clear_stall(usb::Endpoint::bulk_in);
                    machine.reset();
                    return ExchangeFailed{error, leaves_reader_busy(error)};
                }
            } else if (const auto* control = std::get_if<ControlTransfer>(&step)) {
                if constexpr (requires { machine.on_control_done(std::error_code()); }) {
                    const usb::ControlSetup setup{control->setup.bmRequestType, control->setup.bRequest,
                                                  control->setup.wValue, control->setup.wIndex};
                    auto done = port.control(setup, {}, control->timeout);
                    const auto error = done ? std::error_code() : note(done.error());
                    if (gone) {
                        machine.reset();
                        return ExchangeFailed{error, false};
                    }
                    step = machine.on_control_done(error);
                } else {
                    machine.reset();
                    return ExchangeFailed{transport::ExchangeError::illegal_event, false};
                }
            } else {
                return step;
            }
        }
    }
};

CommandChannel::CommandChannel(usb::UsbPort& port, transport::MessageLimits limits,
                               ExchangeBounds bounds, std::uint16_t interface_number,
                               milliseconds write_timeout) {
    transport::ExchangeConfig config;
    config.limits = limits;
    config.base_timeout = bounds.base_timeout;
    config.max_total_wait = bounds.max_total_wait;
    config.max_time_extensions = bounds.max_time_extensions;
    config.max_stale_messages = bounds.max_stale_messages;
    config.control_timeout = bounds.control_timeout;
    machinery_.reset(new Machinery{port, config, interface_number,
                                   std::max(write_timeout, milliseconds(1)),
                                   transport::SequenceCounter(), Bytes(), gone_, counters_});
}

CommandChannel::~CommandChannel() = default;

Result<transport::Response> CommandChannel::run(std::uint8_t bSlot, const CommandEncoder& encode,
                                                std::optional<milliseconds> timeout) {
    if (gone_) return UsbError::no_device;
    auto command = encode(transport::Address{bSlot, machinery_->sequence.next()});
    if (!command) return command.error();
    ++counters_.commands;
    transport::Exchange exchange(machinery_->config);
    const ExchangeStep step = machinery_->drive(exchange, exchange.start(*command, timeout));
    if (const auto* done = std::get_if<ExchangeDone>(&step)) return done->response;
    const auto& failed = std::get<ExchangeFailed>(step);
    if (failed.abort_required && !gone_) (void)abort(bSlot);
    return failed.error;
}

std::error_code CommandChannel::abort(std::uint8_t bSlot) {
    if (gone_) return UsbError::no_device;
    ++counters_.aborts;
    transport::AbortExchange abort_exchange(machinery_->config);
    const ExchangeStep step = machinery_->drive(
        abort_exchange,
        abort_exchange.start(bSlot, machinery_->sequence.next(), machinery_->interface_number));
    if (const auto* failed = std::get_if<ExchangeFailed>(&step)) return failed->error;
    return {};
}

}  // namespace tessera::reader
