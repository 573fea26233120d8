#include "usbdevfs_server.hpp"

// <sys/ioctl.h> first: it makes the USBDEVFS_* request numbers constant expressions.
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace tessera::emulator {
namespace {

constexpr std::uint32_t kCapabilities =
    USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
    USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_BULK_SCATTER_GATHER |
    USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
constexpr long kUsbSpeedFull = 2;  // enum usb_device_speed
constexpr std::size_t kSetupSize = 8;

// USB 2.0 9.4 standard requests and 9.4.5 features.
constexpr std::uint8_t kGetStatus = 0x00;
constexpr std::uint8_t kClearFeature = 0x01;
constexpr std::uint8_t kGetDescriptor = 0x06;
constexpr std::uint8_t kSetConfiguration = 0x09;
constexpr std::uint8_t kSetInterface = 0x0B;
constexpr std::uint16_t kEndpointHalt = 0x00;
constexpr std::uint8_t kRecipientDevice = 0, kRecipientInterface = 1, kRecipientEndpoint = 2;

std::string node_path(std::uint8_t bus, std::uint8_t address) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "/dev/bus/usb/%03u/%03u", bus, address);
    return buffer;
}

GObjectPtr<UMockdevIoctlData> resolve(UMockdevIoctlData* parent, std::size_t offset,
                                      std::size_t length) {
    GError* error = nullptr;
    auto data = adopt_object(umockdev_ioctl_data_resolve(parent, offset, length, &error));
    if (error != nullptr) g_error_free(error);
    return data;
}

SetupPacket parse_setup(const std::uint8_t* b) {
    return {b[0], b[1], static_cast<std::uint16_t>(b[2] | (b[3] << 8)),
            static_cast<std::uint16_t>(b[4] | (b[5] << 8)),
            static_cast<std::uint16_t>(b[6] | (b[7] << 8))};
}

// USB 2.0 9.6.7: UNICODE (UTF-16LE) string; our strings are ASCII.
Bytes string_descriptor(const std::string& text) {
    const std::size_t chars = std::min<std::size_t>(text.size(), 126);
    Bytes out{static_cast<std::uint8_t>(2 + 2 * chars), 0x03};
    for (std::size_t i = 0; i < chars; ++i) {
        out.push_back(static_cast<std::uint8_t>(text[i]));
        out.push_back(0);
    }
    return out;
}

UsbAnswer done(Bytes data = {}) { return {Completion::done, std::move(data)}; }
UsbAnswer stall() { return {Completion::stall, {}}; }

}  // namespace

struct UsbdevfsServer::Urb {
    GObjectPtr<UMockdevIoctlClient> client;  // the only client that may reap it
    GObjectPtr<UMockdevIoctlData> data;      // our copy of its struct usbdevfs_urb
    GObjectPtr<UMockdevIoctlData> buffer;    // its buffer, loaded at submit (OUT, control)
    Bytes in_data;                           // IN data, written to the client when reaped
    gulong client_address = 0;               // the client's pointer, as DISCARDURB names it
    std::uint8_t endpoint = 0;
    std::size_t length = 0;

    usbdevfs_urb& fields() { return *reinterpret_cast<usbdevfs_urb*>(data->data); }
};

