// A scripted Channel for the Driver's tests: records every call, answers what the test set.
// Thread-safe where the Driver's contract needs it (wait_for_change / stop_waiting).
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "ifdhandler/channel.hpp"

namespace tessera::ifd::test {

class FakeChannel : public Channel {
public:
    FakeChannel() {
        facts_.vendor_name = "Tessera";
        facts_.product_name = "Fake reader";
        facts_.slots = 2;
        facts_.dwProtocols = 3;
        facts_.max_apdu = 261;
        slots_.resize(2);
    }

    // --- what the test sets -------------------------------------------------------------
    ReaderFacts facts_;
    struct SlotState {
        bool present = true;
        bool powered = false;
        Bytes atr{0x3B, 0x02, 0x14, 0x50};
        std::optional<std::uint8_t> protocol;
    };
    std::vector<SlotState> slots_;
    std::error_code next_error;          // the next failing call returns it (then cleared)
    Bytes transmit_answer{0x90, 0x00};   // what transmit() returns
    Bytes escape_answer{0xE5};
    std::uint8_t protocol_choice = 1;    // what select_protocol() picks when allowed

    // --- what the test reads ------------------------------------------------------------
    std::vector<std::string> calls;
    Bytes last_apdu;
    std::optional<transport::PinVerification> last_verify;
    std::optional<transport::PinModification> last_modify;
    std::chrono::milliseconds last_wait{0};
    bool removed = false;

    // --- Channel -----------------------------------------------------------------------
    const ReaderFacts& facts() const override { return facts_; }

    Result<bool> present(std::size_t slot) override {
        record("present");
        if (auto error = take_error()) return error;
        return slots_[slot].present;
    }
    SlotFacts slot_facts(std::size_t slot) override {
        const SlotState& s = slots_[slot];
        return SlotFacts{s.present, s.powered, s.powered ? s.atr : Bytes{}, s.protocol};
    }
    Result<Bytes> power_up(std::size_t slot) override {
        record("power_up " + std::to_string(slot));
        if (auto error = take_error()) return error;
        if (!slots_[slot].present) return make_error(ChannelError::no_card);
        slots_[slot].powered = true;
        slots_[slot].protocol.reset();
        return slots_[slot].atr;
    }
    Result<Bytes> reset(std::size_t slot) override {
        record("reset " + std::to_string(slot));
        if (auto error = take_error()) return error;
        slots_[slot].powered = true;
        slots_[slot].protocol.reset();
        return slots_[slot].atr;
    }
    std::error_code power_down(std::size_t slot) override {
        record("power_down " + std::to_string(slot));
        if (auto error = take_error()) return error;
        slots_[slot].powered = false;
        slots_[slot].protocol.reset();
        return {};
    }
    Result<std::uint8_t> select_protocol(std::size_t slot, std::uint16_t protocols) override {
        record("select_protocol " + std::to_string(protocols));
        if (auto error = take_error()) return error;
        if ((protocols & (1u << protocol_choice)) == 0) {
            return make_error(ChannelError::protocol_not_supported);
        }
        slots_[slot].protocol = protocol_choice;
        return protocol_choice;
    }
    Result<std::size_t> transmit(std::size_t, ByteView apdu, std::span<std::uint8_t> out) override {
        record("transmit");
        last_apdu.assign(apdu.begin(), apdu.end());
        if (auto error = take_error()) return error;
        return copy(transmit_answer, out);
    }
    Result<std::size_t> escape(ByteView, std::span<std::uint8_t> out) override {
        record("escape");
        if (auto error = take_error()) return error;
        return copy(escape_answer, out);
    }
    Result<std::size_t> verify_pin(std::size_t, const transport::PinVerification& pin,
                                   std::span<std::uint8_t> out) override {
        record("verify_pin");
        last_verify = pin;
        if (auto error = take_error()) return error;
        return copy(Bytes{0x90, 0x00}, out);
    }
    Result<std::size_t> modify_pin(std::size_t, const transport::PinModification& pin,
                                   std::span<std::uint8_t> out) override {
        record("modify_pin");
        last_modify = pin;
        if (auto error = take_error()) return error;
        return copy(Bytes{0x90, 0x00}, out);
    }
    WaitOutcome wait_for_change(std::size_t slot, std::chrono::milliseconds timeout) override {
        std::unique_lock lock(wait_mutex_);
        last_wait = timeout;
        ++waiting_;
        waiting_changed_.notify_all();
        const bool woken = wake_.wait_for(lock, std::min(timeout, std::chrono::milliseconds(5000)),
                                          [&] { return stop_[slot] || change_[slot] || gone_; });
        --waiting_;
        if (!woken) return WaitOutcome::timed_out;
        if (gone_) return WaitOutcome::device_gone;
        if (stop_[slot]) {
            stop_[slot] = false;
            return WaitOutcome::stopped;
        }
        change_[slot] = false;
        return WaitOutcome::changed;
    }
    void stop_waiting(std::size_t slot) override {
        std::lock_guard lock(wait_mutex_);
        stop_[slot] = true;
        wake_.notify_all();
    }
    void device_removed() override {
        record("device_removed");
        removed = true;
        std::lock_guard lock(wait_mutex_);
        gone_ = true;
        wake_.notify_all();
    }

    // --- test helpers ------------------------------------------------------------------
    void signal_change(std::size_t slot) {
        std::lock_guard lock(wait_mutex_);
        change_[slot] = true;
        wake_.notify_all();
    }
    void clear_stop(std::size_t slot) {
        std::lock_guard lock(wait_mutex_);
        stop_[slot] = false;
    }
    bool wait_until_waiting(std::chrono::milliseconds timeout) {
        std::unique_lock lock(wait_mutex_);
        return waiting_changed_.wait_for(lock, timeout, [&] { return waiting_ > 0; });
    }

private:
    void record(std::string call) {
        std::lock_guard lock(calls_mutex_);
        calls.push_back(std::move(call));
    }
    std::error_code take_error() { return std::exchange(next_error, {}); }
    static Result<std::size_t> copy(const Bytes& answer, std::span<std::uint8_t> out) {
        if (answer.size() > out.size()) return make_error(ChannelError::insufficient_buffer);
        std::copy(answer.begin(), answer.end(), out.begin());
        return answer.size();
    }

    std::mutex calls_mutex_;
    std::mutex wait_mutex_;
    std::condition_variable wake_;
    std::condition_variable waiting_changed_;
    int waiting_ = 0;
    bool stop_[2] = {false, false};
    bool change_[2] = {false, false};
    bool gone_ = false;
};

}  // namespace tessera::ifd::test
