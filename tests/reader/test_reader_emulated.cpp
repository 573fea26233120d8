// The reader and slot model against the emulated CCID reader (tests/emulator/model)
// through ModelPort: power on, protocol setup and APDUs at every exchange level with T=0
// and T=1 cards in direct and inverse convention; multi-slot; insertion and removal
// waking the waiter; each fault of the model ending in its error, bounded in time.
// Compiled only when the emulated reader builds (tests/reader/meson.build).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "fast_reader_options.hpp"
#include "tests/emulator/model/ccid_device.hpp"
#include "tests/emulator/model/reader_profiles.hpp"
#include "tests/emulator/port/model_port.hpp"
#include "tests/sim/application.hpp"
#include "tests/reader/fault_cases.hpp"
#include "transport/reader/ccid_reader.hpp"

using namespace tessera;
using namespace tessera::reader;
using namespace tessera::emulator;
using namespace std::chrono_literals;

namespace {

struct Emulated {
    CcidDevice* device = nullptr;
    std::unique_ptr<ModelPort> port;
    std::unique_ptr<CcidReader> reader;

    explicit Emulated(ReaderConfig config, ReaderOptions options = fast_options()) {
        const bool first_notification =
            config.notify_at_start && config.endpoints.interrupt_in.has_value() &&
            std::any_of(config.cards.begin(), config.cards.end(), [](const auto& c) { return c.has_value(); });
        auto created = CcidDevice::create(std::move(config));
        REQUIRE(created.has_value());
        device = created->get();
        auto served = ModelPort::create(std::move(*created));
        REQUIRE(served.has_value());
        port = std::move(*served);
        auto opened = CcidReader::open(*port, options);
        REQUIRE_MESSAGE(opened.has_value(), opened.error().message());
        reader = std::move(*opened);
        // The listener thread reads the reader's first NotifySlotChange (the cards present
        // at start) whenever it gets going; let it pass so that waits see only test events.
        for (int i = 0; first_notification && i < 400; ++i) {
            const auto sent = port->with_model([](UsbDeviceModel& model) {
                return static_cast<CcidDevice&>(model).counters().interrupts_sent;
            });
            if (sent > 0) break;
            std::this_thread::sleep_for(5ms);
        }
    }
    ~Emulated() { reader.reset(); }

    template <class F>
    auto with_device(F f) {
        return port->with_model([&](UsbDeviceModel& model) { return f(static_cast<CcidDevice&>(model)); });
    }
    Slot& slot(std::size_t index = 0) { return *reader->slot(index); }
};

Bytes read_binary(std::size_t length) {
    if (length <= 256) return {0x00, 0xB0, 0x00, 0x00, static_cast<std::uint8_t>(length & 0xFF)};
    return {0x00, 0xB0, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(length >> 8 & 0xFF),
            static_cast<std::uint8_t>(length & 0xFF)};
}

Bytes update_binary(std::size_t length) {
    Bytes apdu{0x00, 0xD6, 0x00, 0x00, static_cast<std::uint8_t>(length)};
    for (std::size_t i = 0; i < length; ++i) apdu.push_back(static_cast<std::uint8_t>(i));
    return apdu;
}

// The EF starts as byte[i] = i & 0xFF (tests/sim/application.hpp).
void check_read(Slot& slot, std::size_t length) {
    auto response = slot.transmit(read_binary(length == 65536 ? 0 : length));
    if (length == 65536) response = slot.transmit(Bytes{0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00});
    REQUIRE_MESSAGE(response.has_value(), response.error().message(), " / ", slot.last_cause().message());
    REQUIRE(response->size() == length + 2);
    CHECK((*response)[length] == 0x90);
    CHECK((*response)[length + 1] == 0x00);
    bool pattern = true;
    for (std::size_t i = 0; i < length; ++i) pattern = pattern && (*response)[i] == static_cast<std::uint8_t>(i);
    CHECK(pattern);
}

void check_update(Slot& slot, std::size_t length) {
    auto response = slot.transmit(update_binary(length));
    REQUIRE_MESSAGE(response.has_value(), response.error().message(), " / ", slot.last_cause().message());
    CHECK(*response == Bytes{0x90, 0x00});
}

InsertedCard card_with(std::vector<std::uint8_t> protocols, iso7816::Convention convention) {
    InsertedCard inserted;
    inserted.card = dual_protocol_card();
    inserted.card.atr.protocols = std::move(protocols);
    inserted.card.atr.convention = convention;
    return inserted;
}

ReaderConfig profile_with_card(Profile profile, InsertedCard card) {
    ReaderConfig config = make_profile(profile);
    config.cards.assign(1, std::move(card));
    return config;
}

}  // namespace

