#include "usb_reader_fixture.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace tessera::usbreader {

reader::ReaderOptions fast_options() {
    reader::ReaderOptions options;
    options.power_on_timeout = 1000ms;
    options.status_timeout = 1000ms;
    options.command_overhead = 300ms;
    options.apdu_timeout = 1000ms;
    options.exchange.max_total_wait = 3000ms;
    options.exchange.base_timeout = 1000ms;
    return options;
}

emulator::DeviceId plug_reader(emulator::UsbTestbed& testbed, emulator::ReaderConfig config,
                               std::uint8_t bus) {
    auto device = emulator::CcidDevice::create(std::move(config));
    if (!device) {
        throw std::runtime_error("CcidDevice::create: " + device.error().message());
    }
    return testbed.plug(std::move(device).value(), bus);
}

std::optional<OpenedReader> try_open_reader(usb::UsbContext& context,
                                            const emulator::UsbTestbed& testbed,
                                            emulator::DeviceId id, std::uint8_t interface_number,
                                            const reader::ReaderOptions& options,
                                            std::string& failure, usb::TraceSink trace) {
    OpenedReader opened;
    auto port = context.open(testbed.pcscd_device_name(id, interface_number));
    if (!port) {
        failure = "usb open: " + port.error().message();
        return std::nullopt;
    }
    opened.port = std::move(port).value();
    if (trace) {
        opened.port = std::make_unique<usb::TracingUsbPort>(std::move(opened.port), std::move(trace));
    }
    auto reader = reader::CcidReader::open(*opened.port, options);
    if (!reader) {
        failure = "reader open: " + reader.error().message();
        return std::nullopt;
    }
    opened.reader = std::move(reader).value();
    return opened;
}

OpenedReader open_reader(usb::UsbContext& context, const emulator::UsbTestbed& testbed,
                         emulator::DeviceId id, const reader::ReaderOptions& options,
                         std::uint8_t interface_number) {
    std::string failure;
    usb::TraceSink trace;
    if (std::getenv("TESSERA_USB_TRACE") != nullptr) {
        trace = [](std::string_view line) {
            std::fprintf(stderr, "  %.*s\n", static_cast<int>(line.size()), line.data());
        };
    }
    auto opened = try_open_reader(context, testbed, id, interface_number, options, failure, trace);
    REQUIRE_MESSAGE(opened.has_value(), failure);
    return std::move(*opened);
}

SoleReader::SoleReader(emulator::ReaderConfig config)
    : id(plug_reader(testbed, std::move(config))),
      context(make_context()),
      opened(open_reader(context, testbed, id)) {
    REQUIRE(wait_initial_notification(*opened.reader, 0));
}

bool wait_initial_notification(reader::CcidReader& reader, std::size_t slot,
                               std::chrono::milliseconds timeout) {
    if (!reader.notifies_slot_changes()) return true;
    for (const auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
        const auto presence = reader.presence(slot);
        if (presence && presence->notified) return true;
        std::this_thread::sleep_for(2ms);
    }
    return false;
}

}  // namespace tessera::usbreader
