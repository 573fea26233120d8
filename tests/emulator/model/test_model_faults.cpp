// Fault injection on the emulated reader, on its two axes (what fails; from which
// command on and how often): every FaultKind seen from the host side, as the transport
// decoder (ccid_response.hpp) judges the bytes.
#include <doctest/doctest.h>

#include "tests/emulator/model/model_test_support.hpp"
#include "tests/emulator/model/slot_errors.hpp"
#include "transport/ccid_error.hpp"

using namespace tessera;
using namespace tessera::emulator;
using namespace tessera::emulator::testing;
using transport::MessageError;

namespace {

FaultPlan plan(FaultKind what, std::size_t after = 0, std::size_t times = 1) {
    FaultPlan p;
    p.what = what;
    p.after = after;
    p.times = times;
    return p;
}

Bytes slot_status_command(Host& host) {
    auto command = transport::encode_get_slot_status(host.limits(), host.next());
    REQUIRE(command.has_value());
    return *command;
}

std::error_code decode_error(Host& host, const UsbAnswer& answer, const Bytes& command) {
    REQUIRE(answer.status == Completion::done);
    const auto expected = transport::expected_answer(command);
    REQUIRE(expected.has_value());
    return transport::decode_response(answer.data, host.limits(), *expected).error();
}

void abort_slot(CcidDevice& device, Host& host) {
    const auto address = host.next();
    const SetupPacket setup{0x21, transport::kRequestAbort,
                            static_cast<std::uint16_t>(address.bSeq << 8 | address.bSlot), 0, 0};
    REQUIRE(device.control(setup, {}).status == Completion::done);
    REQUIRE(host.send(*transport::encode_abort(host.limits(), address)).status == Completion::done);
}

}  // namespace

TEST_CASE("bulk OUT stall: the message is lost and the pipe halted until clear_halt") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    device->add_fault(plan(FaultKind::bulk_out_stall));
    CHECK(host.send(slot_status_command(host)).status == Completion::stall);
    CHECK(host.send(slot_status_command(host)).status == Completion::stall);  // still halted
    CHECK(host.read().status == Completion::pending);
    device->clear_halt(device->config().endpoints.bulk_out);
    const Bytes command = slot_status_command(host);
    REQUIRE(host.send(command).status == Completion::done);
    CHECK(host.receive().bSeq == command[6]);
    CHECK(device->faults().fired(FaultKind::bulk_out_stall) == 1);
}

TEST_CASE("persistent bulk OUT stall stalls after every clear_halt") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    device->add_fault(plan(FaultKind::bulk_out_stall, 0, kPersistent));
    for (int i = 0; i < 3; ++i) {
        CHECK(host.send(slot_status_command(host)).status == Completion::stall);
        device->clear_halt(device->config().endpoints.bulk_out);
    }
    device->clear_faults();
    CHECK(host.send(slot_status_command(host)).status == Completion::done);
}

TEST_CASE("bulk IN stall: the answer waits behind the halt") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    device->add_fault(plan(FaultKind::bulk_in_stall));
    const Bytes command = slot_status_command(host);
    REQUIRE(host.send(command).status == Completion::done);
    CHECK(host.read().status == Completion::stall);
    CHECK(host.read().status == Completion::stall);
    device->clear_halt(device->config().endpoints.bulk_in);
    CHECK(host.receive().bSeq == command[6]);
}

TEST_CASE("no answer: in() stays pending and the slot busy until the abort sequence") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    device->add_fault(plan(FaultKind::no_answer));
    const Bytes command = slot_status_command(host);
    REQUIRE(host.send(command).status == Completion::done);
    for (int i = 0; i < 5; ++i) {
        CHECK(host.read().status == Completion::pending);
    }
    CHECK(device->slot_busy(0));
    CHECK(host.slot_status().bError == kErrorSlotBusy);

    abort_slot(*device, host);
    const auto aborted = host.receive();
    CHECK(aborted.bSeq == command[6]);
    CHECK(aborted.bError == kErrorCommandAborted);
    const auto abort_done = host.receive();
    CHECK(abort_done.processed());
    CHECK(abort_done.bSeq == host.last_seq());
    CHECK_FALSE(device->slot_busy(0));
    CHECK(host.slot_status().processed());
}

TEST_CASE("malformed answers are what the decoder says they are") {
    struct Case {
        FaultKind fault;
        MessageError error;
    };
    const Case cases[] = {
        {FaultKind::short_reply, MessageError::truncated},
        {FaultKind::trailing_bytes, MessageError::trailing_bytes},
        {FaultKind::wrong_bseq, MessageError::sequence_mismatch},
        {FaultKind::wrong_bslot, MessageError::slot_mismatch},
    };
    for (const auto& c : cases) {
        CAPTURE(to_string(c.fault));
        const auto device = make_device(Profile::two_slot);
        Host host(*device);
        device->add_fault(plan(c.fault));
        const auto command = transport::encode_escape(host.limits(), host.next(), Bytes{0x01, 0x02});
        REQUIRE(command.has_value());
        REQUIRE(host.send(*command).status == Completion::done);
        CHECK(decode_error(host, host.read(), *command) == c.error);
        // One-shot: the next answer is right.
        CHECK(host.slot_status().processed());
    }
}

