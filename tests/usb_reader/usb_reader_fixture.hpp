// Helpers shared by the tests of the reader model through the real libusb: emulated CCID
// readers (tests/emulator/model) plugged into a UsbTestbed (tests/emulator/testbed),
// opened by their pcscd device name through usb::UsbContext, and a reader::CcidReader
// over each. Contexts and device opening come from tests/usb/libusb_fixture.hpp.
//
// Every wait here is bounded. Not thread-safe themselves; the objects they return follow
// their own classes' thread rules.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "libusb_fixture.hpp"
#include "tests/emulator/model/ccid_device.hpp"
#include "tests/emulator/model/reader_config.hpp"
#include "transport/reader/ccid_reader.hpp"
#include "transport/usb/trace_port.hpp"
#include "usb_testbed.hpp"

namespace tessera::usbreader {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using usbtest::make_context;

/// ReaderOptions with short bounds, so that a failing case ends within seconds (the
/// defaults are sized for real readers and pcscd). The emulated card answers at once.
reader::ReaderOptions fast_options();

/// Creates a CcidDevice of `config` and plugs it on `bus`. Throws std::runtime_error
/// when the config is rejected or the testbed fails.
emulator::DeviceId plug_reader(emulator::UsbTestbed& testbed, emulator::ReaderConfig config,
                               std::uint8_t bus = 1);

/// Runs f(CcidDevice&) under the device's lock (UsbTestbed::with_model) and returns its
/// result; pending IN transfers are offered to the model again afterwards.
template <class F>
decltype(auto) with_device(emulator::UsbTestbed& testbed, emulator::DeviceId id, F&& f) {
    return testbed.with<emulator::CcidDevice>(id, std::forward<F>(f));
}

/// A reader opened through libusb. The reader is destroyed before its port (member order).
struct OpenedReader {
    std::unique_ptr<usb::UsbPort> port;  // the UsbDevice, or a TracingUsbPort around it
    std::unique_ptr<reader::CcidReader> reader;

    reader::Slot& slot(std::size_t index = 0) { return *reader->slot(index); }
};

/// Opens the device by pcscd_device_name(id, interface_number) and a CcidReader over it.
/// On failure returns nullopt and says why in `failure` ("usb open: ...", "reader open:
/// ..."); never throws or aborts the test, so that a corpus run can go on. With a
/// `trace` sink every transfer is logged through usb::TracingUsbPort.
std::optional<OpenedReader> try_open_reader(usb::UsbContext& context,
                                            const emulator::UsbTestbed& testbed,
                                            emulator::DeviceId id, std::uint8_t interface_number,
                                            const reader::ReaderOptions& options,
                                            std::string& failure, usb::TraceSink trace = {});

/// The same, failing the test case (REQUIRE) when it does not open. With the environment
/// variable TESSERA_USB_TRACE set, every transfer is logged to stderr.
OpenedReader open_reader(usb::UsbContext& context, const emulator::UsbTestbed& testbed,
                         emulator::DeviceId id,
                         const reader::ReaderOptions& options = fast_options(),
                         std::uint8_t interface_number = 0);

/// Waits (bounded by `timeout`) until the reader has taken in the NotifySlotChange a
/// reader sends after enumeration for a card present at start, so that later waits see
/// only the test's own events. True when it has (or the reader has no interrupt pipe).
bool wait_initial_notification(reader::CcidReader& reader, std::size_t slot,
                               std::chrono::milliseconds timeout = 2000ms);

/// One emulated reader of `config` in its own testbed, opened through its own libusb
/// context, the NotifySlotChange for a card present at start taken in (REQUIRE). Members
/// go in reverse order: the reader, then the context, then the testbed. Not movable.
struct SoleReader {
    emulator::UsbTestbed testbed;
    emulator::DeviceId id;
    usb::UsbContext context;
    OpenedReader opened;

    explicit SoleReader(emulator::ReaderConfig config);
    reader::CcidReader& reader() { return *opened.reader; }
    reader::Slot& slot(std::size_t index = 0) { return opened.slot(index); }
};

/// Milliseconds as a double, for printing.
inline double to_ms(Clock::duration duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
}

}  // namespace tessera::usbreader
