// The polling function's contract (TAG_IFD_POLLING_THREAD_WITH_TIMEOUT) through the
// pcscd-facing CcidChannel and Driver, on an emulated reader through the real libusb:
// the wait returns when the slot changed since its own previous return (or on timeout or
// stop), whatever other calls happen in between, and once it returned for an event the
// presence answer reflects that event. Callers that are not pcscd are the point: one that
// never asks for presence between polls, one that asks from another thread, and events
// while the machine is busy.
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "ifdhandler/ccid_channel.hpp"
#include "ifdhandler/driver.hpp"
#include "tests/emulator/model/reader_profiles.hpp"
#include "usb_reader_fixture.hpp"

namespace tessera::usbreader {
namespace {

using ifd::WaitOutcome;

constexpr auto kEventBound = 5s;      // an event reaches the waiter long before this
constexpr auto kQuietWindow = 300ms;  // a poll this long without an event must time out

ifd::CcidChannelSettings channel_settings() {
    ifd::CcidChannelSettings settings;
    settings.reader = fast_options();
    return settings;
}

/// One emulated TPDU reader with a card, opened as pcscd opens it (CcidChannel::open by
/// the pcscd device name). Members go in reverse order: channel, context, testbed.
struct ChannelOnReader {
    emulator::UsbTestbed testbed;
    emulator::DeviceId id;
    usb::UsbContext context;
    std::shared_ptr<ifd::CcidChannel> channel;

    ChannelOnReader()
        : id(plug_reader(testbed, emulator::make_profile(emulator::Profile::tpdu))),
          context(make_context()) {
        auto opened = ifd::CcidChannel::open(context, testbed.pcscd_device_name(id), channel_settings());
        REQUIRE_MESSAGE(opened, opened.error().message());
        channel = std::move(*opened);
        REQUIRE(channel->facts().interrupt_events);
    }

