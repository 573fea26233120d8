// The sans-IO CCID exchange driven by hand (USB CCID rev 1.1 5.3.1, 6.1, 6.2): each test
// scripts the bulk-IN messages a reader sends and checks every step the exchange asks for.
#include <doctest/doctest.h>

#include <chrono>
#include <ostream>
#include <string_view>

#include "tests/support/hex.hpp"
#include "transport/ccid_command.hpp"
#include "transport/ccid_exchange.hpp"

namespace {
using namespace std::chrono_literals;
using namespace tessera::transport;
using tessera::Bytes;

using tessera::test::hex;

BulkTransfer bulk(const ExchangeStep& step) {
    REQUIRE(std::holds_alternative<BulkTransfer>(step));
    return std::get<BulkTransfer>(step);
}

// A read-only BulkTransfer (nothing to write) with `timeout`.
void check_read(const ExchangeStep& step, std::chrono::milliseconds timeout) {
    const BulkTransfer t = bulk(step);
    CHECK(t.bytes.empty());
    CHECK(t.timeout == timeout);
}

Response done(const ExchangeStep& step) {
    REQUIRE(std::holds_alternative<ExchangeDone>(step));
    return std::get<ExchangeDone>(step).response;
}

ExchangeFailed failed(const ExchangeStep& step) {
    REQUIRE(std::holds_alternative<ExchangeFailed>(step));
    return std::get<ExchangeFailed>(step);
}

ExchangeConfig config_with(std::chrono::milliseconds base, std::chrono::milliseconds total) {
    ExchangeConfig config;
    config.base_timeout = base;
    config.max_total_wait = total;
    return config;
}

// XfrBlock, slot 0, bSeq 5, APDU 00 A4 04 00; answered by DataBlock bSeq 5.
const Bytes kXfrBlock = hex("6F 04000000 00 05 00 0000 00A40400");
constexpr std::string_view kAnswer = "80 02000000 00 05 00 00 00 9000";
// bmCommandStatus 2 (time extension), bError = multiplier.
constexpr std::string_view kTimeExtensionX3 = "80 00000000 00 05 80 03 00";
constexpr std::string_view kTimeExtensionX0 = "80 00000000 00 05 80 00 00";
constexpr std::string_view kTimeExtensionX1 = "80 00000000 00 05 80 01 00";
// The answer to an earlier command (bSeq 4) that was aborted: CMD_ABORTED.
constexpr std::string_view kStaleAnswer = "80 00000000 00 04 40 FF 00";
}  // namespace