UsbdevfsServer::UsbdevfsServer(UMockdevTestbed* testbed, ModelHost& host,
                               const UsbIdentity& identity, std::uint8_t bus,
                               std::uint8_t address, const std::string& port)
    : testbed_(testbed), host_(host), bus_(bus), address_(address), node_(node_path(bus, address)) {
    auto config = usb::parse_config_descriptor(identity.config_descriptor);
    if (!config) throw std::runtime_error("model " + port + ": malformed config descriptor");
    config_ = std::move(*config);

    handler_ = adopt_object(umockdev_ioctl_base_new());
    g_signal_connect(handler_.get(), "handle-ioctl", G_CALLBACK(&on_handle_ioctl), this);
    g_signal_connect(handler_.get(), "client-vanished", G_CALLBACK(&on_client_vanished), this);
    GError* error = nullptr;
    if (!umockdev_testbed_attach_ioctl(testbed_, node_.c_str(), handler_.get(), &error)) {
        std::string message = error != nullptr ? error->message : "unknown error";
        if (error != nullptr) g_error_free(error);
        throw std::runtime_error("umockdev_testbed_attach_ioctl " + node_ + ": " + message);
    }
    attached_ = true;
    try {
        GCharPtr root(umockdev_testbed_get_root_dir(testbed_));
        const std::string path = std::string(root.get()) + node_;
        GCharPtr directory(g_path_get_dirname(path.c_str()));
        g_mkdir_with_parents(directory.get(), 0755);
        fifo_ = std::make_unique<DeviceNodeFifo>(path);
        sysfs_ = add_sysfs_usb_device(testbed_, identity, bus_, address_, port);
        send_uevents(testbed_, sysfs_, "add");
    } catch (...) {
        detach();
        g_signal_handlers_disconnect_by_data(handler_.get(), this);
        throw;
    }
}

UsbdevfsServer::~UsbdevfsServer() {
    detach();
    g_signal_handlers_disconnect_by_data(handler_.get(), this);
}

void UsbdevfsServer::detach() {
    if (!attached_) return;
    umockdev_testbed_detach_ioctl(testbed_, node_.c_str(), nullptr);
    attached_ = false;
}

// ---------------------------------------------------------------- dispatch

gboolean UsbdevfsServer::on_handle_ioctl(UMockdevIoctlBase*, UMockdevIoctlClient* client,
                                         gpointer self) {
    static_cast<UsbdevfsServer*>(self)->handle_ioctl(client);
    return TRUE;
}

void UsbdevfsServer::on_client_vanished(UMockdevIoctlBase*, UMockdevIoctlClient* client,
                                        gpointer self) {
    static_cast<UsbdevfsServer*>(self)->forget_client(client);
}

void UsbdevfsServer::handle_ioctl(UMockdevIoctlClient* client) {
    const unsigned long request = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
    {
        std::lock_guard lock(host_.mutex);
        ++host_.counters.ioctls;
    }
    switch (request) {
        case USBDEVFS_SUBMITURB: submit_urb(client, arg); break;
        case USBDEVFS_REAPURB:  // libusb never waits in the kernel; same as NDELAY
        case USBDEVFS_REAPURBNDELAY: reap_urb(client, arg); break;
        case USBDEVFS_DISCARDURB: discard_urb(client, arg); break;
        case USBDEVFS_CONTROL: control_ioctl(client, arg); break;
        case USBDEVFS_CLAIMINTERFACE:
        case USBDEVFS_DISCONNECT_CLAIM: claim_interface(client, arg, true); break;
        case USBDEVFS_RELEASEINTERFACE: claim_interface(client, arg, false); break;
        case USBDEVFS_CLEAR_HALT: clear_halt(client, arg); break;
        default: {
            if (gone_) {
                umockdev_ioctl_client_complete(client, -1, ENODEV);
                break;
            }
            switch (request) {
                case USBDEVFS_GET_CAPABILITIES: {
                    auto caps = resolve(arg, 0, sizeof kCapabilities);
                    if (caps) std::memcpy(caps->data, &kCapabilities, sizeof kCapabilities);
                    umockdev_ioctl_client_complete(client, caps ? 0 : -1, caps ? 0 : EFAULT);
                    break;
                }
                case USBDEVFS_SETINTERFACE:
                case USBDEVFS_SETCONFIGURATION:
                case USBDEVFS_RESETEP:
                case USBDEVFS_RESET: umockdev_ioctl_client_complete(client, 0, 0); break;
                case USBDEVFS_GETDRIVER:  // no kernel driver is bound
                case USBDEVFS_IOCTL: umockdev_ioctl_client_complete(client, -1, ENODATA); break;
                case USBDEVFS_GET_SPEED:
                    umockdev_ioctl_client_complete(client, kUsbSpeedFull, 0);
                    break;
                case USBDEVFS_CONNECTINFO: {
                    auto info = resolve(arg, 0, sizeof(usbdevfs_connectinfo));
                    if (info) {
                        auto* connect = reinterpret_cast<usbdevfs_connectinfo*>(info->data);
                        connect->devnum = address_;
                        connect->slow = 0;
                    }
                    umockdev_ioctl_client_complete(client, info ? 0 : -1, info ? 0 : EFAULT);
                    break;
                }
                default: umockdev_ioctl_client_complete(client, -1, ENOTTY); break;
            }
        }
    }
    finish_removal();
}

