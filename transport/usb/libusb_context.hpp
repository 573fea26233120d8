// UsbContext: libusb-1.0 driven by one Boost.Asio event thread (Linux, macOS).
//
// A UsbContext owns a libusb_context, an asio::io_context and the one thread that runs
// it: the event thread. That thread is the only one that handles libusb events, so every
// transfer completion, interrupt packet and hotplug "device left" notice runs there. It
// never polls: libusb's file descriptors (libusb_set_pollfd_notifiers keeps the set up
// to date) sit in an epoll set watched with posix::stream_descriptor::async_wait; when
// one is ready the thread calls libusb_handle_events_timeout_completed with a zero
// timeout. libusb's next timeout (libusb_get_next_timeout; 0 on Linux, where libusb uses
// a timerfd that is one of the watched descriptors) becomes a steady_timer. With nothing
// to do the thread sleeps in epoll_wait: zero wake-ups, zero transfers.
//
// Why an epoll set rather than one stream_descriptor per libusb fd: libusb reports fds
// from any thread and removes a device fd right before closing it (libusb_close), so an
// asynchronous per-fd registration would race with fd-number reuse; epoll_ctl is
// synchronous and thread-safe, so the notifiers update the set at once. Also,
// stream_descriptor::async_wait switches the watched fd to non-blocking with
// ioctl(FIONBIO), which must not be done to libusb's own descriptors.
//
// No global state: several contexts may coexist in one process, each with its own
// thread. A device must be opened by one context only.
//
// Threads. All functions are thread-safe. open() and devices() block for device I/O
// (enumeration, claiming) and must not be called on the event thread. The destructor
// (and shutdown()) closes every device still open, as UsbDevice::close() does, stops and
// joins the event thread, then calls libusb_exit; it must not run on the event thread.
// UsbDevice objects that outlive their context stay safe to call: they fail with
// UsbError::closed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "transport/usb/device_name.hpp"
#include "transport/usb/libusb_device.hpp"
#include "transport/usb/trace_port.hpp"
#include "transport/usb/usb_error.hpp"

namespace tessera::usb {

namespace detail {
class ContextCore;
}

/// Monotonic counters of one context, for tests and benchmarks ("idle costs nothing").
struct UsbCounters {
    std::uint64_t transfers_submitted = 0;  // successful libusb_submit_transfer calls
    std::uint64_t wakeups = 0;  // times the event thread woke to handle libusb events
};

/// One attached device, as enumeration sees it.
struct UsbDeviceSummary {
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    std::uint8_t bus = 0;
    std::uint8_t address = 0;
};

struct UsbContextOptions {
    TraceSink log;  // warnings and errors of the backend (thread-safe sink); none if empty
    int libusb_log_level = 0;  // LIBUSB_LOG_LEVEL_* for libusb's own messages (stderr)
    Milliseconds close_timeout{5000};  // how long close waits for cancelled transfers
};

class UsbContext {
public:
    /// Initialises libusb and starts the event thread. Errors: the libusb_init error
    /// (io, no_memory, ...), or other if the event machinery cannot be set up.
    static Result<UsbContext> create(UsbContextOptions options = {});

    UsbContext(UsbContext&& other) noexcept;
    UsbContext& operator=(UsbContext&& other) noexcept;
    UsbContext(const UsbContext&) = delete;
    UsbContext& operator=(const UsbContext&) = delete;
    ~UsbContext();

    /// Opens the first device matching the selector, claims the selected interface and
    /// finds its endpoints. Blocks. Errors: not_found (no device or no such interface),
    /// access, busy (claimed elsewhere), no_device (gone meanwhile), bad_descriptor,
    /// closed (context shut down), wrong_thread.
    Result<std::unique_ptr<UsbDevice>> open(const UsbDeviceSelector& selector);
    /// The same for a pcscd DEVICENAME (device_name.hpp); also bad_device_name.
    Result<std::unique_ptr<UsbDevice>> open(std::string_view device_name);

    /// The devices libusb currently sees. Blocks briefly.
    std::vector<UsbDeviceSummary> devices();

    UsbCounters counters() const;

    /// True when called on this context's event thread.
    bool on_event_thread() const;

    /// What the destructor does; afterwards every call fails with closed. Idempotent.
    void shutdown();

private:
    explicit UsbContext(std::shared_ptr<detail::ContextCore> core);
    std::shared_ptr<detail::ContextCore> core_;
};

}  // namespace tessera::usb