TEST_CASE("CCID exchange writes the command, reads the answer and ends with it") {
    Exchange exchange(config_with(2000ms, 600'000ms));
    const BulkTransfer first = bulk(exchange.start(kXfrBlock));
    CHECK(first.bytes == kXfrBlock);
    CHECK(first.receive_length == 271);  // dwMaxCCIDMessageLength
    CHECK(first.timeout == 2000ms);
    CHECK(exchange.state() == ExchangeState::awaiting_response);
    CHECK(exchange.expected().bMessageType == MessageType::RDR_to_PC_DataBlock);

    const Response response = done(exchange.on_received(hex(kAnswer)));
    CHECK(response.abData == hex("9000"));
    CHECK(exchange.state() == ExchangeState::done);
}

TEST_CASE("CCID exchange: a failed command is done, with the reader's slot error") {
    Exchange exchange;
    (void)exchange.start(kXfrBlock);
    const Response response = done(exchange.on_received(hex("80 00000000 00 05 41 FE 00")));
    CHECK(response.slot_error() == CcidError::icc_mute);
}

TEST_CASE("CCID exchange: the command's own timeout replaces the base timeout") {
    Exchange exchange(config_with(2000ms, 600'000ms));
    CHECK(bulk(exchange.start(kXfrBlock, 30'000ms)).timeout == 30'000ms);
    // A time extension multiplies the command's timeout.
    check_read(exchange.on_received(hex(kTimeExtensionX3)), 90'000ms);
}

TEST_CASE("CCID exchange refuses commands that are not well-formed PC_to_RDR messages") {
    Exchange exchange;
    for (const char* command : {"", "6F 04000000 00 05 00 0000 00A404",  // short of dwLength
                                "6F 04000000 00 05 00 0000 00A4040000",  // one byte extra
                                "80 00000000 00 05 00 00 00",            // a response type
                                "65 00000000 01 05 000000",              // slot 1 of 1 slot
                                "6F 06010000 00 05 00 0000"}) {          // beyond the limit
        CAPTURE(command);
        const ExchangeFailed failure = failed(exchange.start(hex(command)));
        CHECK(failure.error == ExchangeError::invalid_command);
        CHECK_FALSE(failure.abort_required);
    }
}

TEST_CASE("CCID exchange honours time extensions: the wait becomes base x bError") {
    Exchange exchange(config_with(1000ms, 600'000ms));
    (void)exchange.start(kXfrBlock);
    check_read(exchange.on_received(hex(kTimeExtensionX3)), 3000ms);
    check_read(exchange.on_received(hex(kTimeExtensionX0)), 1000ms);  // 0 is read as 1
    check_read(exchange.on_received(hex(kTimeExtensionX1)), 1000ms);
    CHECK(exchange.time_extensions() == 3);
    CHECK(done(exchange.on_received(hex(kAnswer))).abData == hex("9000"));
}

TEST_CASE("CCID exchange caps the number of time extensions, then asks for an abort") {
    ExchangeConfig config;
    config.max_time_extensions = 3;
    Exchange exchange(config);
    (void)exchange.start(kXfrBlock);
    for (int i = 0; i < 3; ++i) {
        bulk(exchange.on_received(hex(kTimeExtensionX1)));
    }
    const ExchangeFailed failure = failed(exchange.on_received(hex(kTimeExtensionX1)));
    CHECK(failure.error == ExchangeError::time_extension_limit);
    CHECK(failure.abort_required);
    CHECK(exchange.state() == ExchangeState::failed);
}

TEST_CASE("CCID exchange caps the total wait: the last wait is cut, then wait_time_limit") {
    Exchange exchange(config_with(1000ms, 2500ms));
    CHECK(bulk(exchange.start(kXfrBlock)).timeout == 1000ms);
    // Without a measured time each read counts its whole timeout: 1000 ms so far.
    check_read(exchange.on_received(hex(kTimeExtensionX1)), 1000ms);
    // 2000 ms used: 500 ms remain, so the next x1 wait is cut to 500 ms.
    check_read(exchange.on_received(hex(kTimeExtensionX1)), 500ms);
    const ExchangeFailed failure = failed(exchange.on_timeout());
    CHECK(failure.error == ExchangeError::wait_time_limit);
    CHECK(failure.abort_required);
    CHECK(exchange.total_wait() == 2500ms);
}

TEST_CASE("CCID exchange: a time extension with no wait left ends in wait_time_limit") {
    Exchange exchange(config_with(1000ms, 2000ms));
    (void)exchange.start(kXfrBlock);
    check_read(exchange.on_received(hex(kTimeExtensionX1)), 1000ms);
    const ExchangeFailed failure = failed(exchange.on_received(hex(kTimeExtensionX1)));
    CHECK(failure.error == ExchangeError::wait_time_limit);
    CHECK(failure.abort_required);
}

TEST_CASE("CCID exchange counts measured read times against the total wait") {
    Exchange exchange(config_with(1000ms, 3000ms));
    (void)exchange.start(kXfrBlock);
    // Each extension arrives after 100 ms: 20 of them use 2000 ms (unmeasured, the same
    // 20 reads would have counted 20 s and ended the exchange after the second).
    for (int i = 0; i < 20; ++i) {
        check_read(exchange.on_received(hex(kTimeExtensionX1), 100ms), 1000ms);
    }
    CHECK(exchange.total_wait() == 2000ms);
    // A measured time beyond the read's timeout counts as the timeout: 3000 ms, all used.
    CHECK(failed(exchange.on_received(hex(kTimeExtensionX1), 5000ms)).error ==
          ExchangeError::wait_time_limit);
    CHECK(exchange.total_wait() == 3000ms);
}

TEST_CASE("CCID exchange: no wait budget at all fails before anything is sent") {
    Exchange exchange(config_with(1000ms, 0ms));
    const ExchangeFailed failure = failed(exchange.start(kXfrBlock));
    CHECK(failure.error == ExchangeError::wait_time_limit);
    CHECK_FALSE(failure.abort_required);  // the command never left
}

TEST_CASE("CCID exchange: a time extension with a huge base saturates, cut to the budget") {
    Exchange exchange(config_with(std::chrono::milliseconds::max(), 10'000ms));
    CHECK(bulk(exchange.start(kXfrBlock)).timeout == 10'000ms);
    CHECK(failed(exchange.on_received(hex("80 00000000 00 05 80 FF 00"))).error ==
          ExchangeError::wait_time_limit);
}

TEST_CASE("CCID exchange discards answers with another bSeq and keeps waiting") {
    Exchange exchange(config_with(1000ms, 600'000ms));
    (void)exchange.start(kXfrBlock);
    check_read(exchange.on_received(hex(kStaleAnswer)), 1000ms);
    // Even a malformed or unexpected message is stale when its bSeq is not ours.
    check_read(exchange.on_received(hex("81 05000000 00 04 03 00 00")), 1000ms);
    // A zero-length read (a ZLP) is skipped too.
    check_read(exchange.on_received({}), 1000ms);
    CHECK(exchange.stale_messages() == 3);
    CHECK(done(exchange.on_received(hex(kAnswer))).bSeq == 5);
}

TEST_CASE("CCID exchange: stale answers keep the extended wait") {
    Exchange exchange(config_with(1000ms, 600'000ms));
    (void)exchange.start(kXfrBlock);
    check_read(exchange.on_received(hex(kTimeExtensionX3)), 3000ms);
    check_read(exchange.on_received(hex(kStaleAnswer)), 3000ms);
}

TEST_CASE("CCID exchange bounds the stale answers, then asks for an abort") {
    ExchangeConfig config;
    config.max_stale_messages = 2;
    Exchange exchange(config);
    (void)exchange.start(kXfrBlock);
    bulk(exchange.on_received(hex(kStaleAnswer)));
    bulk(exchange.on_received(hex(kStaleAnswer)));
    const ExchangeFailed failure = failed(exchange.on_received(hex(kStaleAnswer)));
    CHECK(failure.error == ExchangeError::too_many_stale_responses);
    CHECK(failure.abort_required);
}

TEST_CASE("CCID exchange: our bSeq from another slot is an error") {
    ExchangeConfig config;
    config.limits.bMaxSlotIndex = 1;
    Exchange exchange(config);
    (void)exchange.start(kXfrBlock);
    const ExchangeFailed failure = failed(exchange.on_received(hex("80 00000000 01 05 00 00 00")));
    CHECK(failure.error == MessageError::slot_mismatch);
    CHECK(failure.abort_required);
}

TEST_CASE("CCID exchange: an answer of the wrong type is an error") {
    Exchange exchange;
    (void)exchange.start(kXfrBlock);
    const ExchangeFailed failure = failed(exchange.on_received(hex("81 00000000 00 05 00 00 00")));
    CHECK(failure.error == MessageError::unexpected_message_type);
    CHECK_FALSE(failure.abort_required);
}

TEST_CASE("CCID exchange: malformed answers fail with the decoder's error") {
    const struct {
        const char* message;
        MessageError error;
        bool abort_required;
    } cases[] = {
        {"80 00000000 00 05 00", MessageError::too_short, true},
        {"80 FFFFFFFF 00 05 00 00 00", MessageError::length_exceeds_maximum, false},
        {"80 06010000 00 05 00 00 00", MessageError::length_exceeds_maximum, false},
        {"80 04000000 00 05 00 00 00 9000", MessageError::truncated, false},
        {"80 01000000 00 05 00 00 00 9000", MessageError::trailing_bytes, false},
        {"80 00000000 00 05 C0 00 00", MessageError::reserved_command_status, false},
        {"80 00000000 00 05 00 00 05", MessageError::reserved_chain_parameter, false},
    };
    for (const auto& c : cases) {
        CAPTURE(c.message);
        Exchange exchange;
        (void)exchange.start(kXfrBlock);
        const ExchangeFailed failure = failed(exchange.on_received(hex(c.message)));
        CHECK(failure.error == c.error);
        CHECK(failure.abort_required == c.abort_required);
    }
}

TEST_CASE("CCID exchange: no answer in time is a timeout that asks for an abort") {
    Exchange exchange;
    (void)exchange.start(kXfrBlock);
    const ExchangeFailed failure = failed(exchange.on_timeout());
    CHECK(failure.error == ExchangeError::timeout);
    CHECK(failure.abort_required);
}

TEST_CASE("CCID exchange: a fault at every step ends the exchange cleanly") {
    // The reader answers with k time extensions, then goes silent; every k ends in timeout.
    for (int k = 0; k < 5; ++k) {
        CAPTURE(k);
        Exchange exchange;
        bulk(exchange.start(kXfrBlock));
        for (int i = 0; i < k; ++i) {
            bulk(exchange.on_received(hex(kTimeExtensionX1)));
        }
        CHECK(failed(exchange.on_timeout()).error == ExchangeError::timeout);
        // The exchange object is reusable afterwards.
        bulk(exchange.start(kXfrBlock));
        CHECK(done(exchange.on_received(hex(kAnswer))).bSeq == 5);
    }
}

TEST_CASE("CCID exchange refuses events its state does not accept and changes nothing") {
    Exchange exchange;
    CHECK(failed(exchange.on_received(hex(kAnswer))).error == ExchangeError::illegal_event);
    CHECK(failed(exchange.on_timeout()).error == ExchangeError::illegal_event);
    CHECK(exchange.state() == ExchangeState::idle);
    (void)exchange.start(kXfrBlock);
    // start() during an exchange: refused, the running exchange goes on.
    CHECK(failed(exchange.start(kXfrBlock)).error == ExchangeError::illegal_event);
    CHECK(exchange.state() == ExchangeState::awaiting_response);
    done(exchange.on_received(hex(kAnswer)));
    CHECK(failed(exchange.on_received(hex(kAnswer))).error == ExchangeError::illegal_event);
    CHECK(exchange.state() == ExchangeState::done);
    exchange.reset();
    CHECK(exchange.state() == ExchangeState::idle);
}

TEST_CASE("CCID bSeq allocation per reader wraps from 255 to 0") {
    SequenceCounter counter(254);
    CHECK(counter.next() == 254);
    CHECK(counter.next() == 255);
    CHECK(counter.next() == 0);
    CHECK(counter.peek() == 1);
    SequenceCounter fresh;
    CHECK(fresh.next() == 0);
}

TEST_CASE("CCID 5.3.1 abort: ABORT request, then PC_to_RDR_Abort with the same bSeq") {
    ExchangeConfig config;
    config.limits.bMaxSlotIndex = 1;
    AbortExchange abort(config);
    const ExchangeStep first = abort.start(1, 9, 0);
    REQUIRE(std::holds_alternative<ControlTransfer>(first));
    // bmRequestType 21, bRequest 01, wValue 09 << 8 | 01, wIndex 0, wLength 0.
    CHECK(std::get<ControlTransfer>(first).setup == SetupPacket{0x21, 0x01, 0x0901, 0, 0});
    CHECK(std::get<ControlTransfer>(first).timeout == kDefaultControlTimeout);
    CHECK(abort.state() == ExchangeState::control_pending);

    // 72 | 00000000 | bSlot 01 | bSeq 09 | abRFU
    const BulkTransfer second = bulk(abort.on_control_done());
    CHECK(second.bytes == hex("72 00000000 01 09 000000"));
    // The aborted command's answer (bSeq 8, CMD_ABORTED) is discarded on the way.
    check_read(abort.on_received(hex("80 00000000 01 08 40 FF 00")), kDefaultBaseTimeout);
    const Response response = done(abort.on_received(hex("81 00000000 01 09 00 00 00")));
    CHECK(response.bMessageType == MessageType::RDR_to_PC_SlotStatus);
    CHECK(response.processed());
    CHECK_FALSE(abort.control_error());
}

TEST_CASE("CCID 5.3.1 abort goes on with PC_to_RDR_Abort when the ABORT request fails") {
    AbortExchange abort;
    REQUIRE(std::holds_alternative<ControlTransfer>(abort.start(0, 3, 0)));
    const auto stall = std::make_error_code(std::errc::broken_pipe);
    CHECK(bulk(abort.on_control_done(stall)).bytes == hex("72 00000000 00 03 000000"));
    CHECK(abort.control_error() == stall);
    CHECK(done(abort.on_received(hex("81 00000000 00 03 40 E0 00"))).slot_error() ==
          CcidError::cmd_slot_busy);
}

TEST_CASE("CCID 5.3.1 abort failures never ask for another abort") {
    AbortExchange abort;
    (void)abort.start(0, 3, 0);
    CHECK(failed(abort.on_received(hex("81 00000000 00 03 00 00 00"))).error ==
          ExchangeError::illegal_event);  // still waiting for the control request
    bulk(abort.on_control_done());
    const ExchangeFailed failure = failed(abort.on_timeout());
    CHECK(failure.error == ExchangeError::timeout);
    CHECK_FALSE(failure.abort_required);
    CHECK(failed(abort.on_control_done()).error == ExchangeError::illegal_event);
}

TEST_CASE("CCID 5.3.1 abort refuses a slot beyond bMaxSlotIndex") {
    AbortExchange abort;
    CHECK(failed(abort.start(1, 3, 0)).error == CommandError::slot_out_of_range);
}

TEST_CASE("CCID exchange runs every encoder's command to its expected answer") {
    const MessageLimits limits;
    const struct {
        tessera::Result<Bytes> command;
        const char* answer;
    } cases[] = {
        {encode_icc_power_on(limits, {0, 1}, PowerSelect::automatic),
         "80 02000000 00 01 00 00 00 3B00"},
        {encode_icc_power_off(limits, {0, 2}), "81 00000000 00 02 01 00 00"},
        {encode_get_slot_status(limits, {0, 3}), "81 00000000 00 03 02 00 00"},
        {encode_get_parameters(limits, {0, 4}), "82 05000000 00 04 00 00 00 11 00 00 0A 00"},
        {encode_reset_parameters(limits, {0, 5}), "82 05000000 00 05 00 00 00 11 00 00 0A 00"},
        {encode_set_parameters(limits, {0, 6}, ProtocolDataT1{}),
         "82 07000000 00 06 00 00 01 11 10 00 4D 00 20 00"},
        {encode_escape(limits, {0, 7}, hex("01")), "83 01000000 00 07 00 00 00 02"},
        {encode_icc_clock(limits, {0, 8}, ClockCommand::stop), "81 00000000 00 08 00 00 01"},
        {encode_t0apdu(limits, {0, 9}, 0, 0, 0), "81 00000000 00 09 00 00 00"},
        {encode_secure(limits, {0, 10}, hex("04")), "80 00000000 00 0A 00 00 00"},
        {encode_mechanical(limits, {0, 11}, MechanicalFunction::eject_card),
         "81 00000000 00 0B 02 00 00"},
        {encode_abort(limits, {0, 12}), "81 00000000 00 0C 00 00 00"},
        {encode_set_data_rate_and_clock_frequency(limits, {0, 13}, 4000, 10752),
         "84 08000000 00 0D 00 00 00 A00F0000 002A0000"},
    };
    for (const auto& c : cases) {
        REQUIRE(c.command.has_value());
        CAPTURE(to_string(static_cast<MessageType>((*c.command)[0])));
        Exchange exchange;
        CHECK(bulk(exchange.start(*c.command)).bytes == *c.command);
        const Response response = done(exchange.on_received(hex(c.answer)));
        CHECK(response.bMessageType ==
              *expected_response(static_cast<MessageType>((*c.command)[0])));
    }
}