TEST_CASE("emulated: T=0 and T=1 at every exchange level, 255-byte command, 256-byte response") {
    for (const Profile profile : {Profile::character, Profile::tpdu, Profile::tpdu_auto_pps,
                                  Profile::short_apdu, Profile::extended_apdu}) {
        for (const std::uint8_t protocol : {std::uint8_t{0}, std::uint8_t{1}}) {
            CAPTURE(std::string(to_string(profile)));
            CAPTURE(static_cast<int>(protocol));
            Emulated e(profile_with_card(profile, card_with({protocol}, iso7816::Convention::direct)));
            auto atr = e.slot().power_on();
            REQUIRE_MESSAGE(atr.has_value(), atr.error().message(), " / ", e.slot().last_cause().message());
            REQUIRE(e.slot().link().has_value());
            CHECK(e.slot().link()->protocol == protocol);
            check_update(e.slot(), 255);
            check_read(e.slot(), 256);
        }
    }
}

TEST_CASE("emulated: the dual-protocol card negotiates TA1 13 with the host PPS at TPDU level") {
    Emulated e(make_profile(Profile::tpdu));
    REQUIRE(e.slot().power_on().has_value());
    const auto link = e.slot().link();
    REQUIRE(link.has_value());
    CHECK(link->protocol == 0);
    CHECK(link->fi_di == iso7816::FiDi{1, 3});
    check_read(e.slot(), 256);
    // T=1 asked for later: reset, PPS for T=1, IFSD exchange, APDUs.
    auto t1 = e.slot().select_protocol(kProtocolT1);
    REQUIRE_MESSAGE(t1.has_value(), t1.error().message(), " / ", e.slot().last_cause().message());
    CHECK(t1->protocol == 1);
    check_read(e.slot(), 256);
}

TEST_CASE("emulated: inverse convention cards at character and TPDU level") {
    for (const Profile profile : {Profile::character, Profile::tpdu}) {
        for (const std::uint8_t protocol : {std::uint8_t{0}, std::uint8_t{1}}) {
            CAPTURE(std::string(to_string(profile)));
            CAPTURE(static_cast<int>(protocol));
            Emulated e(profile_with_card(profile, card_with({protocol}, iso7816::Convention::inverse)));
            auto atr = e.slot().power_on();
            REQUIRE_MESSAGE(atr.has_value(), atr.error().message(), " / ", e.slot().last_cause().message());
            CHECK(atr->front() == 0x3F);
            check_update(e.slot(), 255);
            check_read(e.slot(), 256);
        }
    }
}

TEST_CASE("emulated: extended APDUs (4 KiB, 64 KiB) where the level allows, refused where not") {
    for (const Profile profile : {Profile::character, Profile::tpdu, Profile::extended_apdu}) {
        CAPTURE(std::string(to_string(profile)));
        Emulated e(profile_with_card(profile, card_with({1}, iso7816::Convention::direct)));
        REQUIRE(e.slot().power_on().has_value());
        check_read(e.slot(), 4096);
        check_read(e.slot(), 65536);
    }
    Emulated short_level(profile_with_card(Profile::short_apdu, card_with({1}, iso7816::Convention::direct)));
    REQUIRE(short_level.slot().power_on().has_value());
    CHECK(short_level.slot().transmit(read_binary(4096)).error() == ReaderError::not_supported);
    Emulated t0(profile_with_card(Profile::tpdu, card_with({0}, iso7816::Convention::direct)));
    REQUIRE(t0.slot().power_on().has_value());
    CHECK(t0.slot().transmit(read_binary(4096)).error() == ReaderError::not_supported);
    check_read(t0.slot(), 256);  // the slot still works
}

TEST_CASE("emulated: two slots, each with its card, used from two threads") {
    Emulated e(make_profile(Profile::two_slot));
    REQUIRE(e.reader->slot_count() == 2);
    REQUIRE(e.slot(0).power_on().has_value());
    REQUIRE(e.slot(1).power_on().has_value());
    auto run = [&](std::size_t index) {
        for (int i = 0; i < 20; ++i) {
            auto response = e.slot(index).transmit(read_binary(64));
            if (!response || response->size() != 66) return false;
        }
        return true;
    };
    auto first = std::async(std::launch::async, run, 0);
    auto second = std::async(std::launch::async, run, 1);
    REQUIRE(first.wait_for(20s) == std::future_status::ready);
    REQUIRE(second.wait_for(20s) == std::future_status::ready);
    CHECK(first.get());
    CHECK(second.get());
}

