// Idle costs nothing through the real libusb: a reader with a powered card, its interrupt
// listener armed and a thread waiting for a slot change (pcscd's polling thread), and
// three seconds with nothing happening: no transfer submitted, no wake-up of the event
// thread, no URB or ioctl at the device.
#include <doctest/doctest.h>

#include <stop_token>
#include <thread>

#include "card_session.hpp"
#include "idle_window.hpp"
#include "tests/emulator/model/reader_profiles.hpp"
#include "usb_reader_fixture.hpp"

namespace tessera::usbreader {

TEST_CASE("idle: an open reader with a card and a waiting poller makes no transfer and no wake-up") {
    SoleReader r(emulator::make_profile(emulator::Profile::tpdu));
    auto& opened = r.opened;
    REQUIRE(opened.reader->notifies_slot_changes());
    REQUIRE(opened.slot().power_on().has_value());
    const auto response = opened.slot().transmit(read_binary_apdu(256));
    REQUIRE(response.has_value());
    CHECK(is_pattern_9000(*response, 256));

    std::jthread poller([&](std::stop_token stop) {
        while (!stop.stop_requested()) {
            (void)opened.reader->wait_for_slot_change(0, 10s, stop);
        }
    });
    const auto idle = emulator::measure_idle(r.context, r.testbed, r.id, 3s);
    const auto card_present = opened.slot().card_present();  // from the board: no transfer
    const auto backend_checked = r.context.counters();
    poller.request_stop();
    poller.join();

    emulator::check_idle("reader idle 3 s", idle);
    REQUIRE(card_present.has_value());
    CHECK(*card_present);
    CHECK(backend_checked.transfers_submitted == idle.backend_after.transfers_submitted);

    // And the listener is really armed: a removal still arrives.
    const auto generation = opened.reader->presence(0)->generation;
    with_device(r.testbed, r.id, [](emulator::CcidDevice& device) { device.remove_card(0); });
    CHECK(*opened.reader->wait_for_slot_change(0, generation, 5s) == reader::WaitOutcome::changed);
}

}  // namespace tessera::usbreader
