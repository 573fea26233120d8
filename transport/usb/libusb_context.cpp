#include "transport/usb/libusb_context.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <climits>
#include <cstring>
#include <exception>

#include "transport/usb/ccid_interface.hpp"
#include "transport/usb/libusb_detail.hpp"
#include "transport/usb/libusb_error.hpp"
#include "transport/usb/usb_descriptor.hpp"

namespace tessera::usb {
namespace detail {
namespace {

struct DeviceListFree {
    void operator()(libusb_device** list) const noexcept { libusb_free_device_list(list, 1); }
};
struct HandleClose {
    void operator()(libusb_device_handle* handle) const noexcept { libusb_close(handle); }
};
struct ConfigFree {
    void operator()(libusb_config_descriptor* config) const noexcept {
        libusb_free_config_descriptor(config);
    }
};

void put16(std::vector<std::uint8_t>& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value & 0xFF));
    out.push_back(static_cast<std::uint8_t>(value >> 8));
}

void append(std::vector<std::uint8_t>& out, const unsigned char* extra, int length) {
    if (extra != nullptr && length > 0) out.insert(out.end(), extra, extra + length);
}

// The raw configuration descriptor, rebuilt from libusb's parse in wire order (libusb
// 1.0.26 has no call returning the cached bytes): header, its extra descriptors, then
// each interface's alternate settings with their class descriptors, endpoints and the
// endpoints' extra descriptors. Lossless for devices that list alternate settings of an
// interface together (as USB 2.0 9.6.5 asks).
// A string descriptor as ASCII (USB 2.0 9.6.7), empty when the index is 0 or the device
// does not answer: strings are informative, never a reason to fail an open.
std::string string_descriptor(libusb_device_handle* handle, std::uint8_t index) {
    if (index == 0) return {};
    unsigned char text[256];
    const int size = libusb_get_string_descriptor_ascii(handle, index, text, sizeof text);
    if (size <= 0) return {};
    return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::vector<std::uint8_t> raw_config(const libusb_config_descriptor& config) {
    std::vector<std::uint8_t> out{9, LIBUSB_DT_CONFIG, 0, 0, config.bNumInterfaces,
                                  config.bConfigurationValue, config.iConfiguration,
                                  config.bmAttributes, config.MaxPower};
    append(out, config.extra, config.extra_length);
    for (int i = 0; i < config.bNumInterfaces; ++i) {
        const auto& interface = config.interface[i];
        for (int a = 0; a < interface.num_altsetting; ++a) {
            const auto& alt = interface.altsetting[a];
            out.insert(out.end(), {9, LIBUSB_DT_INTERFACE, alt.bInterfaceNumber,
                                   alt.bAlternateSetting, alt.bNumEndpoints, alt.bInterfaceClass,
                                   alt.bInterfaceSubClass, alt.bInterfaceProtocol,
                                   alt.iInterface});
            append(out, alt.extra, alt.extra_length);
            for (int e = 0; e < alt.bNumEndpoints; ++e) {
                const auto& endpoint = alt.endpoint[e];
                const bool audio = endpoint.bLength >= 9;  // USB audio 1.0 endpoints
                out.insert(out.end(), {static_cast<std::uint8_t>(audio ? 9 : 7),
                                       LIBUSB_DT_ENDPOINT, endpoint.bEndpointAddress,
                                       endpoint.bmAttributes});
                put16(out, endpoint.wMaxPacketSize);
                out.push_back(endpoint.bInterval);
                if (audio) out.insert(out.end(), {endpoint.bRefresh, endpoint.bSynchAddress});
                append(out, endpoint.extra, endpoint.extra_length);
            }
        }
    }
    const auto total = static_cast<std::uint16_t>(out.size());
    out[2] = static_cast<std::uint8_t>(total & 0xFF);
    out[3] = static_cast<std::uint8_t>(total >> 8);
    return out;
}

bool matches(const UsbDeviceSelector& selector, const libusb_device_descriptor& descriptor,
             libusb_device* device) {
    return (!selector.vendor_id || *selector.vendor_id == descriptor.idVendor) &&
           (!selector.product_id || *selector.product_id == descriptor.idProduct) &&
           (!selector.bus || *selector.bus == libusb_get_bus_number(device)) &&
           (!selector.address || *selector.address == libusb_get_device_address(device));
}

}  // namespace

ContextCore::ContextCore(UsbContextOptions options) : options_(std::move(options)) {}

ContextCore::~ContextCore() { shutdown(); }

void ContextCore::log(std::string_view line) const {
    if (options_.log) options_.log(line);
}

bool ContextCore::on_event_thread() const {
    return io_.get_executor().running_in_this_thread();
}

UsbCounters ContextCore::counters() const {
    return {submitted_.load(std::memory_order_relaxed), wakeups_.load(std::memory_order_relaxed)};
}

std::error_code ContextCore::start() {
    int r = libusb_init(&ctx_);
    if (r < 0) {
        ctx_ = nullptr;
        return usb_error_from_libusb(r);
    }
    if (options_.libusb_log_level > 0) {
        libusb_set_option(ctx_, LIBUSB_OPTION_LOG_LEVEL, options_.libusb_log_level);
    }
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) {
        log(std::string("usb: epoll_create1: ") + std::strerror(errno));
        return UsbError::other;
    }
    boost::system::error_code ec;
    epoll_.assign(epoll_fd_, ec);
    if (ec) {
        ::close(epoll_fd_);
        epoll_fd_ = -1;
        log("usb: cannot watch the epoll set: " + ec.message());
        return UsbError::other;
    }
    timer_by_fd_ = libusb_pollfds_handle_timeouts(ctx_) != 0;

