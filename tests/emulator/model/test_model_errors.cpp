// Malformed and unsupported commands get the CCID 6.2.6 errors (Table 6.2-2): bad length
// (bError 1), bad slot (5), CMD_NOT_SUPPORTED (0); messages split across bulk OUT
// transfers are reassembled; the remaining commands (Escape, IccClock, T0APDU, Secure,
// Mechanical, SetDataRateAndClockFrequency; CCID 6.1.8 to 6.1.14) answer as configured.
#include <doctest/doctest.h>

#include "tests/emulator/model/model_test_support.hpp"
#include "tests/emulator/model/slot_errors.hpp"
#include "transport/ccid_error.hpp"

using namespace tessera;
using namespace tessera::emulator;
using namespace tessera::emulator::testing;
using transport::MessageType;

namespace {

void set_dw_length(Bytes& message, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) {
        message[1 + i] = static_cast<std::uint8_t>(value >> (8 * i));
    }
}

}  // namespace

TEST_CASE("a dwLength that does not match the bytes is a bad length (bError 1)") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    const Bytes select{0x00, 0xA4, 0x00, 0x00, 0x02, 0x01, 0x01};
    for (const std::uint32_t claimed : {5u, 9u}) {
        CAPTURE(claimed);
        auto message = transport::encode_xfr_block(host.limits(), host.next(), select);
        REQUIRE(message.has_value());
        set_dw_length(*message, claimed);  // 7 bytes follow the header
        const auto response = host.run(Result<Bytes>(*message));
        CHECK(response.failed());
        CHECK(response.bError == kOffsetDwLength);
        CHECK(transport::bad_parameter_offset(response.bError) == 1);
    }
    // A command that carries no data, with data.
    Bytes power_on = *transport::encode_icc_power_on(host.limits(), host.next(), transport::PowerSelect::automatic);
    power_on.push_back(0x00);
    set_dw_length(power_on, 1);
    CHECK(host.run(Result<Bytes>(power_on)).bError == kOffsetDwLength);
}

TEST_CASE("a dwLength above dwMaxCCIDMessageLength is refused at once") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    auto message = transport::encode_xfr_block(host.limits(), host.next(), Bytes{0x00});
    REQUIRE(message.has_value());
    set_dw_length(*message, device->config().descriptor.dwMaxCCIDMessageLength);
    const auto response = host.run(Result<Bytes>(*message));
    CHECK(response.failed());
    CHECK(response.bError == kOffsetDwLength);
}

TEST_CASE("a message split across transfers is reassembled") {
    const auto device = make_device(Profile::short_apdu);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    Bytes echo{0x80, 0xEE, 0x00, 0x00, 200};
    for (int i = 0; i < 200; ++i) {
        echo.push_back(static_cast<std::uint8_t>(i));
    }
    echo.push_back(0x00);
    const auto message = transport::encode_xfr_block(host.limits(), host.next(), echo);
    REQUIRE(message.has_value());
    const std::size_t packet = device->config().endpoints.bulk_max_packet_size;
    const ByteView bytes = *message;
    REQUIRE(host.send(bytes.first(packet)).status == Completion::done);
    CHECK(host.read().status == Completion::pending);  // not complete yet
    REQUIRE(host.send(bytes.subspan(packet, 2 * packet)).status == Completion::done);
    CHECK(host.read().status == Completion::pending);
    REQUIRE(host.send(bytes.subspan(3 * packet)).status == Completion::done);
    const auto response = host.receive();
    REQUIRE(response.processed());
    CHECK(Bytes(response.abData.begin(), response.abData.end() - 2) == Bytes(echo.begin() + 5, echo.end() - 1));
}

TEST_CASE("a short packet ends a message: a truncated one is answered at once") {
    ReaderConfig config = make_profile(Profile::tpdu);
    const auto device = make_device(config);
    Host host(*device);
    auto message = transport::encode_xfr_block(host.limits(), host.next(), Bytes(20, 0x00));
    REQUIRE(message.has_value());
    REQUIRE(host.send(ByteView(*message).first(message->size() - 3)).status == Completion::done);
    const auto response = host.receive();
    CHECK(response.failed());
    CHECK(response.bError == kOffsetDwLength);

    // Without that rule the reader waits for the rest.
    config.short_packet_ends_message = false;
    const auto patient = make_device(config);
    Host patient_host(*patient);
    REQUIRE(patient_host.send(ByteView(*message).first(13)).status == Completion::done);
    CHECK(patient_host.read().status == Completion::pending);
    REQUIRE(patient_host.send(ByteView(*message).subspan(13)).status == Completion::done);
    CHECK(patient_host.receive().bSeq == (*message)[6]);
}

TEST_CASE("a slot beyond bMaxSlotIndex is a bad slot (bError 5)") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    transport::MessageLimits wide = host.limits();
    wide.bMaxSlotIndex = 3;
    const auto message = transport::encode_get_slot_status(wide, {2, 9});
    REQUIRE(host.send(*message).status == Completion::done);
    const UsbAnswer answer = host.read();
    REQUIRE(answer.status == Completion::done);
    // The answer names the slot asked for, which the host's own limits would refuse.
    CHECK(transport::decode_response(answer.data, host.limits()).error() ==
          transport::MessageError::slot_out_of_range);
    const auto decoded = transport::decode_response(answer.data, wide);
    REQUIRE(decoded.has_value());
    const transport::Response& response = *decoded;
    CHECK(response.failed());
    CHECK(response.bError == kOffsetBSlot);
    CHECK(response.bSlot == 2);
    CHECK(response.bSeq == 9);
    CHECK(response.bmICCStatus == transport::IccStatus::absent);
}

