// What one emulated device shares between the testbed and the ioctl server(s) that
// serve it: the model, the lock that serialises every call into it, and its counters.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "usb_device_model.hpp"

namespace tessera::emulator {

/// Counts what libusb did to one device (over all its plug-ins), for tests that count
/// transfers. Monotonic.
struct UsbTestbedCounters {
    std::uint64_t ioctls = 0;              // every ioctl forwarded from the node
    std::uint64_t urbs_submitted = 0;      // SUBMITURB accepted (any type)
    std::uint64_t urbs_reaped = 0;         // REAPURB(NDELAY) that returned a URB
    std::uint64_t empty_reaps = 0;         // REAPURB(NDELAY) with nothing to reap
    std::uint64_t urbs_discarded = 0;      // DISCARDURB that found a pending URB
    std::uint64_t control_transfers = 0;   // control URBs and CONTROL ioctls
    std::uint64_t bulk_out_transfers = 0;  // bulk OUT URBs
    std::uint64_t bulk_out_zero_packet = 0;  // of them with USBDEVFS_URB_ZERO_PACKET set
    std::uint64_t in_transfers = 0;        // bulk and interrupt IN URBs
};

struct ModelHost {
    std::mutex mutex;                      // held for every call into `model`
    std::unique_ptr<UsbDeviceModel> model;  // guarded by mutex
    UsbTestbedCounters counters;            // guarded by mutex
};

}  // namespace tessera::emulator
