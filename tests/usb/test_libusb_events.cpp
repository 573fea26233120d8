// Interrupt listener, device loss, idle cost and several devices, through the real
// libusb against the testbed.
#include <algorithm>
#include <cstdio>
#include <thread>

#include "idle_window.hpp"
#include "libusb_fixture.hpp"

namespace tessera::usbtest {

TEST_CASE("interrupt packets arrive in order, exactly once; latency is reported") {
    ListenerLog log, again;  // outlive the port: the listener's final call lands here
    OneDevice one;
    REQUIRE_FALSE(one.port->start_interrupt_listener(log.handler()));
    CHECK(one.port->start_interrupt_listener(log.handler()) == UsbError::already_running);

    constexpr std::size_t kEvents = 40;
    std::vector<Clock::time_point> pushed;
    for (std::size_t i = 0; i < kEvents; ++i) {
        // One event at a time, each pushed only once the listener is re-armed, so the
        // latency measures notification, not queueing.
        REQUIRE(one.plugged.watch->wait_for(kInterruptIn, i + 1, 5000ms));
        pushed.push_back(Clock::now());
        one.with_model([i](LoopbackModel& m) {
            m.push_interrupt({0x50, static_cast<std::uint8_t>(i)});
        });
        REQUIRE(log.wait_packets(i + 1, 5000ms));
    }
    const auto packets = log.packets();
    REQUIRE(packets.size() == kEvents);
    for (std::size_t i = 0; i < kEvents; ++i) {
        CHECK(packets[i] == Bytes{0x50, static_cast<std::uint8_t>(i)});
    }
    std::vector<double> latency_ms;
    const auto arrivals = log.arrivals();
    for (std::size_t i = 0; i < kEvents; ++i) {
        latency_ms.push_back(
            std::chrono::duration<double, std::milli>(arrivals[i] - pushed[i]).count());
    }
    std::sort(latency_ms.begin(), latency_ms.end());
    std::printf("interrupt latency over %zu events: min %.2f ms, median %.2f ms, max %.2f ms\n",
                kEvents, latency_ms.front(), latency_ms[kEvents / 2], latency_ms.back());

    one.port->stop_interrupt_listener();
    CHECK(log.final_calls() == 1);
    CHECK(log.final_error() == UsbError::cancelled);
    CHECK(log.packets().size() == kEvents);  // nothing delivered twice, nothing after
    // Restartable after a stop; a packet queued meanwhile is delivered.
    one.with_model([](LoopbackModel& m) { m.push_interrupt({0x50, 0xFF}); });
    REQUIRE_FALSE(one.port->start_interrupt_listener(again.handler()));
    REQUIRE(again.wait_packets(1, 5000ms));
    CHECK(again.packets().front() == Bytes{0x50, 0xFF});
}

TEST_CASE("unplug: pending read and listener end with no_device promptly, later calls at once") {
    ListenerLog log;  // outlives the port: the listener's final call lands here
    OneDevice one;
    REQUIRE_FALSE(one.port->start_interrupt_listener(log.handler()));
    std::optional<Result<std::size_t>> read_result;
    Clock::time_point read_ended;
    std::thread reader([&] {
        Bytes buffer(64);
        read_result.emplace(one.port->bulk_read(buffer, 20000ms));
        read_ended = Clock::now();
    });
    REQUIRE(one.plugged.watch->wait_for(kBulkIn, 1, 5000ms));
    REQUIRE(one.plugged.watch->wait_for(kInterruptIn, 1, 5000ms));

    const auto unplugged_at = Clock::now();
    one.testbed.unplug(one.plugged.id);
    CHECK_FALSE(one.testbed.plugged(one.plugged.id));
    REQUIRE(log.wait_final(1000ms));
    reader.join();
    REQUIRE(read_result);
    CHECK(read_result->error() == UsbError::no_device);
    CHECK(read_ended - unplugged_at < 1000ms);
    CHECK(log.final_error() == UsbError::no_device);
    CHECK(log.final_calls() == 1);
    CHECK(one.port->gone());

    const auto start = Clock::now();
    CHECK(one.port->bulk_write(pattern(4), 5000ms) == UsbError::no_device);
    Bytes buffer(8);
    CHECK(one.port->bulk_read(buffer, 5000ms).error() == UsbError::no_device);
    CHECK(one.port->control({0xC1, 0x01, 0, 0}, buffer, 5000ms).error() == UsbError::no_device);
    CHECK(one.port->start_interrupt_listener(log.handler()) == UsbError::no_device);
    CHECK(Clock::now() - start < 100ms);
}

TEST_CASE("idle: with the listener armed nothing happens, no transfer and no wake-up") {
    ListenerLog log;  // outlives the port: the listener's final call lands here
    OneDevice one;
    REQUIRE_FALSE(one.port->start_interrupt_listener(log.handler()));
    REQUIRE(one.plugged.watch->wait_for(kInterruptIn, 1, 5000ms));
    // One synchronous exchange, so that everything the set-up caused has been handled.
    Bytes answer(4);
    CHECK(one.port->control({0x80, 0x00, 0, 0}, answer, 1000ms));
    const auto idle = emulator::measure_idle(one.context, one.testbed, one.plugged.id, 3s);
    emulator::check_idle("idle 3 s", idle);
    CHECK(log.packets().empty());

    // And the listener is really armed: an event still arrives.
    one.with_model([](LoopbackModel& m) { m.push_interrupt({0x50, 0x03}); });
    CHECK(log.wait_packets(1, 5000ms));
}

TEST_CASE("two devices work independently, and losing one leaves the other working") {
    ListenerLog log_a, log_b;  // outlive the ports
    emulator::UsbTestbed testbed;
    auto a = plug_loopback(testbed);
    LoopbackOptions other;
    other.product_id = 0x0B0B;
    auto b = plug_loopback(testbed, other);
    auto context = make_context();
    auto port_a = open_device(context, testbed, a.id);
    auto port_b = open_device(context, testbed, b.id);
    CHECK(port_b->info().product_id == 0x0B0B);

    REQUIRE_FALSE(port_a->start_interrupt_listener(log_a.handler()));
    REQUIRE_FALSE(port_b->start_interrupt_listener(log_b.handler()));
    REQUIRE_FALSE(port_a->bulk_write(pattern(30, 1), 1000ms));
    REQUIRE_FALSE(port_b->bulk_write(pattern(40, 2), 1000ms));
    Bytes buffer(64);
    auto nb = port_b->bulk_read(buffer, 1000ms);
    REQUIRE(nb);
    CHECK(Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*nb)) ==
          pattern(40, 2));
    auto na = port_a->bulk_read(buffer, 1000ms);
    REQUIRE(na);
    CHECK(Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*na)) ==
          pattern(30, 1));

    testbed.with<LoopbackModel>(b.id, [](LoopbackModel& m) { m.push_interrupt({0xBB}); });
    REQUIRE(log_b.wait_packets(1, 5000ms));
    CHECK(log_a.packets().empty());

    testbed.unplug(a.id);
    REQUIRE(log_a.wait_final(1000ms));
    CHECK(log_a.final_error() == UsbError::no_device);
    CHECK(log_b.final_calls() == 0);
    REQUIRE_FALSE(port_b->bulk_write(pattern(3), 1000ms));
    CHECK(port_b->bulk_read(buffer, 1000ms));
    testbed.with<LoopbackModel>(b.id, [](LoopbackModel& m) { m.push_interrupt({0xBC}); });
    CHECK(log_b.wait_packets(2, 5000ms));
}

