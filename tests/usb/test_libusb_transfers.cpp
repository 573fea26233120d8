// Bulk and control transfers through the real libusb against the testbed: data, stalls,
// timeouts, cancellation, and closing with transfers pending.
#include <thread>

#include "libusb_fixture.hpp"

namespace tessera::usbtest {

TEST_CASE("bulk write then read returns the same bytes, for every size class") {
    OneDevice one;
    for (std::size_t size : {0u, 1u, 64u, 65u, 271u, 65546u + 10u}) {
        CAPTURE(size);
        const Bytes sent = pattern(size, static_cast<std::uint8_t>(size));
        REQUIRE_FALSE(one.port->bulk_write(sent, 2000ms));
        Bytes received(size + 64);
        auto n = one.port->bulk_read(received, 2000ms);
        REQUIRE_MESSAGE(n, n.error().message());
        received.resize(*n);
        CHECK(received == sent);
    }
}

TEST_CASE("bulk_write_read: the answer comes back, the IN was pending before the OUT") {
    OneDevice one;
    const Bytes sent = pattern(271, 7);
    Bytes received(512);
    const auto outcome = one.port->bulk_write_read(sent, 1000ms, received, 1000ms);
    REQUIRE_FALSE(outcome.write_error);
    REQUIRE_FALSE(outcome.read_error);
    received.resize(outcome.received);
    CHECK(received == sent);
    // The read was at the device before the message: asked once with nothing to send
    // (pending), then again after the OUT and answered; one URB, never cancelled.
    CHECK(one.plugged.watch->count(kBulkIn) == 2);
    CHECK(one.with_model([](LoopbackModel& m) { return m.cancellations(kBulkIn); }) == 0);
}

TEST_CASE("bulk_write_read: a stalled OUT cancels the pending IN; a stalled IN is the read's error") {
    OneDevice one;
    one.with_model([](LoopbackModel& m) { m.stall(kBulkOut); });
    Bytes buffer(64);
    const auto stalled = one.port->bulk_write_read(pattern(3), 1000ms, buffer, 1000ms);
    CHECK(stalled.write_error == UsbError::pipe);
    CHECK_FALSE(stalled.read_error);
    CHECK(one.with_model([](LoopbackModel& m) { return m.cancellations(kBulkIn); }) == 1);
    REQUIRE_FALSE(one.port->clear_halt(usb::Endpoint::bulk_out));
    const auto echoed = one.port->bulk_write_read(pattern(3), 1000ms, buffer, 1000ms);
    REQUIRE_FALSE(echoed.write_error);
    REQUIRE_FALSE(echoed.read_error);
    CHECK(echoed.received == 3);

    one.with_model([](LoopbackModel& m) { m.stall(kBulkIn); });
    const auto in_stalled = one.port->bulk_write_read(pattern(3), 1000ms, buffer, 1000ms);
    CHECK_FALSE(in_stalled.write_error);
    CHECK(in_stalled.read_error == UsbError::pipe);
}

TEST_CASE("a read shorter than the message gets the message in parts") {
    OneDevice one;
    const Bytes sent = pattern(100);
    REQUIRE_FALSE(one.port->bulk_write(sent, 1000ms));
    Bytes first(64), second(64);
    auto n1 = one.port->bulk_read(first, 1000ms);
    auto n2 = one.port->bulk_read(second, 1000ms);
    REQUIRE(n1);
    REQUIRE(n2);
    CHECK(*n1 == 64);
    CHECK(*n2 == 36);
    first.resize(*n1);
    first.insert(first.end(), second.begin(), second.begin() + 36);
    CHECK(first == sent);
}

TEST_CASE("control IN and OUT requests, and a refused one as pipe") {
    OneDevice one;
    one.with_model([](LoopbackModel& m) { m.set_control_answer(0x01, {0xA0, 0x0F, 0, 0}); });

    Bytes answer(8);
    auto n = one.port->control({0xC1, 0x01, 0, 0}, answer, 1000ms);
    REQUIRE_MESSAGE(n, n.error().message());
    CHECK(*n == 4);
    CHECK(Bytes(answer.begin(), answer.begin() + 4) == Bytes{0xA0, 0x0F, 0, 0});

    Bytes out{1, 2, 3};
    auto written = one.port->control({0x41, kVendorWrite, 0, 0}, out, 1000ms);
    REQUIRE(written);
    CHECK(*written == 3);
    CHECK(one.with_model([](LoopbackModel& m) { return m.control_writes(); }) ==
          std::vector<Bytes>{{1, 2, 3}});

    CHECK(one.port->control({0xC1, 0x7F, 0, 0}, answer, 1000ms).error() == UsbError::pipe);
    // The device still works after a refused request.
    CHECK(one.port->control({0xC1, 0x01, 0, 0}, answer, 1000ms));
}

TEST_CASE("standard GET_DESCRIPTOR requests are answered from the identity") {
    OneDevice one;
    Bytes device(18);
    auto n = one.port->control({0x80, 0x06, 0x0100, 0}, device, 1000ms);
    REQUIRE(n);
    CHECK(*n == 18);
    CHECK(device[8] == 0x09);  // idVendor 0x1209, little endian
    CHECK(device[9] == 0x12);

    Bytes product(255);
    auto m = one.port->control({0x80, 0x06, 0x0302, 0x0409}, product, 1000ms);
    REQUIRE(m);
    CHECK(*m == 2 + 2 * std::string("USB loopback").size());
    CHECK(product[1] == 0x03);
    CHECK(product[2] == 'U');
}

TEST_CASE("a stalled bulk endpoint reports pipe until its halt is cleared") {
    OneDevice one;
    one.with_model([](LoopbackModel& m) { m.stall(kBulkOut); });
    const Bytes data{1, 2, 3};
    CHECK(one.port->bulk_write(data, 1000ms) == UsbError::pipe);
    CHECK(one.port->bulk_write(data, 1000ms) == UsbError::pipe);

    REQUIRE_FALSE(one.port->clear_halt(usb::Endpoint::bulk_out));
    CHECK_FALSE(one.with_model([](LoopbackModel& m) { return m.halted(kBulkOut); }));
    CHECK_FALSE(one.port->bulk_write(data, 1000ms));
    Bytes back(8);
    auto n = one.port->bulk_read(back, 1000ms);
    REQUIRE(n);
    CHECK(*n == 3);

    one.with_model([](LoopbackModel& m) { m.stall(kBulkIn); });
    CHECK(one.port->bulk_read(back, 1000ms).error() == UsbError::pipe);
    REQUIRE_FALSE(one.port->clear_halt(usb::Endpoint::bulk_in));
    CHECK_FALSE(one.port->bulk_write(data, 1000ms));
    CHECK(one.port->bulk_read(back, 1000ms));
}

TEST_CASE("a bulk read with nothing to read times out within its bound") {
    OneDevice one;
    Bytes buffer(64);
    const auto start = Clock::now();
    auto n = one.port->bulk_read(buffer, 150ms);
    const auto elapsed = Clock::now() - start;
    CHECK(n.error() == UsbError::timeout);
    CHECK(elapsed >= 140ms);
    CHECK(elapsed < 1500ms);
    CHECK(one.with_model([](LoopbackModel& m) { return m.cancellations(kBulkIn); }) == 1);
    // The timed-out read took nothing away: the next message arrives whole.
    REQUIRE_FALSE(one.port->bulk_write(pattern(10), 1000ms));
    auto next = one.port->bulk_read(buffer, 1000ms);
    REQUIRE(next);
    CHECK(*next == 10);
}

TEST_CASE("cancel_pending from another thread ends a blocked read promptly") {
    OneDevice one;
    std::optional<Result<std::size_t>> result;
    Clock::time_point ended;
    std::thread reader([&] {
        Bytes buffer(64);
        result.emplace(one.port->bulk_read(buffer, 20000ms));
        ended = Clock::now();
    });
    REQUIRE(one.plugged.watch->wait_for(kBulkIn, 1, 5000ms));  // the read is at the device
    const auto cancelled_at = Clock::now();
    one.port->cancel_pending();
    reader.join();
    REQUIRE(result);
    CHECK(result->error() == UsbError::cancelled);
    CHECK(ended - cancelled_at < 1000ms);
    // The port still works afterwards.
    REQUIRE_FALSE(one.port->bulk_write(pattern(5), 1000ms));
    Bytes buffer(64);
    CHECK(one.port->bulk_read(buffer, 1000ms));
}

TEST_CASE("asynchronous submit: the handler runs once, then waiters see the outcome") {
    OneDevice one;
    std::atomic<int> handler_calls{0};
    std::size_t handler_length = 0;
    auto read = one.port->submit_bulk_read(kBulkIn, 64, 5000ms,
                                           [&](const usb::TransferOutcome& outcome) {
                                               handler_length = outcome.data.size();
                                               ++handler_calls;
                                           });
    REQUIRE(read);
    CHECK_FALSE(read->done());
    auto write = one.port->submit_bulk_write(kBulkOut, pattern(20), 5000ms);
    REQUIRE(write);
    CHECK_FALSE(write->wait().error);
    REQUIRE(read->wait_for(5000ms));
    auto outcome = read->wait();
    CHECK_FALSE(outcome.error);
    CHECK(outcome.data == pattern(20));
    CHECK(handler_calls == 1);
    CHECK(handler_length == 20);

    auto pending = one.port->submit_bulk_read(kBulkIn, 64, 0ms);
    REQUIRE(pending);
    pending->cancel();
    REQUIRE(pending->wait_for(2000ms));
    CHECK(pending->wait().error == UsbError::cancelled);

    CHECK(one.port->submit_bulk_read(kBulkOut, 64, 0ms).error() == UsbError::invalid_param);
}

TEST_CASE("destroying a port with transfers pending neither hangs nor leaks") {
    ListenerLog log;  // outlives the port: the listener's final call lands here
    OneDevice one;
    REQUIRE_FALSE(one.port->start_interrupt_listener(log.handler()));
    auto read = one.port->submit_bulk_read(kBulkIn, 64, 0ms);
    REQUIRE(read);
    REQUIRE(one.plugged.watch->wait_for(kBulkIn, 1, 5000ms));
    REQUIRE(one.plugged.watch->wait_for(kInterruptIn, 1, 5000ms));

    const auto start = Clock::now();
    one.port.reset();
    CHECK(Clock::now() - start < 2000ms);
    REQUIRE(read->wait_for(1000ms));
    CHECK(read->wait().error == UsbError::closed);
    CHECK(log.final_calls() == 1);
    CHECK(log.final_error() == UsbError::closed);
}

TEST_CASE("set_zero_length_packet puts the zero-packet flag on every later bulk-OUT URB") {
    OneDevice one;
    const auto zero_packet_urbs = [&] {
        return one.testbed.counters(one.plugged.id).bulk_out_zero_packet;
    };
    Bytes echo(128);
    REQUIRE_FALSE(one.port->bulk_write(pattern(64), 1000ms));  // a whole packet, flag off
    REQUIRE(one.port->bulk_read(echo, 1000ms));
    CHECK(zero_packet_urbs() == 0);

    one.port->set_zero_length_packet(true);
    REQUIRE_FALSE(one.port->bulk_write(pattern(64), 1000ms));
    REQUIRE(one.port->bulk_read(echo, 1000ms));
    const auto pair = one.port->bulk_write_read(pattern(5), 1000ms, echo, 1000ms);
    REQUIRE_FALSE(pair.write_error);
    REQUIRE_FALSE(pair.read_error);
    // libusb hands the flag to the kernel for every OUT transfer; the host controller
    // sends the zero-length packet only after whole packets (USB 2.0 5.8.3).
    CHECK(zero_packet_urbs() == 2);
    CHECK(one.testbed.counters(one.plugged.id).bulk_out_transfers == 3);

    one.port->set_zero_length_packet(false);
    REQUIRE_FALSE(one.port->bulk_write(pattern(64), 1000ms));
    REQUIRE(one.port->bulk_read(echo, 1000ms));
    CHECK(zero_packet_urbs() == 2);
}

TEST_CASE("calls after close fail with closed") {
    ListenerLog log;
    OneDevice one;
    one.port->close();
    CHECK(one.port->bulk_write(pattern(1), 100ms) == UsbError::closed);
    Bytes buffer(8);
    CHECK(one.port->bulk_read(buffer, 100ms).error() == UsbError::closed);
    CHECK(one.port->start_interrupt_listener(log.handler()) == UsbError::closed);
}

}  // namespace tessera::usbtest
