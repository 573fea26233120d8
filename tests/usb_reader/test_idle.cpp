// Idle costs nothing through the real libusb: a reader with a powered card, its interrupt
// listener armed and a thread waiting for a slot change (pcscd's polling thread), and
// three seconds with nothing happening: no transfer submitted, no wake-up of the event
// thread, no URB or ioctl at the device.
#include <doctest/doctest.h>

#include <cstdio>
#include <stop_token>
#include <thread>

#include "card_session.hpp"
#include "tests/emulator/model/reader_profiles.hpp"
#include "usb_reader_fixture.hpp"

namespace tessera::usbreader {

TEST_CASE("idle: an open reader with a card and a waiting poller makes no transfer and no wake-up") {
    emulator::UsbTestbed testbed;
    const auto id = plug_reader(testbed, emulator::make_profile(emulator::Profile::tpdu));
    auto context = make_context();
    auto opened = open_reader(context, testbed, id);
    REQUIRE(opened.reader->notifies_slot_changes());
    REQUIRE(wait_initial_notification(*opened.reader, 0));
    REQUIRE(opened.slot().power_on().has_value());
    const auto response = opened.slot().transmit(read_binary_apdu(256));
    REQUIRE(response.has_value());
    CHECK(is_pattern_9000(*response, 256));

    std::jthread poller([&](std::stop_token stop) {
        while (!stop.stop_requested()) {
            (void)opened.reader->wait_for_slot_change(0, 10s, stop);
        }
    });
    // libusb ends each event pass with one more reap that finds nothing, possibly after
    // the exchange returned: wait (bounded) for a 100 ms quiet spell before the baseline.
    auto backend_before = context.counters();
    auto device_before = testbed.counters(id);
    for (const auto deadline = Clock::now() + 2s; Clock::now() < deadline;) {
        std::this_thread::sleep_for(100ms);
        const auto backend_now = context.counters();
        const auto device_now = testbed.counters(id);
        const bool quiet = backend_now.wakeups == backend_before.wakeups &&
                           device_now.ioctls == device_before.ioctls;
        backend_before = backend_now;
        device_before = device_now;
        if (quiet) break;
    }
    std::this_thread::sleep_for(3s);  // what is measured: three seconds of nothing
    const auto backend_after = context.counters();
    const auto device_after = testbed.counters(id);
    const auto card_present = opened.slot().card_present();  // from the board: no transfer
    const auto backend_checked = context.counters();
    poller.request_stop();
    poller.join();

    std::printf("reader idle 3 s: backend transfers %llu -> %llu, wake-ups %llu -> %llu; "
                "device URBs %llu -> %llu, ioctls %llu -> %llu\n",
                static_cast<unsigned long long>(backend_before.transfers_submitted),
                static_cast<unsigned long long>(backend_after.transfers_submitted),
                static_cast<unsigned long long>(backend_before.wakeups),
                static_cast<unsigned long long>(backend_after.wakeups),
                static_cast<unsigned long long>(device_before.urbs_submitted),
                static_cast<unsigned long long>(device_after.urbs_submitted),
                static_cast<unsigned long long>(device_before.ioctls),
                static_cast<unsigned long long>(device_after.ioctls));
    CHECK(backend_before.transfers_submitted > 0);
    CHECK(backend_after.transfers_submitted == backend_before.transfers_submitted);
    CHECK(backend_after.wakeups == backend_before.wakeups);
    CHECK(device_after.urbs_submitted == device_before.urbs_submitted);
    CHECK(device_after.ioctls == device_before.ioctls);
    REQUIRE(card_present.has_value());
    CHECK(*card_present);
    CHECK(backend_checked.transfers_submitted == backend_after.transfers_submitted);

    // And the listener is really armed: a removal still arrives.
    const auto generation = opened.reader->presence(0)->generation;
    with_device(testbed, id, [](emulator::CcidDevice& device) { device.remove_card(0); });
    CHECK(*opened.reader->wait_for_slot_change(0, generation, 5s) == reader::WaitOutcome::changed);
}

}  // namespace tessera::usbreader