TEST_CASE("a replugged device appears at a new address and can be opened again") {
    emulator::UsbTestbed testbed;
    auto plugged = plug_loopback(testbed);
    auto context = make_context();
    auto port = open_device(context, testbed, plugged.id);
    const auto old_address = port->info().address;

    testbed.unplug(plugged.id);
    port.reset();
    testbed.replug(plugged.id);
    CHECK(testbed.plugged(plugged.id));
    CHECK(testbed.address(plugged.id) != old_address);

    // libusb learns of the new device from the "add" uevent on its own hotplug thread;
    // nothing in its API signals that, so retry the open within a bound.
    Result<std::unique_ptr<usb::UsbDevice>> reopened = UsbError::not_found;
    const auto deadline = Clock::now() + 5s;
    while (!reopened && Clock::now() < deadline) {
        reopened = context.open(testbed.pcscd_device_name(plugged.id));
        if (!reopened) std::this_thread::sleep_for(20ms);
    }
    REQUIRE_MESSAGE(reopened, reopened.error().message());
    REQUIRE_FALSE((*reopened)->bulk_write(pattern(8), 1000ms));
    Bytes buffer(16);
    auto n = (*reopened)->bulk_read(buffer, 1000ms);
    REQUIRE(n);
    CHECK(*n == 8);
}

}  // namespace tessera::usbtest
