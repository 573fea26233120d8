#include "loopback_model.hpp"

#include <algorithm>

namespace tessera::usbtest {
namespace {

void put16(Bytes& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value & 0xFF));
    out.push_back(static_cast<std::uint8_t>(value >> 8));
}

Bytes device_descriptor(const LoopbackOptions& options) {
    Bytes d{18, 0x01};
    put16(d, 0x0200);                // bcdUSB
    d.insert(d.end(), {0, 0, 0, 64});  // class per interface, bMaxPacketSize0
    put16(d, options.vendor_id);
    put16(d, options.product_id);
    put16(d, 0x0100);          // bcdDevice
    d.insert(d.end(), {1, 2, 3, 1});  // iManufacturer, iProduct, iSerialNumber, configs
    return d;
}

void endpoint(Bytes& out, std::uint8_t address, std::uint8_t attributes, std::uint16_t size,
              std::uint8_t interval) {
    out.insert(out.end(), {7, 0x05, address, attributes});
    put16(out, size);
    out.push_back(interval);
}

Bytes config_descriptor(const LoopbackOptions& options, std::uint8_t number) {
    Bytes c{9, 0x02, 0, 0, static_cast<std::uint8_t>(number + 1), 1, 0, 0x80, 50};
    if (options.hid_interface_first) {
        c.insert(c.end(), {9, 0x04, 0, 0, 1, 0x03, 0, 0, 0});
        c.insert(c.end(), {9, 0x21, 0x11, 0x01, 0, 1, 0x22, 20, 0});  // HID 1.11 descriptor
        endpoint(c, 0x84, 0x03, 8, 10);
    }
    c.insert(c.end(), {9, 0x04, number, 0, 3, options.interface_class, 0, 0, 0});
    if (options.ccid_class_descriptor) {
        Bytes ccid(54, 0);
        ccid[0] = 54;
        ccid[1] = 0x21;
        ccid[2] = 0x10;  // bcdCCID 1.10
        ccid[3] = 0x01;
        c.insert(c.end(), ccid.begin(), ccid.end());
    }
    endpoint(c, kBulkOut, 0x02, 64, 0);
    endpoint(c, kBulkIn, 0x02, 64, 0);
    endpoint(c, kInterruptIn, 0x03, kInterruptPacketSize, 16);
    c[2] = static_cast<std::uint8_t>(c.size() & 0xFF);
    c[3] = static_cast<std::uint8_t>(c.size() >> 8);
    return c;
}

UsbAnswer done(Bytes data = {}) { return {Completion::done, std::move(data)}; }
UsbAnswer stalled() { return {Completion::stall, {}}; }

}  // namespace

void InRequestWatch::note(std::uint8_t endpoint) {
    {
        std::lock_guard lock(mutex_);
        ++counts_[endpoint];
    }
    changed_.notify_all();
}

std::size_t InRequestWatch::count(std::uint8_t endpoint) const {
    std::lock_guard lock(mutex_);
    const auto it = counts_.find(endpoint);
    return it == counts_.end() ? 0 : it->second;
}

bool InRequestWatch::wait_for(std::uint8_t endpoint, std::size_t at_least,
                              std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
        const auto it = counts_.find(endpoint);
        return it != counts_.end() && it->second >= at_least;
    });
}

LoopbackModel::LoopbackModel(LoopbackOptions options)
    : interface_number_(options.hid_interface_first ? 1 : 0) {
    identity_.vendor_id = options.vendor_id;
    identity_.product_id = options.product_id;
    identity_.bcd_device = 0x0100;
    identity_.manufacturer = "Tessera tests";
    identity_.product = "USB loopback";
    identity_.serial = "LOOP0001";
    identity_.device_descriptor = device_descriptor(options);
    identity_.config_descriptor = config_descriptor(options, interface_number_);
}

UsbAnswer LoopbackModel::bulk_out(std::uint8_t endpoint, ByteView data) {
    if (halted(endpoint)) return stalled();
    echoes_.emplace_back(data.begin(), data.end());
    return done();
}

UsbAnswer LoopbackModel::in(std::uint8_t endpoint, std::size_t max_length) {
    watch_->note(endpoint);
    if (halted(endpoint)) return stalled();
    auto& queue = endpoint == kInterruptIn ? interrupts_ : echoes_;
    if (queue.empty()) return {Completion::pending, {}};
    Bytes& front = queue.front();
    if (front.size() <= max_length) {
        Bytes all = std::move(front);
        queue.pop_front();
        return done(std::move(all));
    }
    Bytes part(front.begin(), front.begin() + static_cast<std::ptrdiff_t>(max_length));
    front.erase(front.begin(), front.begin() + static_cast<std::ptrdiff_t>(max_length));
    return done(std::move(part));
}

UsbAnswer LoopbackModel::control(const SetupPacket& setup, ByteView out_data) {
    const bool vendor = (setup.bmRequestType & 0x60) == 0x40;
    if (!vendor) return stalled();
    if (setup.is_in()) {
        const auto it = control_answers_.find(setup.bRequest);
        if (it == control_answers_.end()) return stalled();
        Bytes answer = it->second;
        if (answer.size() > setup.wLength) answer.resize(setup.wLength);
        return done(std::move(answer));
    }
    if (setup.bRequest != kVendorWrite) return stalled();
    control_writes_.emplace_back(out_data.begin(), out_data.end());
    return done();
}

void LoopbackModel::clear_halt(std::uint8_t endpoint) { halted_.erase(endpoint); }

void LoopbackModel::cancelled(std::uint8_t endpoint) { ++cancellations_[endpoint]; }

std::size_t LoopbackModel::cancellations(std::uint8_t endpoint) const {
    const auto it = cancellations_.find(endpoint);
    return it == cancellations_.end() ? 0 : it->second;
}

}  // namespace tessera::usbtest
