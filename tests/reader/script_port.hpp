// ScriptPort: a UsbPort for tests that plays a script of exact USB transfers.
//
// Each expected transfer is one ScriptStep: a bulk-OUT write of these bytes, a bulk-IN
// read answered with these bytes (or an error), a control transfer with this setup
// (answered with data or an error), a clear_halt. A call that does not match the next step
// is recorded in mismatches() and answered with UsbError::io; a read beyond the script is
// answered with UsbError::timeout at once, so no test can hang. Interrupt packets are
// delivered by the test thread through interrupt(), as the event thread would.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "transport/usb/usb_port.hpp"

namespace tessera::test {

struct ScriptStep {
    enum class Kind { write, read, control, clear_halt };
    Kind kind = Kind::write;
    Bytes bytes;                // write: expected; read / control IN: answer
    std::error_code error;      // the call's outcome instead
    usb::ControlSetup setup{};  // control: expected
    usb::Endpoint endpoint = usb::Endpoint::bulk_in;  // clear_halt: expected
};

ScriptStep expect_write(Bytes bytes, std::error_code error = {});
ScriptStep answer_read(Bytes bytes);
ScriptStep fail_read(std::error_code error);
ScriptStep expect_control(usb::ControlSetup setup, Bytes answer = {}, std::error_code error = {});
ScriptStep expect_clear_halt(usb::Endpoint endpoint);

class ScriptPort final : public usb::UsbPort {
public:
    explicit ScriptPort(usb::UsbPortInfo info);

    void add(ScriptStep step);
    void add(std::initializer_list<ScriptStep> steps);
    /// Steps not yet played.
    std::size_t remaining() const;
    std::vector<std::string> mismatches() const;
    /// Delivers an interrupt packet (or, with an error, the listener's final call).
    void interrupt(ByteView packet, std::error_code error = {});
    bool listening() const;
    /// Bytes of every bulk-OUT write, in order.
    std::vector<Bytes> writes() const;
    /// wLength (the data span's size) of every control transfer, in order. Unscripted
    /// GET_CLOCK_FREQUENCIES / GET_DATA_RATES are answered with a stall (UsbError::pipe).
    std::vector<std::size_t> control_lengths() const;
    /// The buffer size of every bulk-IN read, in order (scripted or not).
    std::vector<std::size_t> read_lengths() const;
    /// The setup of every control transfer, in order (scripted or not).
    std::vector<usb::ControlSetup> control_setups() const;
    /// For every bulk-OUT write, in order: whether set_zero_length_packet(true) was in
    /// force (the flag a backend puts on the transfer).
    std::vector<bool> zero_length_packet_flags() const;

    const usb::UsbPortInfo& info() const override { return info_; }
    std::error_code bulk_write(std::span<const std::uint8_t> data, usb::Milliseconds timeout) override;
    Result<std::size_t> bulk_read(std::span<std::uint8_t> buffer, usb::Milliseconds timeout) override;
    Result<std::size_t> control(const usb::ControlSetup& setup, std::span<std::uint8_t> data,
                                usb::Milliseconds timeout) override;
    std::error_code start_interrupt_listener(usb::InterruptHandler handler) override;
    void stop_interrupt_listener() override;
    std::error_code clear_halt(usb::Endpoint endpoint) override;
    void cancel_pending() override {}
    void set_zero_length_packet(bool enabled) override;

private:
    bool next(ScriptStep::Kind kind, ScriptStep& step, const std::string& what);

    usb::UsbPortInfo info_;
    mutable std::mutex mutex_;
    std::deque<ScriptStep> script_;
    std::vector<std::string> mismatches_;
    std::vector<Bytes> writes_;
    std::vector<std::size_t> control_lengths_;
    std::vector<std::size_t> read_lengths_;
    std::vector<usb::ControlSetup> control_setups_;
    std::vector<bool> zero_length_packet_flags_;
    bool zero_length_packet_ = false;
    usb::InterruptHandler handler_;
};

/// A port info with bulk endpoints 01/82 and, when asked, interrupt 83.
usb::UsbPortInfo test_port_info(bool with_interrupt);

}  // namespace tessera::test
