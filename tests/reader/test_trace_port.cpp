// TracingUsbPort over a scripted port: one line per transfer with the endpoint, the
// outcome and the bytes; the combined write/read call logs both halves, or only the
// write when it failed; long payloads are cut.
#include <doctest/doctest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "script_port.hpp"
#include "transport/usb/trace_port.hpp"

using namespace tessera;
using namespace tessera::test;
using namespace std::chrono_literals;

namespace {

struct Traced {
    ScriptPort* script = nullptr;
    std::unique_ptr<usb::TracingUsbPort> port;
    std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();

    explicit Traced(usb::TraceOptions options = {}) {
        auto inner = std::make_unique<ScriptPort>(test_port_info(false));
        script = inner.get();
        port = std::make_unique<usb::TracingUsbPort>(
            std::move(inner), [lines = lines](std::string_view line) { lines->emplace_back(line); },
            options);
    }
};

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
}

bool ends_with(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

TEST_CASE("trace: bulk_write_read logs the message and the answer, each with its endpoint") {
    Traced t;
    t.script->add({expect_write({0x62, 0x00, 0x00}), answer_read({0x80, 0x90, 0x00})});
    Bytes answer(16);
    const auto outcome = t.port->bulk_write_read(Bytes{0x62, 0x00, 0x00}, 100ms, answer, 100ms);
    REQUIRE_FALSE(outcome.write_error);
    REQUIRE_FALSE(outcome.read_error);
    CHECK(outcome.received == 3);
    CHECK(t.script->mismatches().empty());
    REQUIRE(t.lines->size() == 2);
    CHECK(starts_with((*t.lines)[0], "bulk-out ep 0x01: 3 bytes ok ("));
    CHECK(ends_with((*t.lines)[0], "): 62 00 00"));
    CHECK(starts_with((*t.lines)[1], "bulk-in ep 0x82: 3 bytes ok ("));
    CHECK(ends_with((*t.lines)[1], "): 80 90 00"));
}

TEST_CASE("trace: a failed write is one line with its error; a failed read is the second") {
    Traced t;
    t.script->add(expect_write({0x01}, usb::UsbError::pipe));
    Bytes answer(16);
    const auto stalled = t.port->bulk_write_read(Bytes{0x01}, 100ms, answer, 100ms);
    CHECK(stalled.write_error == usb::UsbError::pipe);
    REQUIRE(t.lines->size() == 1);
    CHECK(starts_with((*t.lines)[0], "bulk-out ep 0x01: " + stalled.write_error.message() + " ("));

    t.script->add({expect_write({0x02}), fail_read(usb::UsbError::timeout)});
    const auto silent = t.port->bulk_write_read(Bytes{0x02}, 100ms, answer, 100ms);
    CHECK_FALSE(silent.write_error);
    CHECK(silent.read_error == usb::UsbError::timeout);
    REQUIRE(t.lines->size() == 3);
    CHECK(starts_with((*t.lines)[2], "bulk-in ep 0x82: " + silent.read_error.message() + " ("));
}

TEST_CASE("trace: separate calls log one line each and cut long payloads") {
    Traced t(usb::TraceOptions{4});
    t.script->add({expect_write({1, 2, 3, 4, 5, 6}), answer_read({9})});
    CHECK_FALSE(t.port->bulk_write(Bytes{1, 2, 3, 4, 5, 6}, 100ms));
    Bytes answer(4);
    CHECK(*t.port->bulk_read(answer, 100ms) == 1);
    REQUIRE(t.lines->size() == 2);
    CHECK(ends_with((*t.lines)[0], ": 01 02 03 04 ... (2 more)"));
    CHECK(ends_with((*t.lines)[1], ": 09"));
    CHECK(usb::hex_dump(Bytes{}) == "");
    CHECK(usb::hex_dump(Bytes{0xAB, 0x0C}, 1) == "ab ... (1 more)");
}

TEST_CASE("trace: set_zero_length_packet reaches the wrapped port and is logged") {
    Traced t;
    t.script->add({expect_write({1}), expect_write({2})});
    t.port->set_zero_length_packet(true);
    CHECK_FALSE(t.port->bulk_write(Bytes{1}, 100ms));
    t.port->set_zero_length_packet(false);
    CHECK_FALSE(t.port->bulk_write(Bytes{2}, 100ms));
    CHECK(t.script->zero_length_packet_flags() == std::vector<bool>{true, false});
    REQUIRE(t.lines->size() == 4);
    CHECK((*t.lines)[0] == "bulk-out: zero-length packet after whole packets");
    CHECK((*t.lines)[2] == "bulk-out: no zero-length packet");
}