// ---------------------------------------------------------------- URBs

void UsbdevfsServer::submit_urb(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    auto data = resolve(arg, 0, sizeof(usbdevfs_urb));
    if (!data) {
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        return;
    }
    auto urb = std::make_unique<Urb>();
    urb->client = share_object(client);
    urb->client_address = data->client_addr;
    const auto& fields = *reinterpret_cast<const usbdevfs_urb*>(data->data);
    const auto type = fields.type;
    const bool zero_packet = (fields.flags & USBDEVFS_URB_ZERO_PACKET) != 0;
    urb->endpoint = fields.endpoint;
    urb->length = fields.buffer_length > 0 ? static_cast<std::size_t>(fields.buffer_length) : 0;
    const bool in = (urb->endpoint & 0x80) != 0;
    const bool control = type == USBDEVFS_URB_TYPE_CONTROL;
    if (type == USBDEVFS_URB_TYPE_ISO || (control && urb->length < kSetupSize)) {
        umockdev_ioctl_client_complete(client, -1, EINVAL);
        return;
    }
    if ((control || !in) && urb->length > 0) {
        urb->buffer = resolve(data.get(), offsetof(usbdevfs_urb, buffer), urb->length);
        if (!urb->buffer) {
            umockdev_ioctl_client_complete(client, -1, EFAULT);
            return;
        }
    }
    urb->data = std::move(data);

    {
        std::lock_guard lock(host_.mutex);
        if (gone_) {
            umockdev_ioctl_client_complete(client, -1, ENODEV);
            return;
        }
        ++host_.counters.urbs_submitted;
        if (control) {
            ++host_.counters.control_transfers;
            std::uint8_t* buffer = urb->buffer->data;
            const auto setup = parse_setup(buffer);
            const std::size_t room = std::min<std::size_t>(setup.wLength, urb->length - kSetupSize);
            const ByteView out = setup.is_in() ? ByteView() : ByteView(buffer + kSetupSize, room);
            auto answer = control_request_locked(setup, out);
            if (answer.status == Completion::gone) {
                complete_locked(std::move(urb), -ESHUTDOWN, 0);
                model_gone_locked();
            } else if (answer.status != Completion::done) {
                complete_locked(std::move(urb), -EPIPE, 0);
            } else if (setup.is_in()) {
                const std::size_t n = std::min(answer.data.size(), room);
                std::copy_n(answer.data.begin(), n, buffer + kSetupSize);
                complete_locked(std::move(urb), 0, static_cast<int>(n));
            } else {
                complete_locked(std::move(urb), 0, static_cast<int>(room));
            }
        } else if (!in) {
            ++host_.counters.bulk_out_transfers;
            // libusb's LIBUSB_TRANSFER_ADD_ZERO_PACKET: the host controller ends a
            // whole-packet transfer with a zero-length packet (USB 2.0 5.8.3). The model
            // gets whole transfers; the flag is counted for the tests.
            if (zero_packet) ++host_.counters.bulk_out_zero_packet;
            const ByteView out = urb->buffer ? ByteView(urb->buffer->data, urb->length) : ByteView();
            auto answer = host_.model->bulk_out(urb->endpoint, out);
            if (answer.status == Completion::gone) {
                complete_locked(std::move(urb), -ESHUTDOWN, 0);
                model_gone_locked();
            } else if (answer.status != Completion::done) {
                complete_locked(std::move(urb), -EPIPE, 0);
            } else {
                const int length = static_cast<int>(urb->length);
                complete_locked(std::move(urb), 0, length);
            }
        } else {
            ++host_.counters.in_transfers;
            pending_in_[urb->endpoint].push_back(std::move(urb));
        }
        serve_pending_locked();
    }
    umockdev_ioctl_client_complete(client, 0, 0);
}

