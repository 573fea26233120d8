// Every fault of the emulated reader (fault_schedule.hpp) through the real libusb: the
// call ends in its ReaderError within a bound, and the reader works again afterwards; an
// unplug ends the call, every waiter and every later call with reader_gone.
//
// Each fault runs on a TPDU-level reader with a T=0 card (an 8-byte READ BINARY, the fault
// on its one XfrBlock) and on an extended-APDU-level reader (dwMaxCCIDMessageLength 1014)
// with a T=1 card (a 4096-byte READ BINARY, the fault on the second XfrBlock: in the
// middle of the response chain). Every device is plugged before the UsbContext starts.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "card_session.hpp"
#include "tests/emulator/model/reader_profiles.hpp"
#include "tests/reader/fault_cases.hpp"
#include "usb_reader_fixture.hpp"

namespace tessera::usbreader {

namespace {

using emulator::FaultKind;
using reader::ReaderError;

constexpr auto kBound = 10s;

// A reader set-up a fault runs on: the profile, the card's protocol, the read that
// carries the fault and which XfrBlock of it is hit.
struct Setup {
    const char* name;
    emulator::Profile profile;
    std::uint8_t protocol;
    std::size_t read_length;
    std::size_t fault_after;  // XfrBlocks that pass before the fault
};

constexpr Setup kSetups[] = {
    {"TPDU T=0, 8-byte read", emulator::Profile::tpdu, 0, 8, 0},
    {"extended APDU T=1, 4096-byte read, mid-chain", emulator::Profile::extended_apdu, 1, 4096, 1},
};

emulator::ReaderConfig config_for(const Setup& setup) {
    auto config = emulator::make_profile(setup.profile);
    config.cards.assign(1, session_card(setup.protocol, iso7816::Convention::direct));
    return config;
}

emulator::FaultPlan xfr_fault(FaultKind kind, std::size_t after) {
    return {kind, after, 1, std::nullopt, emulator::wire::MessageType::PC_to_RDR_XfrBlock};
}

std::string failure_text(reader::Slot& slot, std::error_code error) {
    return error.message() + " / cause: " + slot.last_cause().message();
}

}  // namespace

TEST_CASE("every fault of the emulated reader through libusb: its error, bounded, then recovery") {
    const char* only = std::getenv("TESSERA_FAULT");  // diagnosis: run one fault kind only
    emulator::UsbTestbed testbed;
    std::vector<emulator::DeviceId> ids;  // kSetups x kFaultCases, in that order
    for (const Setup& setup : kSetups) {
        for (std::size_t i = 0; i < std::size(test::kFaultCases); ++i) ids.push_back(plug_reader(testbed, config_for(setup)));
    }
    auto context = make_context();
    std::size_t index = 0;
    for (const Setup& setup : kSetups) {
        for (const test::FaultCase& c : test::kFaultCases) {
            const emulator::DeviceId id = ids[index++];
            if (only != nullptr && std::string(emulator::to_string(c.fault)) != only) continue;
            CAPTURE(std::string(setup.name));
            CAPTURE(std::string(emulator::to_string(c.fault)));
            auto opened = open_reader(context, testbed, id);
            auto& slot = opened.slot();
            REQUIRE(slot.power_on().has_value());
            const Bytes apdu = read_binary_apdu(setup.read_length);
            with_device(testbed, id, [&](emulator::CcidDevice& device) {
                device.add_fault(xfr_fault(c.fault, setup.fault_after));
            });
            const auto started = Clock::now();
            const auto failed = slot.transmit(apdu);
            const auto took = Clock::now() - started;
            std::printf("fault %-22s %-44s -> %-32s in %7.1f ms\n", emulator::to_string(c.fault), setup.name,
                        failed ? "success (!)" : failed.error().message().c_str(), to_ms(took));
            CHECK(took < kBound);
            if (failed.has_value()) {
                FAIL_CHECK("the fault went unnoticed: the call succeeded");
            } else {
                CHECK_MESSAGE(failed.error() == c.expected, failure_text(slot, failed.error()));
            }
            const auto fired = with_device(testbed, id, [&](emulator::CcidDevice& device) {
                return device.faults().fired(c.fault);
            });
            CHECK(fired == 1);
            if (c.fault == FaultKind::hardware_error) {
                // The model cut the card's power and said so on the interrupt pipe.
                REQUIRE(slot.power_on().has_value());
            }
            // Recovery: the same exchange works, twice (nothing stale left behind).
            for (int again = 0; again < 2; ++again) {
                const auto recovered = slot.transmit(apdu);
                REQUIRE_MESSAGE(recovered.has_value(), failure_text(slot, recovered.error()));
                CHECK(is_pattern_9000(*recovered, setup.read_length));
            }
            CHECK_FALSE(opened.reader->gone());
        }
    }
}

TEST_CASE("unplug fault through libusb: the call, the waiter and every later call end with reader_gone") {
    SoleReader r(config_for(kSetups[0]));
    auto& opened = r.opened;
    auto& slot = opened.slot();
    REQUIRE(slot.power_on().has_value());
    auto waiter = std::async(std::launch::async, [&] { return opened.reader->wait_for_slot_change(0, 30s); });
    with_device(r.testbed, r.id, [](emulator::CcidDevice& device) { device.add_fault(xfr_fault(FaultKind::unplug, 0)); });

    const auto started = Clock::now();
    CHECK(slot.transmit(read_binary_apdu(8)).error() == ReaderError::reader_gone);
    CHECK(Clock::now() - started < kBound);
    REQUIRE(waiter.wait_for(5s) == std::future_status::ready);
    CHECK(waiter.get().error() == ReaderError::reader_gone);
    CHECK_FALSE(r.testbed.plugged(r.id));

    const auto later = Clock::now();
    CHECK(slot.transmit(read_binary_apdu(8)).error() == ReaderError::reader_gone);
    CHECK(slot.power_on().error() == ReaderError::reader_gone);
    CHECK(opened.reader->wait_for_slot_change(0, 5s).error() == ReaderError::reader_gone);
    CHECK(Clock::now() - later < 100ms);
    CHECK(opened.reader->gone());
}

TEST_CASE("unplug in the middle of a transfer: the pending call ends with reader_gone promptly") {
    emulator::UsbTestbed testbed;
    const auto id = plug_reader(testbed, config_for(kSetups[1]));
    auto context = make_context();
    auto opened = open_reader(context, testbed, id);
    auto& slot = opened.slot();
    REQUIRE(slot.power_on().has_value());
    // The second XfrBlock of the chained response is never answered: the call waits with
    // a bulk-IN transfer pending when the device goes.
    with_device(testbed, id, [](emulator::CcidDevice& device) {
        device.add_fault(xfr_fault(FaultKind::no_answer, 1));
    });
    auto call = std::async(std::launch::async, [&] { return slot.transmit(read_binary_apdu(4096)); });
    for (const auto deadline = Clock::now() + 5s; Clock::now() < deadline;) {
        const auto fired = with_device(testbed, id, [](emulator::CcidDevice& device) {
            return device.faults().fired(FaultKind::no_answer);
        });
        if (fired > 0) break;
        std::this_thread::sleep_for(1ms);
    }
    std::this_thread::sleep_for(20ms);
    const auto unplugged = Clock::now();
    testbed.unplug(id);
    REQUIRE(call.wait_for(kBound) == std::future_status::ready);
    const auto took = Clock::now() - unplugged;
    std::printf("unplug mid-transfer: the pending transmit ended %.2f ms after the unplug\n", to_ms(took));
    CHECK(call.get().error() == ReaderError::reader_gone);
    CHECK(took < 1s);
    CHECK(opened.reader->gone());
}

}  // namespace tessera::usbreader
