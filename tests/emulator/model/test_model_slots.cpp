// Slots and the interrupt pipe: independent slots, busy slots (CMD_SLOT_BUSY,
// bMaxCCIDBusySlots; CCID 5.1, 6.2.6), RDR_to_PC_NotifySlotChange on insertion and
// removal (6.3.1), RDR_to_PC_HardwareError (6.3.2), and the abort sequence (5.3.1, 6.1.13).
#include <doctest/doctest.h>

#include "tests/emulator/model/model_test_support.hpp"
#include "tests/emulator/model/slot_errors.hpp"

using namespace tessera;
using namespace tessera::emulator;
using namespace tessera::emulator::testing;
using transport::IccStatus;

namespace {

transport::NotifySlotChange read_notification(Host& host, std::uint8_t bMaxSlotIndex) {
    const UsbAnswer answer = host.read_interrupt();
    REQUIRE(answer.status == Completion::done);
    auto decoded = transport::decode_notify_slot_change(answer.data, bMaxSlotIndex);
    REQUIRE_MESSAGE(decoded.has_value(), decoded.error().message());
    return *decoded;
}

ReaderConfig quiet(ReaderConfig config) {
    config.notify_at_start = false;
    return config;
}

}  // namespace

TEST_CASE("two slots work independently") {
    const auto device = make_device(Profile::two_slot);
    Host host(*device);
    REQUIRE(device->slot_count() == 2);
    REQUIRE(host.power_on(1).processed());
    CHECK(device->card(1)->powered());
    CHECK_FALSE(device->card(0)->powered());
    CHECK(host.slot_status(0).bmICCStatus == IccStatus::present_inactive);
    CHECK(host.slot_status(1).bmICCStatus == IccStatus::present_active);

    transport::ProtocolDataT0 t0;
    t0.bmFindexDindex = 0x13;
    REQUIRE(host.set_parameters(t0, 1).processed());
    CHECK(std::get<wire::ParametersT0>(device->slot_parameters(0)).bmFindexDindex == 0x11);

    device->remove_card(0);
    CHECK(host.slot_status(0).bmICCStatus == IccStatus::absent);
    CHECK(host.slot_status(1).bmICCStatus == IccStatus::present_active);
}

TEST_CASE("a slot is busy until its answer is read; bMaxCCIDBusySlots counts busy slots") {
    for (const std::uint8_t max_busy : {1, 2}) {
        CAPTURE(max_busy);
        ReaderConfig config = make_profile(Profile::two_slot);
        config.descriptor.bMaxCCIDBusySlots = max_busy;
        const auto device = make_device(config);
        Host host(*device);
        const auto first = transport::encode_get_slot_status(host.limits(), host.next(0));
        const auto same_slot = transport::encode_get_slot_status(host.limits(), host.next(0));
        const auto other_slot = transport::encode_get_slot_status(host.limits(), host.next(1));
        REQUIRE(host.send(*first).status == Completion::done);
        CHECK(device->slot_busy(0));
        REQUIRE(host.send(*same_slot).status == Completion::done);
        REQUIRE(host.send(*other_slot).status == Completion::done);

        CHECK(host.receive().processed());
        const auto busy = host.receive();
        CHECK(busy.failed());
        CHECK(busy.bError == kErrorSlotBusy);
        CHECK(busy.bSeq == (*same_slot)[6]);
        const auto other = host.receive();
        CHECK(other.bSlot == 1);
        if (max_busy == 1) {
            CHECK(other.bError == kErrorSlotBusy);
        } else {
            CHECK(other.processed());
        }
        CHECK_FALSE(device->slot_busy(0));
        CHECK(host.read().status == Completion::pending);
    }
}