void UsbdevfsServer::serve_pending_locked() {
    for (bool progress = true; progress && !gone_;) {
        progress = false;
        for (auto& [endpoint, queue] : pending_in_) {
            while (!queue.empty()) {
                auto answer = host_.model->in(endpoint, queue.front()->length);
                if (answer.status == Completion::pending) break;
                auto urb = std::move(queue.front());
                queue.pop_front();
                progress = true;
                if (answer.status == Completion::gone) {
                    complete_locked(std::move(urb), -ESHUTDOWN, 0);
                    model_gone_locked();
                    return;
                }
                if (answer.status == Completion::stall) {
                    complete_locked(std::move(urb), -EPIPE, 0);
                    continue;
                }
                int status = 0;
                if (answer.data.size() > urb->length) {  // babble: the device sent more
                    answer.data.resize(urb->length);
                    status = -EOVERFLOW;
                }
                const int length = static_cast<int>(answer.data.size());
                urb->in_data = std::move(answer.data);
                complete_locked(std::move(urb), status, length);
            }
        }
    }
}

void UsbdevfsServer::complete_locked(UrbPtr urb, int status, int actual_length) {
    urb->fields().status = status;
    urb->fields().actual_length = actual_length;
    completed_.push_back(std::move(urb));
    fifo_->set_reapable(true);
}

void UsbdevfsServer::reap_urb(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    UrbPtr urb;
    bool is_gone = false;
    {
        std::lock_guard lock(host_.mutex);
        auto it = std::find_if(completed_.begin(), completed_.end(),
                               [client](const UrbPtr& u) { return u->client.get() == client; });
        if (it != completed_.end()) {
            urb = std::move(*it);
            completed_.erase(it);
            ++host_.counters.urbs_reaped;
        } else {
            ++host_.counters.empty_reaps;
        }
        fifo_->set_reapable(!completed_.empty());
        is_gone = gone_;
    }
    if (!urb) {
        umockdev_ioctl_client_complete(client, -1, is_gone ? ENODEV : EAGAIN);
        return;
    }
    if (!urb->in_data.empty()) {
        auto buffer = resolve(urb->data.get(), offsetof(usbdevfs_urb, buffer), urb->in_data.size());
        if (!buffer) {
            umockdev_ioctl_client_complete(client, -1, EFAULT);
            return;
        }
        std::copy(urb->in_data.begin(), urb->in_data.end(), buffer->data);
    }
    // The client's `struct usbdevfs_urb*` cell gets the URB's client address; completing
    // writes back the buffer, then the URB (status, actual_length), then the cell.
    auto cell = resolve(arg, 0, sizeof(void*));
    if (!cell || !umockdev_ioctl_data_set_ptr(cell.get(), 0, urb->data.get())) {
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        return;
    }
    umockdev_ioctl_client_complete(client, 0, 0);
}