TEST_CASE("oversized reply: more than dwMaxCCIDMessageLength, sent whole for the host to report") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    device->add_fault(plan(FaultKind::oversized_reply));
    const Bytes command = slot_status_command(host);
    REQUIRE(host.send(command).status == Completion::done);
    const std::size_t asked = device->config().descriptor.dwMaxCCIDMessageLength;
    UsbAnswer answer = host.read(asked);
    REQUIRE(answer.status == Completion::done);
    // UsbDeviceModel::in: the model sends more than asked (babble); the host, not the
    // model, cuts it to max_length and reports the overflow.
    CHECK(answer.data.size() > asked);
    CHECK(transport::read_le32(answer.data, 1) == answer.data.size() - transport::kHeaderSize);
    answer.data.resize(asked);  // what a host keeps of the transfer
    CHECK(decode_error(host, answer, command) == MessageError::length_exceeds_maximum);
}

TEST_CASE("a bulk IN message longer than the transfer is not cut by the model") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    const Bytes command = slot_status_command(host);
    REQUIRE(host.send(command).status == Completion::done);
    const UsbAnswer answer = host.read(4);  // shorter than any CCID message
    REQUIRE(answer.status == Completion::done);
    CHECK(answer.data.size() == transport::kHeaderSize);
    CHECK(answer.data[0] == 0x81);  // RDR_to_PC_SlotStatus, whole
}

TEST_CASE("endless time extension until the host aborts") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    device->add_fault(plan(FaultKind::endless_time_extension));
    const Bytes command = slot_status_command(host);
    REQUIRE(host.send(command).status == Completion::done);
    for (int i = 0; i < 50; ++i) {
        const auto response = host.receive();
        REQUIRE(response.time_extension());
        CHECK(response.bSeq == command[6]);
    }
    abort_slot(*device, host);
    CHECK(host.receive().bError == kErrorCommandAborted);
    CHECK(host.receive().processed());
    CHECK(host.read().status == Completion::pending);
}

TEST_CASE("hardware error fault: HW_ERROR answer and RDR_to_PC_HardwareError") {
    ReaderConfig config = make_profile(Profile::tpdu);
    config.notify_at_start = false;
    const auto device = make_device(config);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    FaultPlan on_xfr = plan(FaultKind::hardware_error);
    on_xfr.message_type = wire::MessageType::PC_to_RDR_XfrBlock;
    device->add_fault(on_xfr);
    CHECK(host.slot_status().processed());  // not an XfrBlock: untouched
    const auto response = host.xfr(Bytes{0x00, 0xA4, 0x00, 0x00, 0x02, 0x01, 0x01});
    CHECK(response.failed());
    CHECK(transport::slot_error(response.bError) == transport::CcidError::hw_error);
    const UsbAnswer interrupt = host.read_interrupt();
    REQUIRE(interrupt.status == Completion::done);
    CHECK(transport::decode_hardware_error(interrupt.data, 0).has_value());
    CHECK_FALSE(device->card(0)->powered());
}

TEST_CASE("unplug in the middle of a command: every later call answers gone") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    device->add_fault(plan(FaultKind::unplug, 1));
    CHECK(host.slot_status().processed());
    REQUIRE(host.send(slot_status_command(host)).status == Completion::done);
    CHECK(host.read().status == Completion::gone);
    CHECK(device->unplugged());
    CHECK(host.send(slot_status_command(host)).status == Completion::gone);
    CHECK(device->control(SetupPacket{0x80, 0x06, 0x0100, 0, 18}, {}).status == Completion::gone);
}

TEST_CASE("fault timing: `after` commands pass, then `times` commands are hit") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    device->add_fault(plan(FaultKind::wrong_bseq, 2, 2));
    for (int i = 0; i < 6; ++i) {
        CAPTURE(i);
        const Bytes command = slot_status_command(host);
        REQUIRE(host.send(command).status == Completion::done);
        const bool hit = i == 2 || i == 3;
        CHECK(static_cast<bool>(decode_error(host, host.read(), command)) == hit);
    }
    CHECK(device->faults().fired(FaultKind::wrong_bseq) == 2);
}

TEST_CASE("counters: messages by type, responses, interrupts") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    REQUIRE(host.slot_status().processed());
    REQUIRE(host.slot_status().processed());
    REQUIRE(host.read_interrupt().status == Completion::done);  // the start notification
    const auto& counters = device->counters();
    CHECK(counters.received(transport::MessageType::PC_to_RDR_IccPowerOn) == 1);
    CHECK(counters.received(transport::MessageType::PC_to_RDR_GetSlotStatus) == 2);
    CHECK(counters.messages_received == 3);
    CHECK(counters.responses_sent == 3);
    CHECK(counters.interrupts_sent == 1);
}