TEST_CASE("NotifySlotChange reports insertion and removal with change bits") {
    const auto device = make_device(quiet(make_profile(Profile::two_slot)));
    Host host(*device);
    CHECK(host.read_interrupt().status == Completion::pending);

    device->remove_card(1);
    auto notification = read_notification(host, 1);
    CHECK(notification.slots[0] == transport::SlotChange{true, false});
    CHECK(notification.slots[1] == transport::SlotChange{false, true});
    CHECK(host.read_interrupt().status == Completion::pending);

    REQUIRE_FALSE(device->insert_card(1, dual_protocol_card()));
    notification = read_notification(host, 1);
    CHECK(notification.slots[1] == transport::SlotChange{true, true});

    // Removed and inserted again before the host looks: one notification, change set.
    device->remove_card(0);
    REQUIRE_FALSE(device->insert_card(0, dual_protocol_card()));
    notification = read_notification(host, 1);
    CHECK(notification.slots[0] == transport::SlotChange{true, true});
    CHECK(notification.slots[1] == transport::SlotChange{true, false});
    CHECK(host.read_interrupt().status == Completion::pending);
    CHECK(device->counters().interrupts_sent == 3);

    CHECK(device->insert_card(2, dual_protocol_card()) == std::errc::invalid_argument);
}

TEST_CASE("the first interrupt read announces the cards present at start") {
    ReaderConfig config = make_profile(Profile::two_slot);
    config.cards[1].reset();
    const auto device = make_device(config);
    Host host(*device);
    const auto notification = read_notification(host, 1);
    CHECK(notification.slots[0] == transport::SlotChange{true, true});
    CHECK(notification.slots[1] == transport::SlotChange{false, false});
    CHECK(host.read_interrupt().status == Completion::pending);
}

TEST_CASE("a hardware error cuts the card's power and is sent on the interrupt pipe") {
    const auto device = make_device(quiet(make_profile(Profile::two_slot)));
    Host host(*device);
    REQUIRE(host.power_on(1).processed());
    device->hardware_error(1);
    CHECK_FALSE(device->card(1)->powered());
    const UsbAnswer answer = host.read_interrupt();
    REQUIRE(answer.status == Completion::done);
    const auto error = transport::decode_hardware_error(answer.data, 1);
    REQUIRE(error.has_value());
    CHECK(error->bSlot == 1);
    CHECK(error->overcurrent());
    CHECK(host.slot_status(1).bmICCStatus == IccStatus::present_inactive);
}

TEST_CASE("a reader without an interrupt endpoint stalls reads of it") {
    ReaderConfig config = make_profile(Profile::tpdu);
    config.endpoints.interrupt_in.reset();
    const auto device = make_device(config);
    CHECK(device->in(0x83, 8).status == Completion::stall);
}

TEST_CASE("the abort sequence: ABORT request, then PC_to_RDR_Abort with the same bSeq") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    const auto abort_request = [&](std::uint8_t slot, std::uint8_t bSeq) {
        const SetupPacket setup{0x21, transport::kRequestAbort,
                                static_cast<std::uint16_t>(bSeq << 8 | slot), 0, 0};
        return device->control(setup, {});
    };

    SUBCASE("request first") {
        const auto address = host.next();
        REQUIRE(abort_request(address.bSlot, address.bSeq).status == Completion::done);
        // Between the two halves, other commands to the slot are aborted.
        const auto status = host.slot_status();
        CHECK(status.failed());
        CHECK(status.bError == kErrorCommandAborted);
        const auto done = host.run(transport::encode_abort(host.limits(), address));
        CHECK(done.processed());
        CHECK(host.slot_status().processed());
    }
    SUBCASE("message first: its answer waits for the request") {
        const auto address = host.next();
        REQUIRE(host.send(*transport::encode_abort(host.limits(), address)).status == Completion::done);
        CHECK(host.read().status == Completion::pending);
        REQUIRE(abort_request(address.bSlot, address.bSeq).status == Completion::done);
        const auto done = host.receive();
        CHECK(done.processed());
        CHECK(done.bSeq == address.bSeq);
        CHECK(done.bMessageType == transport::MessageType::RDR_to_PC_SlotStatus);
    }
    SUBCASE("an ABORT request for a slot that does not exist stalls") {
        CHECK(abort_request(3, 0).status == Completion::stall);
    }
}