void UsbdevfsServer::discard_urb(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    gulong address = 0;  // DISCARDURB passes the URB pointer by value
    std::memcpy(&address, arg->data, std::min<std::size_t>(sizeof address, arg->data_len));
    bool found = false;
    {
        std::lock_guard lock(host_.mutex);
        for (auto& [endpoint, queue] : pending_in_) {
            auto it = std::find_if(queue.begin(), queue.end(), [&](const UrbPtr& u) {
                return u->client.get() == client && u->client_address == address;
            });
            if (it == queue.end()) continue;
            auto urb = std::move(*it);
            queue.erase(it);
            if (!gone_) host_.model->cancelled(endpoint);
            complete_locked(std::move(urb), -ENOENT, 0);  // libusb: CANCELLED
            ++host_.counters.urbs_discarded;
            found = true;
            break;
        }
        if (found) serve_pending_locked();
    }
    // Not found: it completed already; libusb then waits for the reap.
    umockdev_ioctl_client_complete(client, found ? 0 : -1, found ? 0 : EINVAL);
}

// ---------------------------------------------------------------- other requests

void UsbdevfsServer::control_ioctl(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    auto transfer = resolve(arg, 0, sizeof(usbdevfs_ctrltransfer));
    if (!transfer) {
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        return;
    }
    const auto& ct = *reinterpret_cast<const usbdevfs_ctrltransfer*>(transfer->data);
    const SetupPacket setup{ct.bRequestType, ct.bRequest, ct.wValue, ct.wIndex, ct.wLength};
    GObjectPtr<UMockdevIoctlData> buffer;
    if (setup.wLength > 0) {
        buffer = resolve(transfer.get(), offsetof(usbdevfs_ctrltransfer, data), setup.wLength);
        if (!buffer) {
            umockdev_ioctl_client_complete(client, -1, EFAULT);
            return;
        }
    }
    long result = 0;
    int error = 0;
    {
        std::lock_guard lock(host_.mutex);
        if (gone_) {
            error = ENODEV;
        } else {
            ++host_.counters.control_transfers;
            const ByteView out = setup.is_in() || !buffer ? ByteView()
                                                          : ByteView(buffer->data, setup.wLength);
            auto answer = control_request_locked(setup, out);
            if (answer.status == Completion::gone) {
                model_gone_locked();
                error = ENODEV;
            } else if (answer.status != Completion::done) {
                error = EPIPE;
            } else if (setup.is_in()) {
                const std::size_t n = std::min<std::size_t>(answer.data.size(), setup.wLength);
                if (n > 0) std::copy_n(answer.data.begin(), n, buffer->data);
                result = static_cast<long>(n);
            } else {
                result = setup.wLength;
            }
            serve_pending_locked();
        }
    }
    umockdev_ioctl_client_complete(client, error != 0 ? -1 : result, error);
}

void UsbdevfsServer::claim_interface(UMockdevIoctlClient* client, UMockdevIoctlData* arg,
                                     bool claim) {
    auto number_data = resolve(arg, 0, sizeof(unsigned int));
    if (!number_data) {
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        return;
    }
    unsigned int number = 0;
    std::memcpy(&number, number_data->data, sizeof number);
    int error = 0;
    {
        std::lock_guard lock(host_.mutex);
        const auto it = claims_.find(number);
        if (gone_) {
            error = ENODEV;
        } else if (number > 0xFF ||
                   config_.find_interface(static_cast<std::uint8_t>(number)) == nullptr) {
            error = ENOENT;
        } else if (claim) {
            if (it != claims_.end() && it->second != client) {
                error = EBUSY;
            } else {
                claims_[number] = client;
            }
        } else if (it == claims_.end() || it->second != client) {
            error = EINVAL;
        } else {
            claims_.erase(it);
        }
    }
    umockdev_ioctl_client_complete(client, error != 0 ? -1 : 0, error);
}

void UsbdevfsServer::clear_halt(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    auto endpoint_data = resolve(arg, 0, sizeof(unsigned int));
    if (!endpoint_data) {
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        return;
    }
    unsigned int endpoint = 0;
    std::memcpy(&endpoint, endpoint_data->data, sizeof endpoint);
    int error = 0;
    {
        std::lock_guard lock(host_.mutex);
        if (gone_) {
            error = ENODEV;
        } else {
            host_.model->clear_halt(static_cast<std::uint8_t>(endpoint));
            serve_pending_locked();
        }
    }
    umockdev_ioctl_client_complete(client, error != 0 ? -1 : 0, error);
}

