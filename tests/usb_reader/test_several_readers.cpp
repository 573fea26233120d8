// Several readers on one testbed and one UsbContext through the real libusb: full card
// sessions on three readers from three threads at once, and a card removal on one
// reader waking only that reader's waiter while the others keep working.
#include <doctest/doctest.h>

#include <array>
#include <future>
#include <string>
#include <vector>

#include "card_session.hpp"
#include "tests/emulator/model/reader_profiles.hpp"
#include "usb_reader_fixture.hpp"

namespace tessera::usbreader {

namespace {

struct Kind {
    emulator::Profile profile;
    std::uint8_t protocol;
};

constexpr std::array<Kind, 3> kKinds{{
    {emulator::Profile::tpdu, 0},
    {emulator::Profile::short_apdu, 1},
    {emulator::Profile::extended_apdu, 1},
}};

}  // namespace

TEST_CASE("three readers at once: concurrent sessions, and a removal wakes only its reader") {
    emulator::UsbTestbed testbed;
    std::vector<emulator::DeviceId> ids;
    for (const Kind& kind : kKinds) {
        auto config = emulator::make_profile(kind.profile);
        config.cards.assign(1, session_card(kind.protocol, iso7816::Convention::direct));
        ids.push_back(plug_reader(testbed, std::move(config)));
    }
    auto context = make_context();
    std::vector<OpenedReader> readers;
    for (const auto id : ids) {
        readers.push_back(open_reader(context, testbed, id));
        REQUIRE(wait_initial_notification(*readers.back().reader, 0));
    }

    constexpr int kSessions = 8;
    std::vector<std::future<std::string>> runs;
    for (std::size_t r = 0; r < readers.size(); ++r) {
        runs.push_back(std::async(std::launch::async, [&, r] {
            const SessionPlan plan = plan_for(readers[r].reader->capabilities(), kKinds[r].protocol,
                                              iso7816::Convention::direct);
            for (int i = 0; i < kSessions; ++i) {
                auto failure = run_card_session(readers[r].slot(), plan);
                if (!failure.empty()) return "session " + std::to_string(i) + ": " + failure;
            }
            return std::string();
        }));
    }
    for (std::size_t r = 0; r < runs.size(); ++r) {
        CAPTURE(r);
        REQUIRE(runs[r].wait_for(60s) == std::future_status::ready);
        CHECK(runs[r].get() == "");
    }
    for (auto& opened : readers) REQUIRE(opened.slot().power_on().has_value());

    // A waiter on every reader; the card of reader 1 is taken out.
    std::vector<std::uint64_t> generations;
    for (auto& opened : readers) generations.push_back(opened.reader->presence(0)->generation);
    std::vector<std::future<Result<reader::WaitOutcome>>> waiters;
    for (std::size_t r = 0; r < readers.size(); ++r) {
        waiters.push_back(std::async(std::launch::async, [&, r] {
            return readers[r].reader->wait_for_slot_change(0, generations[r], 1500ms);
        }));
    }
    const auto removed_at = Clock::now();
    with_device(testbed, ids[1], [](emulator::CcidDevice& device) { device.remove_card(0); });
    REQUIRE(waiters[1].wait_for(1s) == std::future_status::ready);
    CHECK(Clock::now() - removed_at < 1s);
    CHECK(*waiters[1].get() == reader::WaitOutcome::changed);
    for (const std::size_t r : {std::size_t{0}, std::size_t{2}}) {
        CAPTURE(r);
        REQUIRE(waiters[r].wait_for(5s) == std::future_status::ready);
        CHECK(*waiters[r].get() == reader::WaitOutcome::timeout);
        const auto response = readers[r].slot().transmit(read_binary_apdu(256));
        REQUIRE(response.has_value());
        CHECK(is_pattern_9000(*response, 256));
    }
    CHECK(readers[1].slot().transmit(read_binary_apdu(8)).error() == reader::ReaderError::no_card);
    CHECK_FALSE(*readers[1].slot().card_present());
}

}  // namespace tessera::usbreader
