#include "tests/emulator/port/model_port.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "transport/usb/usb_descriptor.hpp"

namespace tessera::emulator {

using usb::UsbError;

namespace {

// USB 2.0 5.8.3: a bulk transfer of a non-zero multiple of the endpoint's wMaxPacketSize
// needs a zero-length packet to end it.
bool ends_with_whole_packet(const usb::UsbPortInfo& info, std::size_t length) {
    for (const auto& endpoint : info.interface.endpoints) {
        if (endpoint.bEndpointAddress == info.bulk_out && endpoint.max_packet() != 0) {
            return length != 0 && length % endpoint.max_packet() == 0;
        }
    }
    return false;
}

}  // namespace

Result<usb::UsbPortInfo> port_info_for(const UsbIdentity& identity, std::uint8_t interface_class) {
    auto config = usb::parse_config_descriptor(identity.config_descriptor);
    if (!config) return config.error();
    const usb::UsbInterfaceDescriptor* interface = config->find_interface_of_class(interface_class);
    if (interface == nullptr) return UsbError::not_found;
    usb::UsbPortInfo info;
    info.vendor_id = identity.vendor_id;
    info.product_id = identity.product_id;
    info.bcd_device = identity.bcd_device;
    info.interface = *interface;
    using Type = usb::UsbEndpointDescriptor::Type;
    if (const auto in = interface->find_endpoint(Type::bulk, true)) info.bulk_in = in->bEndpointAddress;
    if (const auto out = interface->find_endpoint(Type::bulk, false)) info.bulk_out = out->bEndpointAddress;
    if (const auto irq = interface->find_endpoint(Type::interrupt, true)) {
        info.interrupt_in = irq->bEndpointAddress;
        info.interrupt_max_packet = irq->max_packet();
    }
    info.config_descriptor = identity.config_descriptor;
    char name[64];
    std::snprintf(name, sizeof name, "model:%04x/%04x interface %u", identity.vendor_id,
                  identity.product_id, static_cast<unsigned>(interface->bInterfaceNumber));
    info.name = name;
    return info;
}

ModelPort::ModelPort(std::unique_ptr<UsbDeviceModel> model, usb::UsbPortInfo info)
    : info_(std::move(info)), model_(std::move(model)) {}

Result<std::unique_ptr<ModelPort>> ModelPort::create(std::unique_ptr<UsbDeviceModel> model,
                                                     std::uint8_t interface_class) {
    auto info = port_info_for(model->identity(), interface_class);
    if (!info) return info.error();
    return std::make_unique<ModelPort>(std::move(model), std::move(*info));
}

ModelPort::~ModelPort() {
    std::thread listener;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        stop_listener_ = true;
        listener = std::move(listener_);
        wake_.notify_all();
    }
    if (listener.joinable()) {
        if (listener.get_id() == std::this_thread::get_id()) {
            listener.detach();
        } else {
            listener.join();
        }
    }
}

void ModelPort::model_changed(std::unique_lock<std::mutex>&) {
    ++generation_;
    wake_.notify_all();
}

void ModelPort::mark_gone() {
    gone_ = true;
    wake_.notify_all();
}

std::error_code ModelPort::refuse(bool blocking) const {
    if (gone_) return UsbError::no_device;
    if (closed_) return UsbError::closed;
    if (blocking && std::this_thread::get_id() == listener_id_) return UsbError::wrong_thread;
    return {};
}

std::error_code ModelPort::bulk_write(std::span<const std::uint8_t> data, usb::Milliseconds) {
    std::unique_lock lock(mutex_);
    if (const auto error = refuse(true)) return error;
    if (info_.bulk_out == 0) return UsbError::no_endpoint;
    ++counters_.bulk_out;
    if (zero_length_packet_ && ends_with_whole_packet(info_, data.size())) {
        ++counters_.zero_length_packets;
    }
    const UsbAnswer answer = model_->bulk_out(info_.bulk_out, data);
    if (answer.status == Completion::gone) {
        mark_gone();
        return UsbError::no_device;
    }
    model_changed(lock);
    return answer.status == Completion::stall ? std::error_code(UsbError::pipe) : std::error_code();
}

Result<std::size_t> ModelPort::bulk_read(std::span<std::uint8_t> buffer, usb::Milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (const auto error = refuse(true)) return error;
    if (info_.bulk_in == 0) return UsbError::no_endpoint;
    const std::uint64_t epoch = cancel_epoch_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        ++counters_.in_polls;
        UsbAnswer answer = model_->in(info_.bulk_in, buffer.size());
        switch (answer.status) {
            case Completion::done: {
                ++counters_.bulk_in;
                model_changed(lock);
                if (answer.data.size() > buffer.size()) return UsbError::overflow;
                std::copy(answer.data.begin(), answer.data.end(), buffer.begin());
                return answer.data.size();
            }
            case Completion::stall:
                model_changed(lock);
                return UsbError::pipe;
            case Completion::gone:
                mark_gone();
                return UsbError::no_device;
            case Completion::pending: break;
        }
        const std::uint64_t seen = generation_;
        const auto settled = [&] {
            return generation_ != seen || gone_ || closed_ || cancel_epoch_ != epoch;
        };
        bool woke = true;
        if (timeout.count() == 0) {
            wake_.wait(lock, settled);  // "no timeout" (UsbPort contract); cancel, close, gone end it
        } else {
            woke = wake_.wait_until(lock, deadline, settled);
        }
        if (gone_) return UsbError::no_device;
        if (closed_) return UsbError::closed;
        if (cancel_epoch_ != epoch || !woke) {
            model_->cancelled(info_.bulk_in);
            return cancel_epoch_ != epoch ? UsbError::cancelled : UsbError::timeout;
        }
    }
}