UsbAnswer UsbdevfsServer::control_request_locked(const SetupPacket& setup, ByteView out_data) {
    bool handled = false;
    auto answer = standard_request_locked(setup, handled);
    if (handled) return answer;
    return host_.model->control(setup, out_data);
}

UsbAnswer UsbdevfsServer::standard_request_locked(const SetupPacket& setup, bool& handled) {
    const bool standard = (setup.bmRequestType & 0x60) == 0;
    const std::uint8_t recipient = setup.bmRequestType & 0x1F;
    if (!standard) return {};
    handled = true;
    const UsbIdentity& identity = host_.model->identity();
    switch (setup.bRequest) {
        case kGetDescriptor: {
            if (!setup.is_in() || recipient != kRecipientDevice) return stall();
            const std::uint8_t type = setup.wValue >> 8;
            const std::uint8_t index = setup.wValue & 0xFF;
            if (type == usb::kDescriptorTypeDevice) return done(identity.device_descriptor);
            if (type == usb::kDescriptorTypeConfiguration && index == 0) {
                return done(identity.config_descriptor);
            }
            if (type != usb::kDescriptorTypeString) return stall();
            if (index == 0) return done({4, 0x03, 0x09, 0x04});  // LANGID: en-US
            const Bytes& device = identity.device_descriptor;
            const std::string* text = nullptr;
            if (device.size() >= 18 && index == device[14]) text = &identity.manufacturer;
            if (device.size() >= 18 && index == device[15]) text = &identity.product;
            if (device.size() >= 18 && index == device[16]) text = &identity.serial;
            if (text == nullptr || text->empty()) return stall();
            return done(string_descriptor(*text));
        }
        case kSetConfiguration:
            return recipient == kRecipientDevice ? done() : stall();
        case kSetInterface:
            return recipient == kRecipientInterface ? done() : stall();
        case kGetStatus:
            return setup.is_in() ? done({0, 0}) : stall();
        case kClearFeature:
            if (recipient == kRecipientEndpoint && setup.wValue == kEndpointHalt) {
                host_.model->clear_halt(static_cast<std::uint8_t>(setup.wIndex & 0xFF));
                return done();
            }
            return stall();
        default:
            handled = false;
            return {};
    }
}

// ---------------------------------------------------------------- clients, unplug

void UsbdevfsServer::forget_client(UMockdevIoctlClient* client) {
    std::lock_guard lock(host_.mutex);
    for (auto& [endpoint, queue] : pending_in_) {
        const auto before = queue.size();
        std::erase_if(queue, [client](const UrbPtr& u) { return u->client.get() == client; });
        if (queue.size() != before && !gone_) host_.model->cancelled(endpoint);
    }
    std::erase_if(completed_, [client](const UrbPtr& u) { return u->client.get() == client; });
    std::erase_if(claims_, [client](const auto& claim) { return claim.second == client; });
    fifo_->set_reapable(!completed_.empty());
}

void UsbdevfsServer::unplug_locked() { model_gone_locked(); }

void UsbdevfsServer::model_gone_locked() {
    if (gone_.exchange(true)) return;
    for (auto& [endpoint, queue] : pending_in_) {
        for (auto& urb : queue) complete_locked(std::move(urb), -ESHUTDOWN, 0);
        queue.clear();
    }
}

void UsbdevfsServer::finish_removal() {
    if (!gone_ || removed_.exchange(true)) return;
    send_uevents(testbed_, sysfs_, "remove");
    remove_sysfs_usb_device(testbed_, sysfs_);
    fifo_->unlink_node();
}

}  // namespace tessera::emulator