    // Notifiers first, then the descriptors that exist already (a descriptor added in
    // between is simply added twice, which watch() tolerates).
    libusb_set_pollfd_notifiers(ctx_, &ContextCore::on_pollfd_added,
                                &ContextCore::on_pollfd_removed, this);
    if (const libusb_pollfd** fds = libusb_get_pollfds(ctx_)) {
        for (auto** fd = fds; *fd != nullptr; ++fd) watch((*fd)->fd, (*fd)->events);
        libusb_free_pollfds(fds);
    }
    if (libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) != 0) {
        libusb_hotplug_callback_handle handle = 0;
        r = libusb_hotplug_register_callback(
            ctx_, LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, LIBUSB_HOTPLUG_NO_FLAGS,
            LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
            &ContextCore::on_hotplug, this, &handle);
        if (r == LIBUSB_SUCCESS) hotplug_ = handle;
    }

    work_.emplace(io_.get_executor());
    boost::asio::post(io_, [this] {
        arm_wait();
        update_timer();
    });
    thread_ = std::thread([this] { run(); });
    return {};
}

void ContextCore::run() {
    for (;;) {
        try {
            io_.run();
            return;
        } catch (const std::exception& e) {
            // A user handler threw: log it and keep the event thread alive.
            log(std::string("usb: event handler threw: ") + e.what());
        }
    }
}

void ContextCore::shutdown() {
    std::vector<std::shared_ptr<DeviceCore>> open;
    {
        std::lock_guard lock(devices_mutex_);
        if (stopped_) return;
        stopped_ = true;
        for (auto& weak : devices_) {
            if (auto device = weak.lock()) open.push_back(std::move(device));
        }
        devices_.clear();
    }
    if (thread_.joinable() && on_event_thread()) {
        // Cannot join ourselves; leave everything alive rather than crash.
        log("usb: context destroyed on its own event thread; resources leaked");
        thread_.detach();
        return;
    }
    bool all_closed = true;
    for (auto& device : open) {
        if (!device->close()) all_closed = false;
    }
    open.clear();
    if (ctx_ != nullptr && hotplug_) libusb_hotplug_deregister_callback(ctx_, *hotplug_);

    // Let the event thread finish what is queued (deferred handle releases), then run
    // out of work: the watch and the timer are cancelled on the thread that owns them.
    work_.reset();
    boost::asio::post(io_, [this] {
        stopping_ = true;
        boost::system::error_code ignored;
        epoll_.cancel(ignored);
        timer_.cancel();
    });
    if (thread_.joinable()) thread_.join();

    if (ctx_ != nullptr) {
        libusb_set_pollfd_notifiers(ctx_, nullptr, nullptr, nullptr);
        if (all_closed) {
            libusb_exit(ctx_);
        } else {
            log("usb: transfers still pending after close; libusb context leaked");
        }
        ctx_ = nullptr;
    }
    boost::system::error_code ec;
    epoll_.close(ec);
    epoll_fd_ = -1;
}

// ---------------------------------------------------------------- the event loop

void LIBUSB_CALL ContextCore::on_pollfd_added(int fd, short events, void* user) {
    static_cast<const ContextCore*>(user)->watch(fd, events);
}

void LIBUSB_CALL ContextCore::on_pollfd_removed(int fd, void* user) {
    static_cast<const ContextCore*>(user)->unwatch(fd);
}

void ContextCore::watch(int fd, short events) const {
    // poll() and epoll share the bit values of IN/OUT/PRI/ERR/HUP. Level-triggered: the
    // set stays readable while libusb has something to do.
    epoll_event event{};
    event.events = static_cast<std::uint32_t>(static_cast<unsigned short>(events));
    event.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0 && errno == EEXIST) {
        epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event);
    }
}

void ContextCore::unwatch(int fd) const {
    epoll_event event{};
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, &event);  // ENOENT: never added; fine
}

