#include "emulated_readers.hpp"

#include <stdexcept>
#include <utility>

#include "monotonic_clock.hpp"
#include "tests/emulator/model/ccid_device.hpp"

namespace tessera::emulator::serve {
namespace {

Change done_at(std::uint64_t at_ns) {
    return Change{at_ns, {}};
}

Change refuse(std::string why) {
    return Change{0, std::move(why)};
}

std::string name(std::size_t reader) {
    return "reader " + std::to_string(reader);
}

std::string name(std::size_t reader, std::uint8_t slot) {
    return name(reader) + " slot " + std::to_string(slot);
}

}  // namespace

EmulatedReaders::EmulatedReaders(const EmulatorSetup& setup)
    : setup_(setup), testbed_(std::make_unique<UsbTestbed>()) {
    for (std::size_t index = 0; index < setup_.readers.size(); ++index) {
        auto device = CcidDevice::create(setup_.readers[index].config);
        if (!device) {
            throw std::runtime_error(name(index) + ": the emulated reader refuses its config: " +
                                     device.error().message());
        }
        ids_.push_back(testbed_->plug(std::move(device).value()));
    }
}

EmulatedReaders::~EmulatedReaders() = default;

std::string EmulatedReaders::root_dir() const {
    return testbed_->root_dir();
}

Change EmulatedReaders::insert(std::size_t reader, std::uint8_t slot, const CardSpec& spec) {
    const auto card = make_card(spec, setup_.readers.at(reader).config.descriptor);
    if (!card) {
        return refuse("insert: card spec '" + spec.text + "' is no card");
    }
    const std::uint64_t at = monotonic_ns();
    const std::error_code error = testbed_->with<CcidDevice>(
        ids_.at(reader), [&](CcidDevice& device) { return device.insert_card(slot, *card); });
    if (error) {
        return refuse("insert: " + name(reader, slot) + ": " + error.message());
    }
    return done_at(at);
}

Change EmulatedReaders::remove(std::size_t reader, std::uint8_t slot) {
    bool removed = false;
    std::uint64_t at = 0;
    testbed_->with<CcidDevice>(ids_.at(reader), [&](CcidDevice& device) {
        if (device.card(slot) == nullptr) {
            return;
        }
        at = monotonic_ns();
        device.remove_card(slot);
        removed = true;
    });
    if (!removed) {
        return refuse("remove: " + name(reader, slot) + " holds no card");
    }
    return done_at(at);
}

Change EmulatedReaders::unplug(std::size_t reader) {
    const DeviceId id = ids_.at(reader);
    if (!testbed_->plugged(id)) {
        return refuse("unplug: " + name(reader) + " is not plugged in");
    }
    const std::uint64_t at = monotonic_ns();
    testbed_->unplug(id);
    return done_at(at);
}

Change EmulatedReaders::plug(std::size_t reader) {
    const DeviceId id = ids_.at(reader);
    const bool unplugged_itself =
        testbed_->with<CcidDevice>(id, [](const CcidDevice& device) { return device.unplugged(); });
    if (unplugged_itself) {
        return refuse("plug: " + name(reader) +
                      " unplugged itself (fault unplug); its model answers 'gone' for good");
    }
    const std::uint64_t at = monotonic_ns();
    testbed_->replug(id);
    return done_at(at);
}

Change EmulatedReaders::hardware_error(std::size_t reader, std::uint8_t slot) {
    const std::uint64_t at = monotonic_ns();
    testbed_->with<CcidDevice>(ids_.at(reader),
                               [&](CcidDevice& device) { device.hardware_error(slot); });
    return done_at(at);
}

Change EmulatedReaders::add_fault(std::size_t reader, const FaultPlan& plan) {
    const std::uint64_t at = monotonic_ns();
    testbed_->with<CcidDevice>(ids_.at(reader),
                               [&](CcidDevice& device) { device.add_fault(plan); });
    return done_at(at);
}

Change EmulatedReaders::clear_faults(std::size_t reader) {
    const std::uint64_t at = monotonic_ns();
    testbed_->with<CcidDevice>(ids_.at(reader), [](CcidDevice& device) { device.clear_faults(); });
    return done_at(at);
}

ReaderStats EmulatedReaders::stats(std::size_t reader) const {
    const DeviceId id = ids_.at(reader);
    ReaderStats stats;
    stats.usb = testbed_->counters(id);
    stats.plugged = testbed_->plugged(id);
    testbed_->with<CcidDevice>(id, [&](const CcidDevice& device) {
        stats.interrupts = device.counters().interrupts_sent;
        stats.messages = device.counters().messages_received;
    });
    return stats;
}

}  // namespace tessera::emulator::serve
