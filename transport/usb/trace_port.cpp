#include "transport/usb/trace_port.hpp"

#include <chrono>
#include <cstdio>
#include <string>

namespace tessera::usb {
namespace {

using Clock = std::chrono::steady_clock;

double elapsed_ms(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string endpoint_text(const char* kind, unsigned endpoint) {
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%s ep 0x%02x", kind, endpoint);
    return buffer;
}

// "<what>: N bytes ok (T ms): hex" or "<what>: <error> (T ms)"
std::string line(const std::string& what, std::error_code error, double ms,
                 std::span<const std::uint8_t> bytes, std::size_t max_hex) {
    char buffer[64];
    std::string out = what + ": ";
    if (error) {
        std::snprintf(buffer, sizeof buffer, " (%.1f ms)", ms);
        return out + error.message() + buffer;
    }
    std::snprintf(buffer, sizeof buffer, "%zu bytes ok (%.1f ms)", bytes.size(), ms);
    out += buffer;
    if (!bytes.empty()) out += ": " + hex_dump(bytes, max_hex);
    return out;
}

}  // namespace

std::string hex_dump(std::span<const std::uint8_t> bytes, std::size_t max_bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    const std::size_t shown = bytes.size() < max_bytes ? bytes.size() : max_bytes;
    out.reserve(shown * 3 + 24);
    for (std::size_t i = 0; i < shown; ++i) {
        if (i != 0) out += ' ';
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 0x0F];
    }
    if (shown < bytes.size()) out += " ... (" + std::to_string(bytes.size() - shown) + " more)";
    return out;
}

TracingUsbPort::TracingUsbPort(std::unique_ptr<UsbPort> inner, TraceSink sink,
                               TraceOptions options)
    : inner_(std::move(inner)),
      sink_(std::make_shared<const TraceSink>(std::move(sink))),
      options_(options) {}

std::error_code TracingUsbPort::bulk_write(std::span<const std::uint8_t> data,
                                           Milliseconds timeout) {
    const auto start = Clock::now();
    const auto error = inner_->bulk_write(data, timeout);
    (*sink_)(line(endpoint_text("bulk-out", info().bulk_out), error, elapsed_ms(start), data,
                  options_.max_hex_bytes));
    return error;
}

Result<std::size_t> TracingUsbPort::bulk_read(std::span<std::uint8_t> buffer,
                                              Milliseconds timeout) {
    const auto start = Clock::now();
    auto result = inner_->bulk_read(buffer, timeout);
    const auto received = result ? buffer.first(*result) : std::span<std::uint8_t>();
    (*sink_)(line(endpoint_text("bulk-in", info().bulk_in), result.error(), elapsed_ms(start),
                  received, options_.max_hex_bytes));
    return result;
}

WriteReadOutcome TracingUsbPort::bulk_write_read(std::span<const std::uint8_t> out,
                                                 Milliseconds write_timeout,
                                                 std::span<std::uint8_t> in,
                                                 Milliseconds read_timeout) {
    const auto start = Clock::now();
    const auto outcome = inner_->bulk_write_read(out, write_timeout, in, read_timeout);
    const double elapsed = elapsed_ms(start);
    (*sink_)(line(endpoint_text("bulk-out", info().bulk_out), outcome.write_error, elapsed, out,
                  options_.max_hex_bytes));
    if (outcome.write_error) return outcome;
    const auto received = outcome.read_error ? std::span<std::uint8_t>() : in.first(outcome.received);
    (*sink_)(line(endpoint_text("bulk-in", info().bulk_in), outcome.read_error, elapsed, received,
                  options_.max_hex_bytes));
    return outcome;
}

Result<std::size_t> TracingUsbPort::control(const ControlSetup& setup,
                                            std::span<std::uint8_t> data, Milliseconds timeout) {
    char what[96];
    std::snprintf(what, sizeof what, "control-%s %02x %02x %04x %04x wLength %zu",
                  setup.is_in() ? "in" : "out", setup.bmRequestType, setup.bRequest,
                  setup.wValue, setup.wIndex, data.size());
    const auto start = Clock::now();
    auto result = inner_->control(setup, data, timeout);
    const auto bytes = result ? data.first(*result) : std::span<std::uint8_t>();
    (*sink_)(line(what, result.error(), elapsed_ms(start), bytes, options_.max_hex_bytes));
    return result;
}

std::error_code TracingUsbPort::start_interrupt_listener(InterruptHandler handler) {
    auto what = endpoint_text("interrupt-in", info().interrupt_in);
    auto error = inner_->start_interrupt_listener(
        [sink = sink_, what, max = options_.max_hex_bytes, handler = std::move(handler)](
            std::error_code ec, std::span<const std::uint8_t> data) {
            (*sink)(ec ? what + ": stopped: " + ec.message()
                       : what + ": " + std::to_string(data.size()) + " bytes: " +
                             hex_dump(data, max));
            handler(ec, data);
        });
    (*sink_)(what + (error ? ": listener not started: " + error.message() : ": listening"));
    return error;
}

void TracingUsbPort::stop_interrupt_listener() { inner_->stop_interrupt_listener(); }

std::error_code TracingUsbPort::clear_halt(Endpoint endpoint) {
    const auto address = info().endpoint(endpoint).value_or(0);
    const auto start = Clock::now();
    const auto error = inner_->clear_halt(endpoint);
    (*sink_)(line(endpoint_text("clear-halt", address), error, elapsed_ms(start), {}, 0));
    return error;
}

void TracingUsbPort::cancel_pending() {
    (*sink_)("cancel pending transfers");
    inner_->cancel_pending();
}

void TracingUsbPort::set_zero_length_packet(bool enabled) {
    (*sink_)(enabled ? "bulk-out: zero-length packet after whole packets"
                     : "bulk-out: no zero-length packet");
    inner_->set_zero_length_packet(enabled);
}

}  // namespace tessera::usb