bool ContextCore::ready_now() const {
    epoll_event event{};
    return epoll_wait(epoll_fd_, &event, 1, 0) > 0;
}

// Asio watches the epoll set edge-triggered: readiness that is still there after a pass
// (libusb could not take its event lock, say) would not be reported again. So after each
// pass the (level-triggered) set is asked once more, and another pass is queued behind
// other work while it is still ready.
void ContextCore::arm_wait() {
    epoll_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                      [this](const boost::system::error_code& ec) {
                          if (ec) {
                              if (ec != boost::asio::error::operation_aborted) {
                                  log("usb: waiting for libusb events failed: " + ec.message());
                              }
                              return;
                          }
                          handle_events();
                      });
}

void ContextCore::handle_events() {
    if (stopping_) return;
    wakeups_.fetch_add(1, std::memory_order_relaxed);
    timeval zero{0, 0};
    const int r = libusb_handle_events_timeout_completed(ctx_, &zero, nullptr);
    if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED && r != LIBUSB_ERROR_TIMEOUT) {
        log(std::string("usb: libusb_handle_events: ") + describe(usb_error_from_libusb(r)));
    }
    update_timer();
    if (ready_now()) {
        boost::asio::post(io_, [this] { handle_events(); });
    } else {
        arm_wait();
    }
}

void ContextCore::handle_timeouts() {
    if (stopping_) return;
    wakeups_.fetch_add(1, std::memory_order_relaxed);
    timeval zero{0, 0};
    libusb_handle_events_timeout_completed(ctx_, &zero, nullptr);
    update_timer();
}

void ContextCore::update_timer() {
    if (timer_by_fd_) return;  // Linux: libusb's timerfd is one of the watched descriptors
    timeval next{};
    if (libusb_get_next_timeout(ctx_, &next) == 1) {
        timer_.expires_after(std::chrono::seconds(next.tv_sec) +
                             std::chrono::microseconds(next.tv_usec));
        timer_armed_ = true;
        timer_.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;  // re-armed or cancelled
            timer_armed_ = false;
            handle_timeouts();
        });
    } else if (timer_armed_) {
        timer_armed_ = false;
        timer_.cancel();
    }
}

void ContextCore::defer(std::function<void()> task) {
    boost::asio::post(io_, std::move(task));
}

void ContextCore::note_submitted() {
    submitted_.fetch_add(1, std::memory_order_relaxed);
    // Without a timerfd, a transfer submitted from another thread may bring the next
    // timeout forward: let the event thread look again.
    if (!timer_by_fd_) boost::asio::post(io_, [this] { update_timer(); });
}

int LIBUSB_CALL ContextCore::on_hotplug(libusb_context*, libusb_device* device,
                                        libusb_hotplug_event event, void* user) {
    auto* self = static_cast<ContextCore*>(user);
    if (event != LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT) return 0;
    std::vector<std::shared_ptr<DeviceCore>> affected;
    {
        std::lock_guard lock(self->devices_mutex_);
        for (auto& weak : self->devices_) {
            if (auto core = weak.lock(); core && core->device_key() == device) {
                affected.push_back(std::move(core));
            }
        }
    }
    for (auto& core : affected) core->mark_gone();
    return 0;  // stay registered
}

// ---------------------------------------------------------------- enumeration, open

std::vector<UsbDeviceSummary> ContextCore::devices() {
    std::vector<UsbDeviceSummary> out;
    {
        std::lock_guard lock(devices_mutex_);
        if (stopped_) return out;
    }
    libusb_device** raw = nullptr;
    const auto count = libusb_get_device_list(ctx_, &raw);
    if (count < 0) return out;
    std::unique_ptr<libusb_device*, DeviceListFree> list(raw);
    for (ssize_t i = 0; i < count; ++i) {
        libusb_device_descriptor descriptor{};
        if (libusb_get_device_descriptor(raw[i], &descriptor) != 0) continue;
        out.push_back({descriptor.idVendor, descriptor.idProduct, libusb_get_bus_number(raw[i]),
                       libusb_get_device_address(raw[i])});
    }
    return out;
}

