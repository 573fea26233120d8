// LoopbackModel: a scripted USB device for testing USB backends (not a CCID reader).
//
// One CCID-like interface (class 0x0B by default, with a 54-byte class descriptor of
// type 0x21 that carries no meaning) with a bulk OUT, a bulk IN and an interrupt IN
// endpoint. Every bulk OUT transfer is queued whole and sent back on bulk IN (a read
// shorter than the message gets the first part; the rest follows in the next read).
// Interrupt packets are what the test pushes. Vendor control IN requests are answered
// from a table; vendor OUT request kVendorWrite is recorded; anything else stalls.
// Endpoints stall on demand until the host clears the halt.
//
// Threads: like every UsbDeviceModel it is not thread-safe; tests change it through
// UsbTestbed::with<LoopbackModel>(). Only its InRequestWatch is shared, thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "usb_device_model.hpp"

namespace tessera::usbtest {

using emulator::Completion;
using emulator::SetupPacket;
using emulator::UsbAnswer;
using emulator::UsbIdentity;

inline constexpr std::uint8_t kBulkOut = 0x01;
inline constexpr std::uint8_t kBulkIn = 0x82;
inline constexpr std::uint8_t kInterruptIn = 0x83;
inline constexpr std::uint16_t kInterruptPacketSize = 8;
inline constexpr std::uint8_t kVendorWrite = 0x02;  // vendor OUT request that is recorded

struct LoopbackOptions {
    std::uint16_t vendor_id = 0x1209;
    std::uint16_t product_id = 0x7E57;
    std::uint8_t interface_class = 0x0B;
    bool ccid_class_descriptor = true;  // the 54-byte descriptor of type 0x21
    bool hid_interface_first = false;   // an unrelated HID interface 0 before ours (then 1)
};

/// Counts the host's requests for IN data per endpoint, so a test can wait until a
/// transfer is really pending at the device instead of sleeping. Thread-safe.
class InRequestWatch {
public:
    void note(std::uint8_t endpoint);
    std::size_t count(std::uint8_t endpoint) const;
    /// Waits until `count(endpoint) >= at_least`; false after `timeout`.
    bool wait_for(std::uint8_t endpoint, std::size_t at_least,
                  std::chrono::milliseconds timeout) const;

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::map<std::uint8_t, std::size_t> counts_;
};

class LoopbackModel final : public emulator::UsbDeviceModel {
public:
    explicit LoopbackModel(LoopbackOptions options = {});

    const UsbIdentity& identity() const override { return identity_; }
    UsbAnswer bulk_out(std::uint8_t endpoint, ByteView data) override;
    UsbAnswer in(std::uint8_t endpoint, std::size_t max_length) override;
    UsbAnswer control(const SetupPacket& setup, ByteView out_data) override;
    void clear_halt(std::uint8_t endpoint) override;
    void cancelled(std::uint8_t endpoint) override;

    // Test controls.
    void push_interrupt(Bytes packet) { interrupts_.push_back(std::move(packet)); }
    void stall(std::uint8_t endpoint) { halted_.insert(endpoint); }
    bool halted(std::uint8_t endpoint) const { return halted_.contains(endpoint); }
    void set_control_answer(std::uint8_t request, Bytes answer) {
        control_answers_[request] = std::move(answer);
    }
    const std::vector<Bytes>& control_writes() const { return control_writes_; }
    std::size_t cancellations(std::uint8_t endpoint) const;
    std::uint8_t interface_number() const { return interface_number_; }
    std::shared_ptr<InRequestWatch> watch() const { return watch_; }

private:
    UsbIdentity identity_;
    std::uint8_t interface_number_ = 0;
    std::deque<Bytes> echoes_;
    std::deque<Bytes> interrupts_;
    std::set<std::uint8_t> halted_;
    std::map<std::uint8_t, Bytes> control_answers_;
    std::vector<Bytes> control_writes_;
    std::map<std::uint8_t, std::size_t> cancellations_;
    std::shared_ptr<InRequestWatch> watch_ = std::make_shared<InRequestWatch>();
};

}  // namespace tessera::usbtest
