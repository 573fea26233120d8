// UsbdevfsServer: one plugged-in appearance of a model, served to libusb as usbdevfs.
//
// It owns the device's /dev/bus/usb/BBB/DDD node (a DeviceNodeFifo), its sysfs entries
// and the umockdev ioctl handler attached to the node, and answers the usbdevfs ioctls
// libusb's Linux backend issues (SUBMITURB, REAPURB[NDELAY], DISCARDURB, CONTROL,
// CLAIM/RELEASEINTERFACE, CLEAR_HALT, GET_CAPABILITIES, ...) from the model. An IN URB
// stays pending until the model has data: the server asks again after every call into
// the model and whenever serve_pending() is called after a locked change. A completed
// URB waits in a queue, and the FIFO reports POLLOUT, until its own client reaps it.
//
// Unplug (unplug() or a model answering `gone`): every pending URB completes with
// -ESHUTDOWN, later ioctls fail with ENODEV (reaps first hand out what completed), the
// sysfs entries and node are removed with "remove" uevents, and the model is never
// called again by this server. A replug is a new server at a new address.
//
// Threads. handle-ioctl runs on umockdev's worker thread and locks the host's mutex.
// Functions ending in _locked require the caller to hold that mutex;
// finish_removal() must be called without it. Client memory is touched only inside
// that client's own ioctl (umockdev's resolve is synchronous I/O on its socket).
#pragma once

#include <umockdev.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "device_node_fifo.hpp"
#include "gobject_ptr.hpp"
#include "model_host.hpp"
#include "sysfs_usb_device.hpp"
#include "transport/usb/usb_descriptor.hpp"

namespace tessera::emulator {

class UsbdevfsServer {
public:
    /// Attaches the ioctl handler, creates the node, adds sysfs entries for `identity`
    /// (the model's, copied under the host's lock) and sends "add" uevents, in that
    /// order. Throws std::runtime_error on failure.
    UsbdevfsServer(UMockdevTestbed* testbed, ModelHost& host, const UsbIdentity& identity,
                   std::uint8_t bus, std::uint8_t address, const std::string& port);
    /// Precondition: the testbed's worker thread no longer runs handlers (detach() then
    /// the testbed destroyed), so nothing can call into this server any more.
    ~UsbdevfsServer();
    UsbdevfsServer(const UsbdevfsServer&) = delete;
    UsbdevfsServer& operator=(const UsbdevfsServer&) = delete;

    std::uint8_t bus() const noexcept { return bus_; }
    std::uint8_t address() const noexcept { return address_; }
    const std::string& node() const noexcept { return node_; }  // "/dev/bus/usb/001/002"

    /// Asks the model again for every pending IN URB.
    void serve_pending_locked();
    /// Unplugs: completes pending URBs with -ESHUTDOWN. Idempotent.
    void unplug_locked();
    bool gone() const noexcept { return gone_.load(); }
    /// After a locked section: once gone, removes sysfs entries and node (with
    /// uevents), exactly once.
    void finish_removal();

    /// Stops answering: detaches the handler from the node. Call before the testbed goes.
    void detach();

private:
    struct Urb;
    using UrbPtr = std::unique_ptr<Urb>;

    static gboolean on_handle_ioctl(UMockdevIoctlBase*, UMockdevIoctlClient* client,
                                    gpointer self);
    static void on_client_vanished(UMockdevIoctlBase*, UMockdevIoctlClient* client,
                                   gpointer self);
    void handle_ioctl(UMockdevIoctlClient* client);
    void submit_urb(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
    void reap_urb(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
    void discard_urb(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
    void control_ioctl(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
    void claim_interface(UMockdevIoctlClient* client, UMockdevIoctlData* arg, bool claim);
    void clear_halt(UMockdevIoctlClient* client, UMockdevIoctlData* arg);
    void forget_client(UMockdevIoctlClient* client);

    UsbAnswer control_request_locked(const SetupPacket& setup, ByteView out_data);
    UsbAnswer standard_request_locked(const SetupPacket& setup, bool& handled);
    void complete_locked(UrbPtr urb, int status, int actual_length);
    void model_gone_locked();

    UMockdevTestbed* testbed_;
    ModelHost& host_;
    const std::uint8_t bus_;
    const std::uint8_t address_;
    const std::string node_;
    usb::UsbConfigDescriptor config_;
    GObjectPtr<UMockdevIoctlBase> handler_;
    std::unique_ptr<DeviceNodeFifo> fifo_;
    SysfsUsbDevice sysfs_;
    bool attached_ = false;

    // Guarded by host_.mutex.
    std::map<std::uint8_t, std::deque<UrbPtr>> pending_in_;  // by endpoint, oldest first
    std::deque<UrbPtr> completed_;                             // waiting to be reaped
    std::map<unsigned, UMockdevIoctlClient*> claims_;  // interface -> client (not owned)
    std::atomic<bool> gone_{false};
    std::atomic<bool> removed_{false};
};

}  // namespace tessera::emulator