Result<std::unique_ptr<UsbDevice>> ContextCore::open(const UsbDeviceSelector& selector) {
    if (on_event_thread()) return UsbError::wrong_thread;
    {
        std::lock_guard lock(devices_mutex_);
        if (stopped_) return UsbError::closed;
    }
    libusb_device** raw = nullptr;
    const auto count = libusb_get_device_list(ctx_, &raw);
    if (count < 0) return usb_error_from_libusb(static_cast<int>(count));
    std::unique_ptr<libusb_device*, DeviceListFree> list(raw);

    libusb_device* found = nullptr;
    libusb_device_descriptor descriptor{};
    for (ssize_t i = 0; i < count && found == nullptr; ++i) {
        if (libusb_get_device_descriptor(raw[i], &descriptor) == 0 &&
            matches(selector, descriptor, raw[i])) {
            found = raw[i];
        }
    }
    if (found == nullptr) return UsbError::not_found;

    libusb_device_handle* raw_handle = nullptr;
    int r = libusb_open(found, &raw_handle);
    if (r < 0) return usb_error_from_libusb(r);
    std::unique_ptr<libusb_device_handle, HandleClose> handle(raw_handle);

    libusb_config_descriptor* raw_config_descriptor = nullptr;
    r = libusb_get_active_config_descriptor(found, &raw_config_descriptor);
    if (r < 0) return usb_error_from_libusb(r);
    std::unique_ptr<libusb_config_descriptor, ConfigFree> config(raw_config_descriptor);

    UsbPortInfo info;
    info.config_descriptor = raw_config(*config);
    auto parsed = parse_config_descriptor(info.config_descriptor);
    if (!parsed) return parsed.error();
    const UsbInterfaceDescriptor* interface = nullptr;
    if (selector.interface_number) {
        interface = parsed->find_interface(*selector.interface_number);
    } else if (selector.interface_class) {
        interface = parsed->find_interface_of_class(*selector.interface_class);
    } else {
        interface = find_ccid_interface(*parsed);
    }
    if (interface == nullptr) return UsbError::not_found;

    r = libusb_claim_interface(handle.get(), interface->bInterfaceNumber);
    if (r < 0) return usb_error_from_libusb(r);

    using Type = UsbEndpointDescriptor::Type;
    info.vendor_id = descriptor.idVendor;
    info.product_id = descriptor.idProduct;
    info.bcd_device = descriptor.bcdDevice;
    info.manufacturer = string_descriptor(handle.get(), descriptor.iManufacturer);
    info.product = string_descriptor(handle.get(), descriptor.iProduct);
    info.serial = string_descriptor(handle.get(), descriptor.iSerialNumber);
    info.bus = libusb_get_bus_number(found);
    info.address = libusb_get_device_address(found);
    info.interface = *interface;
    if (auto in = interface->find_endpoint(Type::bulk, true)) {
        info.bulk_in = in->bEndpointAddress;
        info.bulk_in_max_packet = in->max_packet();
    }
    if (auto out = interface->find_endpoint(Type::bulk, false)) {
        info.bulk_out = out->bEndpointAddress;
    }
    if (auto irq = interface->find_endpoint(Type::interrupt, true)) {
        info.interrupt_in = irq->bEndpointAddress;
        info.interrupt_max_packet = irq->max_packet();
    }
    UsbDeviceSelector name{info.vendor_id, info.product_id, info.bus, info.address,
                           interface->bInterfaceNumber, std::nullopt};
    info.name = name.to_string();

    auto core = std::make_shared<DeviceCore>(shared_from_this(), handle.release(),
                                             std::move(info));
    {
        std::lock_guard lock(devices_mutex_);
        if (!stopped_) {
            std::erase_if(devices_, [](const auto& weak) { return weak.expired(); });
            devices_.push_back(core);
            return std::make_unique<UsbDevice>(std::move(core));
        }
    }
    core->close();
    return UsbError::closed;
}

}  // namespace detail

// ---------------------------------------------------------------- UsbContext

UsbContext::UsbContext(std::shared_ptr<detail::ContextCore> core) : core_(std::move(core)) {}

UsbContext::UsbContext(UsbContext&& other) noexcept = default;

UsbContext& UsbContext::operator=(UsbContext&& other) noexcept {
    if (this != &other) {
        shutdown();
        core_ = std::move(other.core_);
    }
    return *this;
}

UsbContext::~UsbContext() { shutdown(); }

Result<UsbContext> UsbContext::create(UsbContextOptions options) {
    auto core = std::make_shared<detail::ContextCore>(std::move(options));
    if (auto error = core->start()) {
        core->shutdown();
        return error;
    }
    return UsbContext(std::move(core));
}

Result<std::unique_ptr<UsbDevice>> UsbContext::open(const UsbDeviceSelector& selector) {
    if (!core_) return UsbError::closed;
    return core_->open(selector);
}

Result<std::unique_ptr<UsbDevice>> UsbContext::open(std::string_view device_name) {
    auto selector = parse_device_name(device_name);
    if (!selector) return selector.error();
    return open(*selector);
}

std::vector<UsbDeviceSummary> UsbContext::devices() {
    return core_ ? core_->devices() : std::vector<UsbDeviceSummary>{};
}

UsbCounters UsbContext::counters() const { return core_ ? core_->counters() : UsbCounters{}; }

bool UsbContext::on_event_thread() const { return core_ && core_->on_event_thread(); }

void UsbContext::shutdown() {
    if (core_) core_->shutdown();
}

}  // namespace tessera::usb
