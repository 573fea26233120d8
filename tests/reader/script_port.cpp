#include "tests/reader/script_port.hpp"

#include <algorithm>

namespace tessera::test {

using usb::UsbError;

ScriptStep expect_write(Bytes bytes, std::error_code error) {
    return {ScriptStep::Kind::write, std::move(bytes), error, {}, usb::Endpoint::bulk_out};
}
ScriptStep answer_read(Bytes bytes) { return {ScriptStep::Kind::read, std::move(bytes), {}, {}, {}}; }
ScriptStep fail_read(std::error_code error) { return {ScriptStep::Kind::read, {}, error, {}, {}}; }
ScriptStep expect_control(usb::ControlSetup setup, Bytes answer, std::error_code error) {
    return {ScriptStep::Kind::control, std::move(answer), error, setup, {}};
}
ScriptStep expect_clear_halt(usb::Endpoint endpoint) {
    return {ScriptStep::Kind::clear_halt, {}, {}, {}, endpoint};
}

usb::UsbPortInfo test_port_info(bool with_interrupt) {
    usb::UsbPortInfo info;
    info.bulk_out = 0x01;
    info.bulk_in = 0x82;
    info.interrupt_in = with_interrupt ? 0x83 : 0x00;
    info.interrupt_max_packet = 8;
    info.name = "script";
    return info;
}

ScriptPort::ScriptPort(usb::UsbPortInfo info) : info_(std::move(info)) {}

void ScriptPort::add(ScriptStep step) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(step));
}

void ScriptPort::add(std::initializer_list<ScriptStep> steps) {
    for (const auto& step : steps) add(step);
}

std::size_t ScriptPort::remaining() const {
    std::lock_guard lock(mutex_);
    return script_.size();
}

std::vector<std::string> ScriptPort::mismatches() const {
    std::lock_guard lock(mutex_);
    return mismatches_;
}

std::vector<std::size_t> ScriptPort::control_lengths() const {
    std::lock_guard lock(mutex_);
    return control_lengths_;
}

std::vector<std::size_t> ScriptPort::read_lengths() const {
    std::lock_guard lock(mutex_);
    return read_lengths_;
}

std::vector<usb::ControlSetup> ScriptPort::control_setups() const {
    std::lock_guard lock(mutex_);
    return control_setups_;
}

std::vector<bool> ScriptPort::zero_length_packet_flags() const {
    std::lock_guard lock(mutex_);
    return zero_length_packet_flags_;
}

void ScriptPort::set_zero_length_packet(bool enabled) {
    std::lock_guard lock(mutex_);
    zero_length_packet_ = enabled;
}

std::vector<Bytes> ScriptPort::writes() const {
    std::lock_guard lock(mutex_);
    return writes_;
}

bool ScriptPort::next(ScriptStep::Kind kind, ScriptStep& step, const std::string& what) {
    if (script_.empty()) {
        if (kind != ScriptStep::Kind::read) mismatches_.push_back("unscripted " + what);
        return false;
    }
    if (script_.front().kind != kind) {
        mismatches_.push_back("expected another transfer, got " + what);
        return false;
    }
    step = std::move(script_.front());
    script_.pop_front();
    return true;
}

std::error_code ScriptPort::bulk_write(std::span<const std::uint8_t> data, usb::Milliseconds) {
    std::lock_guard lock(mutex_);
    writes_.emplace_back(data.begin(), data.end());
    zero_length_packet_flags_.push_back(zero_length_packet_);
    ScriptStep step;
    const std::string what = "write " + to_hex(data, true);
    if (!next(ScriptStep::Kind::write, step, what)) return UsbError::io;
    if (!std::equal(data.begin(), data.end(), step.bytes.begin(), step.bytes.end())) {
        mismatches_.push_back(what + " instead of " + to_hex(step.bytes, true));
        return UsbError::io;
    }
    return step.error;
}

Result<std::size_t> ScriptPort::bulk_read(std::span<std::uint8_t> buffer, usb::Milliseconds) {
    std::lock_guard lock(mutex_);
    read_lengths_.push_back(buffer.size());
    ScriptStep step;
    if (!next(ScriptStep::Kind::read, step, "read")) {
        return script_.empty() ? UsbError::timeout : UsbError::io;
    }
    if (step.error) return step.error;
    if (step.bytes.size() > buffer.size()) return UsbError::overflow;
    std::copy(step.bytes.begin(), step.bytes.end(), buffer.begin());
    return step.bytes.size();
}

Result<std::size_t> ScriptPort::control(const usb::ControlSetup& setup, std::span<std::uint8_t> data,
                                        usb::Milliseconds) {
    std::lock_guard lock(mutex_);
    ScriptStep step;
    const std::string what = "control " + std::to_string(setup.bmRequestType) + "/" +
                             std::to_string(setup.bRequest) + " wValue " + std::to_string(setup.wValue);
    control_lengths_.push_back(data.size());
    control_setups_.push_back(setup);
    // GET_CLOCK_FREQUENCIES / GET_DATA_RATES (CCID 5.3.2, 5.3.3) that the script does not
    // expect: refused (stall), like a reader without lists, so scripts need not list them.
    const bool rate_request = setup.bmRequestType == 0xA1 && (setup.bRequest == 0x02 || setup.bRequest == 0x03);
    if (rate_request && (script_.empty() || script_.front().kind != ScriptStep::Kind::control)) {
        return UsbError::pipe;
    }
    if (!next(ScriptStep::Kind::control, step, what)) return UsbError::io;
    if (step.setup.bmRequestType != setup.bmRequestType || step.setup.bRequest != setup.bRequest ||
        step.setup.wValue != setup.wValue || step.setup.wIndex != setup.wIndex) {
        mismatches_.push_back(what + " does not match the script");
        return UsbError::io;
    }
    if (step.error) return step.error;
    const std::size_t size = std::min(step.bytes.size(), data.size());
    std::copy_n(step.bytes.begin(), size, data.begin());
    return setup.is_in() ? size : data.size();
}

std::error_code ScriptPort::start_interrupt_listener(usb::InterruptHandler handler) {
    std::lock_guard lock(mutex_);
    if (info_.interrupt_in == 0) return UsbError::no_endpoint;
    if (handler_) return UsbError::already_running;
    handler_ = std::move(handler);
    return {};
}

void ScriptPort::stop_interrupt_listener() {
    usb::InterruptHandler handler;
    {
        std::lock_guard lock(mutex_);
        handler = std::move(handler_);
        handler_ = nullptr;
    }
    if (handler) handler(UsbError::cancelled, {});
}

bool ScriptPort::listening() const {
    std::lock_guard lock(mutex_);
    return static_cast<bool>(handler_);
}

void ScriptPort::interrupt(ByteView packet, std::error_code error) {
    usb::InterruptHandler handler;
    {
        std::lock_guard lock(mutex_);
        handler = handler_;
        if (error) handler_ = nullptr;
    }
    if (handler) handler(error, packet);
}

std::error_code ScriptPort::clear_halt(usb::Endpoint endpoint) {
    std::lock_guard lock(mutex_);
    ScriptStep step;
    if (!next(ScriptStep::Kind::clear_halt, step, "clear_halt")) return UsbError::io;
    if (step.endpoint != endpoint) mismatches_.push_back("clear_halt of another endpoint");
    return {};
}

}  // namespace tessera::test