TEST_CASE("an unknown bMessageType is CMD_NOT_SUPPORTED in a SlotStatus") {
    const auto device = make_device(Profile::tpdu);
    Host host(*device);
    const Bytes unknown{0x99, 0, 0, 0, 0, 0, 0x21, 0, 0, 0};
    REQUIRE(host.send(unknown).status == Completion::done);
    const auto response = host.receive();
    CHECK(response.bMessageType == MessageType::RDR_to_PC_SlotStatus);
    CHECK(response.failed());
    CHECK(response.bError == kErrorCommandNotSupported);
    CHECK(transport::slot_error(response.bError) == transport::CcidError::command_not_supported);
    CHECK(response.bSeq == 0x21);
    CHECK(device->counters().received_by_type[0x99] == 1);
}

TEST_CASE("Escape echoes, or answers what the configured handler says") {
    const Bytes request{0x01, 0x02, 0x03};
    ReaderConfig config = make_profile(Profile::tpdu);
    auto device = make_device(config);
    Host host(*device);
    auto response = host.run(transport::encode_escape(host.limits(), host.next(), request));
    CHECK(response.processed());
    CHECK(response.abData == request);

    config.escape = [](ByteView data) -> std::optional<Bytes> {
        if (data.empty()) {
            return std::nullopt;
        }
        return Bytes{static_cast<std::uint8_t>(data.size())};
    };
    device = make_device(config);
    Host configured(*device);
    response = configured.run(transport::encode_escape(configured.limits(), configured.next(), request));
    CHECK(response.abData == Bytes{static_cast<std::uint8_t>(request.size())});
    response = configured.run(transport::encode_escape(configured.limits(), configured.next(), {}));
    CHECK(response.failed());
    CHECK(response.bError == kErrorCommandNotSupported);
}

TEST_CASE("IccClock, T0APDU, Mechanical and Secure follow the descriptor") {
    ReaderConfig config = make_profile(Profile::tpdu);
    auto device = make_device(config);
    Host host(*device);
    REQUIRE(host.power_on().processed());
    auto stop = host.run(transport::encode_icc_clock(host.limits(), host.next(), transport::ClockCommand::stop));
    CHECK(stop.bError == kErrorCommandNotSupported);  // no dwFeatures 0x100
    CHECK(host.run(transport::encode_icc_clock(host.limits(), host.next(), transport::ClockCommand::restart)).processed());
    CHECK(host.run(transport::encode_t0apdu(host.limits(), host.next(), 0x03, 0x00, 0x00)).bError ==
          kErrorCommandNotSupported);  // a TPDU reader
    CHECK(host.run(transport::encode_mechanical(host.limits(), host.next(), transport::MechanicalFunction::eject_card))
              .bError == kErrorCommandNotSupported);
    const auto secure = host.run(transport::encode_secure(host.limits(), host.next(), Bytes{0x00, 0x01}));
    CHECK(secure.failed());
    CHECK(secure.bError == kErrorCommandNotSupported);

    config = make_profile(Profile::short_apdu);
    config.descriptor.dwFeatures |= transport::kFeatureClockStop;
    config.descriptor.dwMechanical = 0x02;
    device = make_device(config);
    Host capable(*device);
    REQUIRE(capable.power_on().processed());
    transport::ProtocolDataT0 t0;
    t0.bClockStop = 2;
    REQUIRE(capable.set_parameters(t0).processed());
    stop = capable.run(transport::encode_icc_clock(capable.limits(), capable.next(), transport::ClockCommand::stop));
    CHECK(stop.processed());
    CHECK(stop.clock_status() == transport::ClockStatus::stopped_high);
    CHECK(capable.run(transport::encode_t0apdu(capable.limits(), capable.next(), 0x03, 0x00, 0x00)).processed());
    CHECK(capable.run(transport::encode_mechanical(capable.limits(), capable.next(),
                                                   transport::MechanicalFunction::eject_card))
              .processed());

    // Reserved field values: the field's offset (7).
    for (auto command : {transport::encode_icc_clock(capable.limits(), capable.next(), transport::ClockCommand::restart),
                         transport::encode_mechanical(capable.limits(), capable.next(),
                                                      transport::MechanicalFunction::eject_card),
                         transport::encode_t0apdu(capable.limits(), capable.next(), 0x00, 0x00, 0x00),
                         transport::encode_icc_power_on(capable.limits(), capable.next(),
                                                        transport::PowerSelect::automatic)}) {
        REQUIRE(command.has_value());
        (*command)[7] = 0x09;
        const auto response = capable.run(command);
        CHECK(response.failed());
        CHECK(transport::bad_parameter_offset(response.bError) == 7);
    }
}

TEST_CASE("SetDataRateAndClockFrequency accepts listed values and refuses others") {
    const auto device = make_device(Profile::tpdu_auto_pps);
    Host host(*device);
    const auto& config = device->config();
    const std::uint32_t clock = config.clocks_khz.front();
    const std::uint32_t rate = config.data_rates_bps.back();
    auto response = host.run(
        transport::encode_set_data_rate_and_clock_frequency(host.limits(), host.next(), clock, rate));
    REQUIRE(response.processed());
    CHECK(response.dwClockFrequency == clock);
    CHECK(response.dwDataRate == rate);

    response = host.run(
        transport::encode_set_data_rate_and_clock_frequency(host.limits(), host.next(), clock + 1, rate));
    CHECK(response.failed());
    CHECK(transport::bad_parameter_offset(response.bError) == 10);
    response = host.run(
        transport::encode_set_data_rate_and_clock_frequency(host.limits(), host.next(), clock, rate / 3));
    CHECK(response.failed());
    CHECK(transport::bad_parameter_offset(response.bError) == 14);
}
