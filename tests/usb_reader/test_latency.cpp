// Card notification latency through the real libusb: from the model's change (a card
// taken out or put in, NotifySlotChange on the interrupt pipe) to wait_for_slot_change()
// returning in a waiting thread. Prints min / median / max over 50 events; asserts only
// generous bounds (the emulated path costs socket round trips, and the machine is shared).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <thread>
#include <vector>

#include "card_session.hpp"
#include "tests/emulator/model/reader_profiles.hpp"
#include "usb_reader_fixture.hpp"

namespace tessera::usbreader {

TEST_CASE("latency: card removal and insertion reach wait_for_slot_change quickly") {
    SoleReader r(emulator::make_profile(emulator::Profile::tpdu));
    auto& opened = r.opened;
    REQUIRE(opened.reader->notifies_slot_changes());

    constexpr std::size_t kEvents = 50;
    std::vector<double> latency_ms;
    for (std::size_t i = 0; i < kEvents; ++i) {
        const bool insert = i % 2 == 1;  // the card is in at start: remove, insert, ...
        const auto generation = opened.reader->presence(0)->generation;
        auto waiter = std::async(std::launch::async, [&] {
            auto outcome = opened.reader->wait_for_slot_change(0, generation, 5s);
            return std::make_pair(std::move(outcome), Clock::now());
        });
        std::this_thread::sleep_for(3ms);  // let the waiter block first
        const auto changed_at = Clock::now();
        with_device(r.testbed, r.id, [&](emulator::CcidDevice& device) {
            if (insert) {
                REQUIRE_FALSE(device.insert_card(0, emulator::dual_protocol_card()));
            } else {
                device.remove_card(0);
            }
        });
        REQUIRE(waiter.wait_for(10s) == std::future_status::ready);
        auto [outcome, woke_at] = waiter.get();
        REQUIRE(outcome.has_value());
        REQUIRE(*outcome == reader::WaitOutcome::changed);
        CHECK(opened.reader->presence(0)->present == insert);
        latency_ms.push_back(to_ms(woke_at - changed_at));
    }
    std::sort(latency_ms.begin(), latency_ms.end());
    std::printf("slot change latency over %zu events (model change -> wait_for_slot_change "
                "returns): min %.2f ms, median %.2f ms, max %.2f ms\n",
                kEvents, latency_ms.front(), latency_ms[kEvents / 2], latency_ms.back());
    CHECK(latency_ms[kEvents / 2] < 100.0);
    CHECK(latency_ms.back() < 1000.0);
}

}  // namespace tessera::usbreader
