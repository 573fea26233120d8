// EmulatedReaders: the readers of an EmulatorSetup, each a CcidDevice plugged into one
// UsbTestbed, and the changes the command protocol makes to them.
//
// Every change returns a Change: the CLOCK_MONOTONIC time taken immediately before the
// change reached the model or the testbed (after every check), or why it was refused.
// Clients subtract that time from the moment they saw the change.
//
// Preconditions: the process runs under the umockdev preload (UsbTestbed's rule).
// Threads: one thread uses an EmulatedReaders; the testbed serves libusb's requests on
// its own thread meanwhile (its locking makes that safe).
// Ownership: owns the testbed, which owns the models. Destruction unplugs everything
// and removes the testbed directory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "card_spec.hpp"
#include "emulator_setup.hpp"
#include "tests/emulator/model/fault_schedule.hpp"
#include "usb_testbed.hpp"

namespace tessera::emulator::serve {

/// The outcome of one change.
struct Change {
    std::uint64_t at_ns = 0;  // CLOCK_MONOTONIC just before the change; 0 when refused
    std::string refused;      // why not, empty when done

    bool done() const noexcept { return refused.empty(); }
};

/// What `stats` reports of one reader.
struct ReaderStats {
    UsbTestbedCounters usb;      // what libusb did (all plug-ins)
    std::size_t interrupts = 0;  // interrupt IN messages the model sent
    std::size_t messages = 0;    // PC_to_RDR messages the model received
    bool plugged = false;
};

class EmulatedReaders {
  public:
    /// Creates the testbed and plugs every reader of `setup`, reader 0 first. Throws
    /// std::runtime_error when umockdev fails or a reader's config is refused by the
    /// model (the message names the reader).
    explicit EmulatedReaders(const EmulatorSetup& setup);
    ~EmulatedReaders();
    EmulatedReaders(const EmulatedReaders&) = delete;
    EmulatedReaders& operator=(const EmulatedReaders&) = delete;

    /// $UMOCKDEV_DIR of the testbed, for client processes.
    std::string root_dir() const;
    std::size_t size() const noexcept { return ids_.size(); }

    /// Reader and slot numbers must be valid for the setup (serve_command.hpp checks).
    Change insert(std::size_t reader, std::uint8_t slot, const CardSpec& spec);
    Change remove(std::size_t reader, std::uint8_t slot);  // refused for an empty slot
    Change unplug(std::size_t reader);                     // refused when not plugged
    Change plug(std::size_t reader);  // refused after the model unplugged itself (fault)
    Change hardware_error(std::size_t reader, std::uint8_t slot);
    Change add_fault(std::size_t reader, const FaultPlan& plan);
    Change clear_faults(std::size_t reader);
    ReaderStats stats(std::size_t reader) const;

  private:
    EmulatorSetup setup_;
    std::unique_ptr<UsbTestbed> testbed_;
    std::vector<DeviceId> ids_;
};

}  // namespace tessera::emulator::serve