TEST_CASE("emulated: removal and insertion wake the slot's waiter; a removed card is gone") {
    Emulated e(make_profile(Profile::tpdu));
    REQUIRE(e.reader->notifies_slot_changes());
    REQUIRE(e.slot().power_on().has_value());
    auto removed = std::async(std::launch::async, [&] { return e.reader->wait_for_slot_change(0, 10s); });
    std::this_thread::sleep_for(30ms);
    e.with_device([](CcidDevice& device) { device.remove_card(0); });
    REQUIRE(removed.wait_for(5s) == std::future_status::ready);
    CHECK(*removed.get() == WaitOutcome::changed);
    CHECK_FALSE(*e.slot().card_present());
    CHECK(e.slot().transmit(read_binary(1)).error() == ReaderError::no_card);

    auto inserted = std::async(std::launch::async, [&] { return e.reader->wait_for_slot_change(0, 10s); });
    std::this_thread::sleep_for(30ms);
    e.with_device([](CcidDevice& device) { return device.insert_card(0, dual_protocol_card()); });
    REQUIRE(inserted.wait_for(5s) == std::future_status::ready);
    CHECK(*inserted.get() == WaitOutcome::changed);
    CHECK(*e.slot().card_present());
    REQUIRE(e.slot().power_on().has_value());
    check_read(e.slot(), 16);
}

namespace {

// Removes and reinserts slot 0's card, waiting for each change to reach the reader.
void swap_card(Emulated& e) {
    for (const bool insert : {false, true}) {
        auto changed = std::async(std::launch::async, [&] { return e.reader->wait_for_slot_change(0, 10s); });
        std::this_thread::sleep_for(30ms);
        const std::error_code error = e.with_device([insert](CcidDevice& device) {
            if (insert) return device.insert_card(0, dual_protocol_card());
            device.remove_card(0);
            return std::error_code();
        });
        REQUIRE_FALSE(error);
        REQUIRE(changed.wait_for(5s) == std::future_status::ready);
        REQUIRE(*changed.get() == WaitOutcome::changed);
    }
}

std::size_t power_offs(Emulated& e) {
    return e.with_device([](CcidDevice& device) {
        return device.counters().received(transport::MessageType::PC_to_RDR_IccPowerOff);
    });
}

}  // namespace

TEST_CASE("emulated: power off after the powered card was swapped sends nothing; the new card powers on") {
    Emulated e(make_profile(Profile::tpdu));
    REQUIRE(e.slot().power_on().has_value());
    swap_card(e);
    const auto before = power_offs(e);
    CHECK_FALSE(e.slot().power_off());
    CHECK(power_offs(e) == before);
    CHECK_FALSE(e.slot().atr().has_value());
    CHECK(e.slot().transmit(read_binary(1)).error() == ReaderError::card_inactive);
    REQUIRE(e.slot().power_on().has_value());
    check_read(e.slot(), 16);
    CHECK_FALSE(e.slot().power_off());  // no removal since this power on: the command goes
    CHECK(power_offs(e) == before + 1);
}

TEST_CASE("emulated: a reader activating cards on insertion gets IccPowerOff after a swap") {
    ReaderConfig config = make_profile(Profile::tpdu);
    config.descriptor.dwFeatures |= transport::kFeatureAutoActivation;
    Emulated e(std::move(config));
    REQUIRE(e.slot().power_on().has_value());
    swap_card(e);
    const auto before = power_offs(e);
    CHECK_FALSE(e.slot().power_off());
    CHECK(power_offs(e) == before + 1);
}

TEST_CASE("emulated: a card raising IFSC to 254 on a small-message TPDU reader: blocks stay in the message") {
    InsertedCard card = card_with({1}, iso7816::Convention::direct);
    card.card.t1_faults.push_back({sim::T1Fault::ifs_request, 1, 1, 0xFE});
    ReaderConfig config = profile_with_card(Profile::tpdu, std::move(card));
    config.descriptor.dwMaxCCIDMessageLength = 64;  // 54 data bytes: T=1 INF of at most 50
    Emulated e(std::move(config));
    REQUIRE(e.slot().power_on().has_value());
    REQUIRE(e.slot().link().has_value());
    CHECK(e.slot().link()->ifsc <= 50);
    check_update(e.slot(), 200);  // the card asks for IFSC 254 after the first block
    check_update(e.slot(), 200);
}

