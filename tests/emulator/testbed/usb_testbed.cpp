#include "usb_testbed.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "usbdevfs_server.hpp"

namespace tessera::emulator {

struct UsbTestbed::Device {
    ModelHost host;
    std::uint8_t bus = 1;
    std::unique_ptr<UsbdevfsServer> current;               // the latest plug-in
    std::vector<std::unique_ptr<UsbdevfsServer>> retired;  // earlier ones, still answering
};

UsbTestbed::UsbTestbed() {
    const char* preload = std::getenv("LD_PRELOAD");
    if (preload == nullptr || std::string_view(preload).find("libumockdev-preload") ==
                                  std::string_view::npos) {
        throw std::runtime_error(
            "UsbTestbed needs the umockdev preload: call run_under_umockdev_preload() first");
    }
    testbed_ = adopt_object(umockdev_testbed_new());
    if (!testbed_) throw std::runtime_error("umockdev_testbed_new failed");
}

UsbTestbed::~UsbTestbed() {
    std::lock_guard lock(devices_mutex_);
    for (auto& device : devices_) {
        if (device->current) device->current->detach();
        for (auto& server : device->retired) server->detach();
    }
    testbed_.reset();  // stops umockdev's worker thread: no handler runs after this
    devices_.clear();
}

std::string UsbTestbed::root_dir() const {
    GCharPtr root(umockdev_testbed_get_root_dir(testbed_.get()));
    return root.get();
}

UsbTestbed::Device& UsbTestbed::device(DeviceId id) const {
    if (id.index >= devices_.size()) throw std::out_of_range("UsbTestbed: unknown DeviceId");
    return *devices_[id.index];
}

void UsbTestbed::plug_locked(Device& device, const UsbIdentity& identity) {
    unsigned& next = next_address_.try_emplace(device.bus, 2).first->second;
    if (next > 127) throw std::runtime_error("UsbTestbed: bus out of addresses");
    const auto address = static_cast<std::uint8_t>(next++);
    char port[16];
    std::snprintf(port, sizeof port, "%u-%u", device.bus, next_port_++);
    auto server = std::make_unique<UsbdevfsServer>(testbed_.get(), device.host, identity,
                                                   device.bus, address, port);
    if (device.current) device.retired.push_back(std::move(device.current));
    device.current = std::move(server);
}

DeviceId UsbTestbed::plug(std::unique_ptr<UsbDeviceModel> model, std::uint8_t bus) {
    if (!model) throw std::invalid_argument("UsbTestbed::plug: no model");
    auto device = std::make_unique<Device>();
    device->bus = bus;
    const UsbIdentity identity = model->identity();
    device->host.model = std::move(model);
    std::lock_guard lock(devices_mutex_);
    plug_locked(*device, identity);
    devices_.push_back(std::move(device));
    return {devices_.size() - 1};
}

void UsbTestbed::unplug(DeviceId id) {
    UsbdevfsServer* server = nullptr;
    ModelHost* host = nullptr;
    {
        std::lock_guard lock(devices_mutex_);
        server = device(id).current.get();
        host = &device(id).host;
    }
    if (server == nullptr) return;
    {
        std::lock_guard model_lock(host->mutex);
        server->unplug_locked();
    }
    server->finish_removal();
}

void UsbTestbed::replug(DeviceId id) {
    unplug(id);
    std::lock_guard lock(devices_mutex_);
    Device& d = device(id);
    UsbIdentity identity;
    {
        std::lock_guard model_lock(d.host.mutex);
        identity = d.host.model->identity();
    }
    plug_locked(d, identity);
}

bool UsbTestbed::plugged(DeviceId id) const {
    std::lock_guard lock(devices_mutex_);
    const auto& server = device(id).current;
    return server && !server->gone();
}

std::uint8_t UsbTestbed::bus(DeviceId id) const {
    std::lock_guard lock(devices_mutex_);
    return device(id).bus;
}

std::uint8_t UsbTestbed::address(DeviceId id) const {
    std::lock_guard lock(devices_mutex_);
    return device(id).current->address();
}

std::string UsbTestbed::node(DeviceId id) const {
    std::lock_guard lock(devices_mutex_);
    return device(id).current->node();
}

std::string UsbTestbed::pcscd_device_name(DeviceId id, std::uint8_t interface_number) const {
    std::lock_guard lock(devices_mutex_);
    Device& d = device(id);
    std::uint16_t vendor = 0, product = 0;
    {
        std::lock_guard model_lock(d.host.mutex);
        vendor = d.host.model->identity().vendor_id;
        product = d.host.model->identity().product_id;
    }
    char name[96];
    std::snprintf(name, sizeof name, "usb:%04x/%04x:libudev:%u:%s", vendor, product,
                  interface_number, d.current->node().c_str());
    return name;
}

UsbTestbedCounters UsbTestbed::counters(DeviceId id) const {
    std::lock_guard lock(devices_mutex_);
    Device& d = device(id);
    std::lock_guard model_lock(d.host.mutex);
    return d.host.counters;
}

UsbTestbed::AccessParts UsbTestbed::access_parts(DeviceId id) {
    std::lock_guard lock(devices_mutex_);
    Device& d = device(id);
    return {d.host, d.current.get()};
}

UsbTestbed::ModelAccess::ModelAccess(ModelHost& host, UsbdevfsServer* server)
    : host_(&host), server_(server), lock_(host.mutex) {}

UsbTestbed::ModelAccess::~ModelAccess() {
    if (server_ != nullptr) server_->serve_pending_locked();
    lock_.unlock();
    if (server_ != nullptr) server_->finish_removal();
}

}  // namespace tessera::emulator
