// TracingUsbPort: a UsbPort decorator that logs every transfer, for bug reports.
//
// Wraps any UsbPort (it owns it) and writes one line per transfer to a sink: the kind,
// endpoint, length, the bytes in hex, the outcome and how long it took, e.g.
//   "bulk-out ep 0x01: 10 bytes ok (0.9 ms): 65 00 00 00 00 00 07 00 00 00"
//   "bulk-in ep 0x82: timed out (100.3 ms)"
//   "interrupt-in ep 0x83: 2 bytes: 50 03"
// It adds no locking and no state besides its options: every call goes straight to the
// wrapped port on the caller's thread, and the thread rules of UsbPort apply unchanged.
// The sink is called from any thread, including the event thread (interrupt lines), and
// concurrently: it must be thread-safe and must not block for long.
// It does not mask secrets: a PIN travelling in a bulk message is logged (the CCID layer
// above, which knows message types, is the place to mask PIN blocks).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "transport/usb/usb_port.hpp"

namespace tessera::usb {

using TraceSink = std::function<void(std::string_view line)>;

struct TraceOptions {
    std::size_t max_hex_bytes = 4096;  // longer payloads are cut, with "... (N more)"
};

class TracingUsbPort final : public UsbPort {
public:
    TracingUsbPort(std::unique_ptr<UsbPort> inner, TraceSink sink, TraceOptions options = {});

    const UsbPortInfo& info() const override { return inner_->info(); }
    std::error_code bulk_write(std::span<const std::uint8_t> data, Milliseconds timeout) override;
    Result<std::size_t> bulk_read(std::span<std::uint8_t> buffer, Milliseconds timeout) override;
    /// Forwards as one call (the wrapped port may overlap the two) and logs two lines.
    WriteReadOutcome bulk_write_read(std::span<const std::uint8_t> out, Milliseconds write_timeout,
                                     std::span<std::uint8_t> in, Milliseconds read_timeout) override;
    Result<std::size_t> control(const ControlSetup& setup, std::span<std::uint8_t> data,
                                Milliseconds timeout) override;
    std::error_code start_interrupt_listener(InterruptHandler handler) override;
    void stop_interrupt_listener() override;
    std::error_code clear_halt(Endpoint endpoint) override;
    void cancel_pending() override;
    /// Forwards and logs one line.
    void set_zero_length_packet(bool enabled) override;

    UsbPort& inner() noexcept { return *inner_; }

private:
    std::unique_ptr<UsbPort> inner_;
    std::shared_ptr<const TraceSink> sink_;  // shared with the interrupt handler wrapper
    TraceOptions options_;
};

/// "01 02 ff" (at most max_bytes bytes, then " ... (N more)"). For logs.
std::string hex_dump(std::span<const std::uint8_t> bytes, std::size_t max_bytes = 4096);

}  // namespace tessera::usb