Result<std::size_t> ModelPort::control(const usb::ControlSetup& setup, std::span<std::uint8_t> data,
                                       usb::Milliseconds) {
    std::unique_lock lock(mutex_);
    if (const auto error = refuse(true)) return error;
    ++counters_.control;
    const SetupPacket packet{setup.bmRequestType, setup.bRequest, setup.wValue, setup.wIndex,
                             static_cast<std::uint16_t>(std::min<std::size_t>(data.size(), 0xFFFF))};
    const ByteView out = setup.is_in() ? ByteView() : ByteView(data.data(), packet.wLength);
    UsbAnswer answer = model_->control(packet, out);
    switch (answer.status) {
        case Completion::gone: mark_gone(); return UsbError::no_device;
        case Completion::stall: model_changed(lock); return UsbError::pipe;
        case Completion::pending: model_changed(lock); return UsbError::timeout;  // not for control
        case Completion::done: break;
    }
    model_changed(lock);
    if (!setup.is_in()) return std::size_t{packet.wLength};
    if (answer.data.size() > data.size()) return UsbError::overflow;
    std::copy(answer.data.begin(), answer.data.end(), data.begin());
    return answer.data.size();
}

std::error_code ModelPort::clear_halt(usb::Endpoint endpoint) {
    std::unique_lock lock(mutex_);
    if (const auto error = refuse(true)) return error;
    const auto address = info_.endpoint(endpoint);
    if (!address) return UsbError::no_endpoint;
    ++counters_.clear_halt;
    model_->clear_halt(*address);
    model_changed(lock);
    return {};
}

void ModelPort::cancel_pending() {
    std::lock_guard lock(mutex_);
    ++cancel_epoch_;
    wake_.notify_all();
}

std::error_code ModelPort::start_interrupt_listener(usb::InterruptHandler handler) {
    std::thread finished;
    {
        std::lock_guard lock(mutex_);
        if (info_.interrupt_in == 0) return UsbError::no_endpoint;
        if (const auto error = refuse(false)) return error;
        if (listener_active_) return UsbError::already_running;
        finished = std::move(listener_);
    }
    if (finished.joinable()) finished.join();  // a listener that ended by itself
    std::lock_guard lock(mutex_);
    if (listener_active_ || listener_.joinable()) return UsbError::already_running;
    stop_listener_ = false;
    listener_active_ = true;
    listener_ = std::thread(&ModelPort::listen, this, std::move(handler));
    listener_id_ = listener_.get_id();
    return {};
}

void ModelPort::stop_interrupt_listener() {
    std::thread listener;
    {
        std::lock_guard lock(mutex_);
        stop_listener_ = true;
        wake_.notify_all();
        if (std::this_thread::get_id() == listener_id_) return;  // only request it
        listener = std::move(listener_);
    }
    if (listener.joinable()) listener.join();
}

void ModelPort::listen(usb::InterruptHandler handler) {
    std::unique_lock lock(mutex_);
    const std::size_t packet = info_.interrupt_max_packet != 0 ? info_.interrupt_max_packet : 64;
    std::error_code ended;
    for (;;) {
        if (stop_listener_) { ended = UsbError::cancelled; break; }
        if (gone_) { ended = UsbError::no_device; break; }
        if (closed_) { ended = UsbError::closed; break; }
        ++counters_.in_polls;
        UsbAnswer answer = model_->in(info_.interrupt_in, packet);
        if (answer.status == Completion::done) {
            ++counters_.interrupt_in;
            model_changed(lock);
            lock.unlock();
            handler({}, answer.data);
            lock.lock();
            continue;
        }
        if (answer.status == Completion::stall) {
            model_changed(lock);
            ended = UsbError::pipe;
            break;
        }
        if (answer.status == Completion::gone) {
            mark_gone();
            ended = UsbError::no_device;
            break;
        }
        const std::uint64_t seen = generation_;
        wake_.wait(lock, [&] { return generation_ != seen || stop_listener_ || gone_ || closed_; });
    }
    listener_active_ = false;
    lock.unlock();
    handler(ended, {});
}

void ModelPort::set_zero_length_packet(bool enabled) {
    std::lock_guard lock(mutex_);
    zero_length_packet_ = enabled;
}

ModelPortCounters ModelPort::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

bool ModelPort::gone() const {
    std::lock_guard lock(mutex_);
    return gone_;
}

}  // namespace tessera::emulator