    void remove_card() {
        with_device(testbed, id, [](emulator::CcidDevice& device) { device.remove_card(0); });
    }
    void insert_card() {
        with_device(testbed, id, [](emulator::CcidDevice& device) {
            REQUIRE_FALSE(device.insert_card(0, emulator::dual_protocol_card()));
        });
    }
    bool present() {
        const auto answer = channel->present(0);
        REQUIRE(answer);
        return *answer;
    }
};

/// Polls until the quiet window passes without a return; how many `changed` returns came
/// first (0 when nothing was pending). Bounded: a channel that returns at once forever
/// makes it stop after `limit` returns.
int changed_returns_until_quiet(ifd::Channel& channel, int limit = 50) {
    int changed = 0;
    while (changed < limit) {
        const auto outcome = channel.wait_for_change(0, kQuietWindow);
        if (outcome == WaitOutcome::timed_out) break;
        REQUIRE(outcome == WaitOutcome::changed);
        ++changed;
    }
    return changed;
}

}  // namespace

TEST_CASE("polling contract: a caller that never asks for presence sees each change once") {
    ChannelOnReader r;
    CHECK(r.channel->wait_for_change(0, kQuietWindow) == WaitOutcome::timed_out);  // nothing yet

    r.remove_card();
    CHECK(r.channel->wait_for_change(0, kEventBound) == WaitOutcome::changed);
    CHECK(changed_returns_until_quiet(*r.channel) == 0);  // no spinning on a reported change

    r.insert_card();
    CHECK(r.channel->wait_for_change(0, kEventBound) == WaitOutcome::changed);
    CHECK(changed_returns_until_quiet(*r.channel) == 0);
    CHECK(r.present());
}

TEST_CASE("polling contract: once the wait returned for an event, presence reflects it") {
    ChannelOnReader r;
    for (int round = 0; round < 10; ++round) {
        const bool insert = round % 2 == 1;  // the card is in at start
        auto waiter = std::async(std::launch::async, [&] { return r.channel->wait_for_change(0, kEventBound); });
        std::this_thread::sleep_for(2ms);
        insert ? r.insert_card() : r.remove_card();
        REQUIRE(waiter.wait_for(2 * kEventBound) == std::future_status::ready);
        REQUIRE(waiter.get() == WaitOutcome::changed);
        CHECK(r.present() == insert);  // asked right after the return, no delay
    }
}

TEST_CASE("polling contract: a presence question between two polls hides no change from the poller") {
    ChannelOnReader r;
    r.remove_card();
    // Another thread learns of the removal first, while nobody waits.
    auto asker = std::async(std::launch::async, [&] {
        for (const auto deadline = Clock::now() + kEventBound; Clock::now() < deadline;) {
            if (!r.present()) return true;
            std::this_thread::sleep_for(1ms);
        }
        return false;
    });
    REQUIRE(asker.get());
    CHECK(r.channel->wait_for_change(0, kEventBound) == WaitOutcome::changed);
    CHECK(changed_returns_until_quiet(*r.channel) == 0);

    // The same while a second thread asks for presence all the time.
    std::atomic<bool> done{false};
    auto questions = std::async(std::launch::async, [&] {
        long asked = 0;
        while (!done.load()) {
            (void)r.channel->present(0);
            ++asked;
        }
        return asked;
    });
    for (int round = 0; round < 6; ++round) {
        const bool insert = round % 2 == 0;  // the card is out now
        insert ? r.insert_card() : r.remove_card();
        CHECK(r.channel->wait_for_change(0, kEventBound) == WaitOutcome::changed);
        CHECK(r.present() == insert);
    }
    CHECK(changed_returns_until_quiet(*r.channel) == 0);
    done.store(true);
    CHECK(questions.get() > 0);
}

TEST_CASE("polling contract: every event is seen exactly once while the machine is loaded") {
    ChannelOnReader r;
    std::atomic<bool> done{false};
    std::vector<std::future<void>> burners;
    const unsigned cores = std::max(2u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < 2 * cores; ++i) {
        burners.push_back(std::async(std::launch::async, [&done] {
            std::atomic<unsigned long> spin{0};
            const auto deadline = Clock::now() + 60s;  // bounded even if the test aborts
            while (!done.load(std::memory_order_relaxed) && Clock::now() < deadline) spin.fetch_add(1, std::memory_order_relaxed);
        }));
    }
    int missed = 0, extra = 0;
    for (int round = 0; round < 20; ++round) {
        const bool insert = round % 2 == 1;
        insert ? r.insert_card() : r.remove_card();
        if (r.channel->wait_for_change(0, kEventBound) != WaitOutcome::changed) ++missed;
        else if (r.present() != insert) ++missed;
        const auto next = r.channel->wait_for_change(0, 50ms);
        if (next != WaitOutcome::timed_out) ++extra;
    }
    done.store(true);
    for (auto& burner : burners) burner.get();
    CHECK(missed == 0);
    CHECK(extra == 0);
}

TEST_CASE("polling contract through the Driver: the polling callback waits out a quiet slot") {
    // pcscd's view: Driver::poll always returns IFD_SUCCESS, so a return that came without
    // an event shows only as a wait shorter than the timeout.
    emulator::UsbTestbed testbed;
    const auto id = plug_reader(testbed, emulator::make_profile(emulator::Profile::tpdu));
    auto context = make_context();
    ifd::ChannelOpener opener = [&](std::string_view name) -> Result<std::shared_ptr<ifd::Channel>> {
        auto channel = ifd::CcidChannel::open(context, name, channel_settings());
        if (!channel) return channel.error();
        return std::shared_ptr<ifd::Channel>(std::move(*channel));
    };
    ifd::Driver driver(std::move(opener), ifd::DriverSettings{}, ifd::Log{});
    constexpr DWORD lun = 0;
    REQUIRE(driver.create_channel_by_name(lun, testbed.pcscd_device_name(id)) == IFD_SUCCESS);
    CHECK(driver.icc_presence(lun) == IFD_ICC_PRESENT);

    const auto quiet_poll_ms = [&] {
        const auto start = Clock::now();
        CHECK(driver.poll(lun, 300) == IFD_SUCCESS);
        return to_ms(Clock::now() - start);
    };
    CHECK(quiet_poll_ms() >= 250.0);

    with_device(testbed, id, [](emulator::CcidDevice& device) { device.remove_card(0); });
    const auto start = Clock::now();
    CHECK(driver.poll(lun, 5000) == IFD_SUCCESS);
    CHECK(to_ms(Clock::now() - start) < 4000.0);
    CHECK(driver.icc_presence(lun) == IFD_ICC_NOT_PRESENT);
    CHECK(quiet_poll_ms() >= 250.0);  // the removal was reported; no second return for it
    CHECK(driver.close_channel(lun) == IFD_SUCCESS);
}

}  // namespace tessera::usbreader