TEST_CASE("emulated: PIN pad at TPDU level with T=1: the reader's I-block, the engine's sequence kept") {
    ReaderConfig config = profile_with_card(Profile::tpdu, card_with({1}, iso7816::Convention::direct));
    config.pin_pad = PinPadConfig{};
    config.pin_pad->entries = {{"2468"}, {"1357", PinUserAction::cancel}, {"97531"}};
    config.descriptor.bPINSupport = config.pin_pad->bPINSupport();
    Emulated e(std::move(config));
    REQUIRE(e.slot().power_on().has_value());
    REQUIRE(e.slot().link()->protocol == 1);
    check_read(e.slot(), 40);  // the engine has run: N(S) 1 now

    transport::PinVerification pin;
    pin.bmFormatString = 0x82;    // bytes, position 0, ASCII
    pin.bmPINBlockString = 0x08;  // an 8-byte PIN block, no length field
    pin.wPINMaxExtraDigit = 0x0408;
    pin.bEntryValidationCondition = 0x02;
    pin.bTeoPrologue = {0xAA, 0xBB, 0xCC};  // the caller's is not used: the slot's is
    pin.abPINApdu = {0x80, sim::kInsEcho, 0x00, 0x00, 0x08, 0xFF, 0xFF, 0xFF, 0xFF,
                     0xFF, 0xFF, 0xFF, 0xFF, 0x00};  // ECHO shows what the card got
    std::array<std::uint8_t, 16> response{};
    auto size = e.slot().verify_pin(pin, response);
    REQUIRE_MESSAGE(size.has_value(), size.error().message(), " / ", e.slot().last_cause().message());
    CHECK(Bytes(response.begin(), response.begin() + static_cast<std::ptrdiff_t>(*size)) ==
          Bytes{'2', '4', '6', '8', 0xFF, 0xFF, 0xFF, 0xFF, 0x90, 0x00});

    CHECK(e.slot().verify_pin(pin, response).error() == ReaderError::cancelled);
    CHECK(e.slot().last_cause() == transport::CcidError::pin_cancelled);  // what the IFD handler turns into SW 64 01
    check_read(e.slot(), 40);  // the cancelled block never went out: N(S) still right

    size = e.slot().verify_pin(pin, response);
    REQUIRE(size.has_value());
    CHECK(Bytes(response.begin(), response.begin() + 5) == Bytes{'9', '7', '5', '3', '1'});
    check_update(e.slot(), 200);
}

TEST_CASE("emulated: an idle reader with a waiting poller makes no USB transfer") {
    Emulated e(make_profile(Profile::tpdu));
    REQUIRE(e.slot().power_on().has_value());
    REQUIRE(*e.slot().card_present());
    std::this_thread::sleep_for(50ms);
    const auto before = e.port->counters();
    CHECK(*e.reader->wait_for_slot_change(0, 200ms) == WaitOutcome::timeout);
    CHECK(*e.slot().card_present());  // from the interrupt endpoint: no GetSlotStatus
    const auto after = e.port->counters();
    CHECK(after.bulk_out == before.bulk_out);
    CHECK(after.bulk_in == before.bulk_in);
    CHECK(after.control == before.control);
    CHECK(after.in_polls == before.in_polls);
}

TEST_CASE("emulated: every fault of the model ends in its error, bounded, and the reader recovers") {
    for (const test::FaultCase& c : test::kFaultCases) {
        CAPTURE(std::string(to_string(c.fault)));
        Emulated e(profile_with_card(Profile::tpdu, card_with({0}, iso7816::Convention::direct)));
        REQUIRE(e.slot().power_on().has_value());
        e.with_device([&](CcidDevice& device) {
            device.add_fault({c.fault, 0, 1, std::nullopt, emulator::wire::MessageType::PC_to_RDR_XfrBlock});
        });
        const auto started = std::chrono::steady_clock::now();
        const auto failed = e.slot().transmit(read_binary(8));
        CHECK(std::chrono::steady_clock::now() - started < 10s);
        REQUIRE_FALSE(failed.has_value());
        CHECK_MESSAGE(failed.error() == c.expected, failed.error().message(), " / ",
                      e.slot().last_cause().message());
        if (c.fault == FaultKind::hardware_error) {
            REQUIRE(e.slot().power_on().has_value());  // the model cut the power
        }
        auto again = e.slot().transmit(read_binary(8));
        CHECK_MESSAGE(again.has_value(), again.error().message(), " / ", e.slot().last_cause().message());
    }
}

TEST_CASE("emulated: unplug ends the call with reader_gone, and every later call and wait at once") {
    Emulated e(make_profile(Profile::tpdu));
    REQUIRE(e.slot().power_on().has_value());
    auto waiter = std::async(std::launch::async, [&] { return e.reader->wait_for_slot_change(0, 60s); });
    e.with_device([](CcidDevice& device) {
        device.add_fault({FaultKind::unplug, 0, 1, std::nullopt, emulator::wire::MessageType::PC_to_RDR_XfrBlock});
    });
    CHECK(e.slot().transmit(read_binary(8)).error() == ReaderError::reader_gone);
    REQUIRE(waiter.wait_for(5s) == std::future_status::ready);
    CHECK(waiter.get().error() == ReaderError::reader_gone);
    CHECK(e.slot().transmit(read_binary(8)).error() == ReaderError::reader_gone);
    CHECK(e.reader->gone());
}
