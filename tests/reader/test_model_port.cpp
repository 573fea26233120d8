// ModelPort over a tiny scripted model: pending IN transfers are asked again after every
// call into the model and after with_model(); timeouts, cancel_pending, stalls, overflow,
// device loss and the interrupt listener behave as the UsbPort contract says.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <thread>

#include "tests/emulator/port/model_port.hpp"
#include "tests/reader/script_port.hpp"

using namespace tessera;
using namespace tessera::emulator;
using namespace std::chrono_literals;
using usb::UsbError;

namespace {

// Echoes every bulk OUT transfer on bulk IN; interrupt IN sends what `interrupts` holds.
// Every queue is touched only under the port's lock (through the model calls or
// with_model), as the model contract says.
class EchoModel final : public UsbDeviceModel {
public:
    std::deque<Bytes> bulk;
    std::deque<Bytes> interrupts;
    bool stall_next_in = false;
    bool unplug_next_call = false;
    std::size_t cancelled_count = 0;
    std::size_t halts_cleared = 0;

    const UsbIdentity& identity() const override { return identity_; }
    UsbAnswer bulk_out(std::uint8_t, ByteView data) override {
        if (unplug_next_call) return {Completion::gone, {}};
        bulk.emplace_back(data.begin(), data.end());
        return {Completion::done, {}};
    }
    UsbAnswer in(std::uint8_t endpoint, std::size_t max_length) override {
        if (unplug_next_call) return {Completion::gone, {}};
        std::deque<Bytes>& queue = endpoint == 0x83 ? interrupts : bulk;
        if (endpoint != 0x83 && stall_next_in) {
            stall_next_in = false;
            return {Completion::stall, {}};
        }
        if (queue.empty()) return {Completion::pending, {}};
        Bytes data = std::move(queue.front());
        queue.pop_front();
        if (data.size() > max_length) data.resize(max_length + 1);  // tells the host: overflow
        return {Completion::done, std::move(data)};
    }
    UsbAnswer control(const SetupPacket& setup, ByteView) override {
        if (setup.bRequest == 0x02) return {Completion::done, {0x01, 0x02, 0x03, 0x04}};
        return {Completion::stall, {}};
    }
    void clear_halt(std::uint8_t) override { ++halts_cleared; }
    void cancelled(std::uint8_t) override { ++cancelled_count; }

private:
    UsbIdentity identity_;
};

struct Fixture {
    EchoModel* model = nullptr;
    std::unique_ptr<ModelPort> port;
    Fixture() {
        auto owned = std::make_unique<EchoModel>();
        model = owned.get();
        port = std::make_unique<ModelPort>(std::move(owned), test::test_port_info(true));
    }
};

}  // namespace

TEST_CASE("ModelPort: a write completes a pending read") {
    Fixture f;
    std::array<std::uint8_t, 16> buffer{};
    auto reader = std::async(std::launch::async, [&] { return f.port->bulk_read(buffer, 5000ms); });
    std::this_thread::sleep_for(20ms);
    CHECK_FALSE(f.port->bulk_write(Bytes{1, 2, 3}, 100ms));
    REQUIRE(reader.wait_for(2s) == std::future_status::ready);
    auto received = reader.get();
    REQUIRE(received.has_value());
    CHECK(*received == 3);
    CHECK(buffer[2] == 3);
    const auto counters = f.port->counters();
    CHECK(counters.bulk_out == 1);
    CHECK(counters.bulk_in == 1);
}

TEST_CASE("ModelPort: with_model wakes a pending read; timeouts are bounded and tell the model") {
    Fixture f;
    std::array<std::uint8_t, 16> buffer{};
    const auto started = std::chrono::steady_clock::now();
    CHECK(f.port->bulk_read(buffer, 50ms).error() == UsbError::timeout);
    CHECK(std::chrono::steady_clock::now() - started < 2s);
    CHECK(f.port->with_model([](UsbDeviceModel& m) { return static_cast<EchoModel&>(m).cancelled_count; }) == 1);

    auto reader = std::async(std::launch::async, [&] { return f.port->bulk_read(buffer, 5000ms); });
    std::this_thread::sleep_for(20ms);
    f.port->with_model([](UsbDeviceModel& m) { static_cast<EchoModel&>(m).bulk.push_back({9, 9}); });
    REQUIRE(reader.wait_for(2s) == std::future_status::ready);
    CHECK(*reader.get() == 2);
}

