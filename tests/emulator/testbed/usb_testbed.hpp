// UsbTestbed: emulated USB devices for the real libusb, in this process, through umockdev.
//
// It creates a umockdev testbed (a private /sys and /dev under $UMOCKDEV_DIR) and serves
// one or more UsbDeviceModel instances, each at its own bus/address with its sysfs device
// (descriptors, ids, interfaces), its /dev/bus/usb/BBB/DDD node and an ioctl handler
// answering libusb's usbdevfs requests (usbdevfs_server.hpp). libusb opened in this
// process after the testbed exists sees exactly these devices.
//
// Preconditions: the process runs under the umockdev preload (call
// run_under_umockdev_preload() first in main(); the constructor throws otherwise), and
// a libusb context must be created after the devices it should enumerate at start are
// plugged (later plugs reach it as hotplug uevents). Destroy every libusb context and
// handle using the testbed before the testbed.
//
// Threads. Every function is thread-safe. Calls into a model are serialised by a lock
// per device: libusb's requests (on umockdev's worker thread) and tests' changes through
// with_model(). After a with_model() body returns, the device's pending IN transfers are
// offered to the model again (so a change such as "card inserted" completes a held
// interrupt transfer). Model bodies must be short and must not call the testbed.
//
// It does not emulate hubs, isochronous transfers, or several configurations.
#pragma once

#include <umockdev.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "gobject_ptr.hpp"
#include "model_host.hpp"
#include "usb_device_model.hpp"

namespace tessera::emulator {

class UsbdevfsServer;

/// Names one device of a testbed across unplug and replug.
struct DeviceId {
    std::size_t index = 0;
    friend bool operator==(DeviceId, DeviceId) = default;
};

class UsbTestbed {
public:
    /// Creates the umockdev testbed (sets $UMOCKDEV_DIR in this process). Throws
    /// std::runtime_error when not under the preload or when umockdev fails.
    UsbTestbed();
    /// Removes every device and the testbed directory ($UMOCKDEV_DIR is unset).
    ~UsbTestbed();
    UsbTestbed(const UsbTestbed&) = delete;
    UsbTestbed& operator=(const UsbTestbed&) = delete;

    /// The testbed's root directory ($UMOCKDEV_DIR), for processes that should join it.
    std::string root_dir() const;

    /// Plugs a new device on `bus` at the next free address (2, 3, ...; addresses are
    /// never reused within a testbed) and sends "add" uevents. Throws
    /// std::runtime_error if its descriptors do not parse or umockdev fails.
    DeviceId plug(std::unique_ptr<UsbDeviceModel> model, std::uint8_t bus = 1);

    /// Unplugs: every pending transfer completes with -ESHUTDOWN (libusb: NO_DEVICE),
    /// later requests fail with ENODEV, the sysfs device and node are removed and
    /// "remove" uevents sent. The model is kept (with_model still works). Idempotent.
    void unplug(DeviceId id);

    /// Plugs the same model in again, at a new address (unplugging it first if needed).
    /// The model is called again from then on.
    void replug(DeviceId id);

    /// False after unplug() or after the model answered `gone`, until replug().
    bool plugged(DeviceId id) const;

    std::uint8_t bus(DeviceId id) const;
    std::uint8_t address(DeviceId id) const;
    /// "/dev/bus/usb/001/002" (of the latest plug-in).
    std::string node(DeviceId id) const;
    /// pcscd's name for the device: "usb:VVVV/PPPP:libudev:IF:/dev/bus/usb/BBB/DDD".
    std::string pcscd_device_name(DeviceId id, std::uint8_t interface_number = 0) const;

    /// What libusb did to the device so far (all plug-ins together).
    UsbTestbedCounters counters(DeviceId id) const;

    /// Locked access to a model: holds the device's lock while alive; on destruction
    /// offers pending IN transfers to the model again, then unlocks.
    class ModelAccess {
    public:
        ~ModelAccess();
        ModelAccess(ModelAccess&&) = delete;
        UsbDeviceModel& model() noexcept { return *host_->model; }

    private:
        friend class UsbTestbed;
        ModelAccess(ModelHost& host, UsbdevfsServer* server);
        ModelHost* host_;
        UsbdevfsServer* server_;  // the latest plug-in, null if none
        std::unique_lock<std::mutex> lock_;
    };

    /// Runs f(model) under the device's lock (see ModelAccess) and returns its result.
    /// Example: testbed.with_model(id, [](UsbDeviceModel& m) { ... });
    template <class F>
    decltype(auto) with_model(DeviceId id, F&& f) {
        const AccessParts parts = access_parts(id);
        ModelAccess access(parts.host, parts.server);
        return std::forward<F>(f)(access.model());
    }

    /// The same, cast to the model's concrete type (the caller knows what it plugged).
    template <class Model, class F>
    decltype(auto) with(DeviceId id, F&& f) {
        return with_model(id, [&](UsbDeviceModel& model) -> decltype(auto) {
            return std::forward<F>(f)(static_cast<Model&>(model));
        });
    }

private:
    struct Device;
    struct AccessParts {
        ModelHost& host;
        UsbdevfsServer* server;
    };
    AccessParts access_parts(DeviceId id);
    Device& device(DeviceId id) const;  // requires devices_mutex_
    void plug_locked(Device& device, const UsbIdentity& identity);

    GObjectPtr<UMockdevTestbed> testbed_;
    mutable std::mutex devices_mutex_;  // guards devices_ and each Device's servers
    std::vector<std::unique_ptr<Device>> devices_;
    std::map<std::uint8_t, unsigned> next_address_;  // per bus
    unsigned next_port_ = 1;
};

}  // namespace tessera::emulator
