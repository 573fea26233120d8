// CommandChannel on its own: its ExchangeBounds repeat transport::ExchangeConfig's
// defaults, bSeq wraps, and a lost device is final without another transfer.
#include <doctest/doctest.h>

#include "transport/ccid_exchange.hpp"
#include "transport/reader/command_channel.hpp"
#include "tests/reader/ccid_script.hpp"
#include "tests/reader/script_port.hpp"

using namespace tessera;
using namespace tessera::reader;
using namespace tessera::test;
using namespace std::chrono_literals;

TEST_CASE("ExchangeBounds defaults are the exchange's own") {
    const ExchangeBounds bounds;
    const transport::ExchangeConfig config;
    CHECK(bounds.base_timeout == config.base_timeout);
    CHECK(bounds.max_total_wait == config.max_total_wait);
    CHECK(bounds.max_time_extensions == config.max_time_extensions);
    CHECK(bounds.max_stale_messages == config.max_stale_messages);
    CHECK(bounds.control_timeout == config.control_timeout);
}

TEST_CASE("command channel: bSeq runs 0..255 and wraps to 0") {
    ScriptPort port(test_port_info(false));
    CommandChannel channel(port, test_limits(), {}, 0, 100ms);
    for (int i = 0; i < 257; ++i) {
        const auto seq = static_cast<std::uint8_t>(i);
        port.add({expect_write(get_slot_status(seq)), answer_read(slot_status(seq, IccStatus::absent))});
        auto answer = channel.run(0, [](transport::Address address) {
            return transport::encode_get_slot_status(test_limits(), address);
        });
        REQUIRE(answer.has_value());
        CHECK(answer->bSeq == seq);
    }
    CHECK(port.mismatches().empty());
    CHECK(channel.counters().commands == 257);
}

TEST_CASE("command channel: no_device is final, later commands fail without a transfer") {
    ScriptPort port(test_port_info(false));
    CommandChannel channel(port, test_limits(), {}, 0, 100ms);
    port.add({expect_write(get_slot_status(0), make_error_code(usb::UsbError::no_device))});
    const auto encode = [](transport::Address address) {
        return transport::encode_get_slot_status(test_limits(), address);
    };
    CHECK(channel.run(0, encode).error() == usb::UsbError::no_device);
    CHECK(channel.device_gone());
    CHECK(channel.run(0, encode).error() == usb::UsbError::no_device);
    CHECK(port.writes().size() == 1);
    CHECK(channel.counters().aborts == 0);
}