TEST_CASE("ModelPort: cancel_pending ends a waiting read with cancelled") {
    Fixture f;
    std::array<std::uint8_t, 16> buffer{};
    auto reader = std::async(std::launch::async, [&] { return f.port->bulk_read(buffer, 60'000ms); });
    std::this_thread::sleep_for(20ms);
    f.port->cancel_pending();
    REQUIRE(reader.wait_for(2s) == std::future_status::ready);
    CHECK(reader.get().error() == UsbError::cancelled);
}

TEST_CASE("ModelPort: stall, clear_halt, overflow and control requests") {
    Fixture f;
    std::array<std::uint8_t, 4> buffer{};
    f.port->with_model([](UsbDeviceModel& m) { static_cast<EchoModel&>(m).stall_next_in = true; });
    CHECK(f.port->bulk_read(buffer, 100ms).error() == UsbError::pipe);
    CHECK_FALSE(f.port->clear_halt(usb::Endpoint::bulk_in));
    CHECK(f.model->halts_cleared == 1);
    CHECK_FALSE(f.port->bulk_write(Bytes(8, 0xAA), 100ms));
    CHECK(f.port->bulk_read(buffer, 100ms).error() == UsbError::overflow);
    std::array<std::uint8_t, 8> data{};
    auto got = f.port->control({0xA1, 0x02, 0, 0}, data, 100ms);
    REQUIRE(got.has_value());
    CHECK(*got == 4);
    CHECK(f.port->control({0xA1, 0x07, 0, 0}, data, 100ms).error() == UsbError::pipe);
}

TEST_CASE("ModelPort: the listener delivers interrupt packets as they appear, and stops") {
    Fixture f;
    std::mutex mutex;
    std::vector<Bytes> packets;
    std::promise<std::error_code> ended;
    CHECK_FALSE(f.port->start_interrupt_listener([&](std::error_code error, std::span<const std::uint8_t> data) {
        if (error) {
            ended.set_value(error);
            return;
        }
        std::lock_guard lock(mutex);
        packets.emplace_back(data.begin(), data.end());
    }));
    CHECK(f.port->start_interrupt_listener([](std::error_code, std::span<const std::uint8_t>) {}) ==
          UsbError::already_running);
    f.port->with_model([](UsbDeviceModel& m) { static_cast<EchoModel&>(m).interrupts.push_back({0x50, 0x03}); });
    for (int i = 0; i < 200; ++i) {
        {
            std::lock_guard lock(mutex);
            if (!packets.empty()) break;
        }
        std::this_thread::sleep_for(5ms);
    }
    {
        std::lock_guard lock(mutex);
        REQUIRE(packets.size() == 1);
        CHECK(packets[0] == Bytes{0x50, 0x03});
    }
    f.port->stop_interrupt_listener();
    auto final_call = ended.get_future();
    REQUIRE(final_call.wait_for(0s) == std::future_status::ready);  // stop waits for it
    CHECK(final_call.get() == UsbError::cancelled);
    CHECK(f.port->counters().interrupt_in == 1);
}

TEST_CASE("ModelPort: blocking calls from the listener thread are refused, not deadlocked") {
    Fixture f;
    std::promise<std::error_code> result;
    std::atomic<bool> once{false};
    CHECK_FALSE(f.port->start_interrupt_listener([&](std::error_code error, std::span<const std::uint8_t>) {
        if (error || once.exchange(true)) return;
        result.set_value(f.port->bulk_write(Bytes{1}, 100ms));
    }));
    f.port->with_model([](UsbDeviceModel& m) { static_cast<EchoModel&>(m).interrupts.push_back({0x50, 0x00}); });
    auto answer = result.get_future();
    REQUIRE(answer.wait_for(2s) == std::future_status::ready);
    CHECK(answer.get() == UsbError::wrong_thread);
}

TEST_CASE("ModelPort: gone ends every waiter with no_device, now and forever") {
    Fixture f;
    std::promise<std::error_code> ended;
    CHECK_FALSE(f.port->start_interrupt_listener([&](std::error_code error, std::span<const std::uint8_t>) {
        if (error) ended.set_value(error);
    }));
    std::array<std::uint8_t, 16> buffer{};
    auto reader = std::async(std::launch::async, [&] { return f.port->bulk_read(buffer, 60'000ms); });
    std::this_thread::sleep_for(20ms);
    f.port->with_model([](UsbDeviceModel& m) { static_cast<EchoModel&>(m).unplug_next_call = true; });
    REQUIRE(reader.wait_for(2s) == std::future_status::ready);
    CHECK(reader.get().error() == UsbError::no_device);
    auto final_call = ended.get_future();
    REQUIRE(final_call.wait_for(2s) == std::future_status::ready);
    CHECK(final_call.get() == UsbError::no_device);
    CHECK(f.port->gone());
    CHECK(f.port->bulk_write(Bytes{1}, 10ms) == UsbError::no_device);
    CHECK(f.port->bulk_read(buffer, 10ms).error() == UsbError::no_device);
    CHECK(f.port->clear_halt(usb::Endpoint::bulk_in) == UsbError::no_device);
}

TEST_CASE("ModelPort: with set_zero_length_packet, a write of whole packets adds a zero-length packet") {
    usb::UsbPortInfo info = test::test_port_info(false);
    usb::UsbEndpointDescriptor bulk_out;
    bulk_out.bEndpointAddress = info.bulk_out;
    bulk_out.wMaxPacketSize = 64;
    info.interface.endpoints.push_back(bulk_out);
    ModelPort port(std::make_unique<EchoModel>(), info);
    CHECK_FALSE(port.bulk_write(Bytes(64, 0xAA), 100ms));
    CHECK(port.counters().zero_length_packets == 0);  // off by default
    port.set_zero_length_packet(true);
    for (const std::size_t size : {64u, 10u, 128u, 65u}) CHECK_FALSE(port.bulk_write(Bytes(size, 0xAA), 100ms));
    CHECK(port.counters().zero_length_packets == 2);  // after 64 and 128 bytes (USB 2.0 5.8.3)
    CHECK(port.counters().bulk_out == 5);
}
