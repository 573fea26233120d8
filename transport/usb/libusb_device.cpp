#include "transport/usb/libusb_device.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

#include "transport/usb/libusb_detail.hpp"
#include "transport/usb/libusb_error.hpp"

namespace tessera::usb {
namespace detail {
namespace {

bool is_in(TransferKind kind) {
    return kind == TransferKind::bulk_in || kind == TransferKind::interrupt_in ||
           kind == TransferKind::control_in;
}

bool is_control(TransferKind kind) {
    return kind == TransferKind::control_in || kind == TransferKind::control_out;
}

unsigned int libusb_timeout(Milliseconds timeout) {
    if (timeout.count() <= 0) return 0;
    return static_cast<unsigned int>(std::min<long long>(timeout.count(), UINT_MAX));
}

}  // namespace

// ---------------------------------------------------------------- TransferState

void TransferState::finish(TransferOutcome outcome) {
    {
        std::lock_guard lock(mutex_);
        outcome_ = std::move(outcome);
        done_ = true;
    }
    ended_.notify_all();
}

bool TransferState::wait_until_done(Milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (timeout.count() <= 0) {
        ended_.wait(lock, [this] { return done_; });
        return true;
    }
    return ended_.wait_for(lock, timeout, [this] { return done_; });
}

// ---------------------------------------------------------------- DeviceCore

DeviceCore::DeviceCore(std::shared_ptr<ContextCore> context, libusb_device_handle* handle,
                       UsbPortInfo info)
    : context_(std::move(context)),
      device_key_(libusb_get_device(handle)),
      info_(std::move(info)),
      handle_(handle),
      device_(libusb_ref_device(libusb_get_device(handle))) {}

DeviceCore::~DeviceCore() { release_handle(); }

bool DeviceCore::gone() const {
    std::lock_guard lock(mutex_);
    return lost_;
}

std::error_code DeviceCore::check_usable_locked() const {
    if (state_ == State::closed) return UsbError::closed;
    if (state_ == State::gone) return UsbError::no_device;
    return {};
}

Result<Transfer> DeviceCore::submit(TransferKind kind, std::uint8_t endpoint,
                                    std::vector<std::uint8_t> buffer, Milliseconds timeout,
                                    CompletionHandler handler) {
    if (buffer.size() > static_cast<std::size_t>(INT_MAX)) return UsbError::invalid_param;
    if (!is_control(kind)) {
        const bool in = (endpoint & 0x80) != 0;
        const auto& endpoints = info_.interface.endpoints;
        const bool known = std::any_of(endpoints.begin(), endpoints.end(), [&](const auto& e) {
            return e.bEndpointAddress == endpoint;
        });
        if (!known || in != is_in(kind)) return UsbError::invalid_param;
    }
    auto state = std::make_shared<TransferState>();
    state->transfer.reset(libusb_alloc_transfer(0));
    if (!state->transfer) return UsbError::no_memory;
    state->kind = kind;
    state->handler = std::move(handler);
    state->buffer = std::move(buffer);
    state->buffer.reserve(1);  // a non-null pointer even for zero-length transfers

    {
        std::lock_guard lock(mutex_);
        if (auto error = check_usable_locked()) return error;
        state->device = shared_from_this();
        auto* t = state->transfer.get();
        auto* data = state->buffer.data();
        const int length = static_cast<int>(state->buffer.size());
        const auto ms = libusb_timeout(timeout);
        switch (kind) {
            case TransferKind::bulk_in:
            case TransferKind::bulk_out:
                libusb_fill_bulk_transfer(t, handle_, endpoint, data, length,
                                          &DeviceCore::on_transfer_done, state.get(), ms);
                // USB 2.0 5.8.3: libusb asks the kernel (USBDEVFS_URB_ZERO_PACKET) for a
                // zero-length packet after a transfer of whole wMaxPacketSize packets.
                if (kind == TransferKind::bulk_out && zero_length_packet_.load()) {
                    t->flags |= LIBUSB_TRANSFER_ADD_ZERO_PACKET;
                }
                break;
            case TransferKind::interrupt_in:
                libusb_fill_interrupt_transfer(t, handle_, endpoint, data, length,
                                               &DeviceCore::on_transfer_done, state.get(), ms);
                break;
            case TransferKind::control_in:
            case TransferKind::control_out:
                libusb_fill_control_transfer(t, handle_, data, &DeviceCore::on_transfer_done,
                                             state.get(), ms);
                break;
        }
        in_flight_.emplace(state.get(), state);
    }
    if (auto error = submit_prepared(state, false)) return error;
    return Transfer(std::move(state));
}

// Submits a transfer that is already in in_flight_. On failure the first submission is
// taken out again (it never completes); a re-armed one stays for its final completion.
std::error_code DeviceCore::submit_prepared(const std::shared_ptr<TransferState>& state,
                                            bool rearm) {
    const int r = libusb_submit_transfer(state->transfer.get());
    bool cancel_now = false;
    {
        std::lock_guard lock(mutex_);
        if (r < 0 && !rearm) {
            in_flight_.erase(state.get());
            if (in_flight_.empty()) drained_.notify_all();
        } else if (r >= 0) {
            state->submitted = true;
            cancel_now = state->cancel_reason.has_value();
        }
    }
    if (r < 0) {
        const auto error = usb_error_from_libusb(r);
        if (error == UsbError::no_device) mark_gone();
        return error;
    }
    context_->note_submitted();
    if (cancel_now) libusb_cancel_transfer(state->transfer.get());
    return {};
}

std::error_code DeviceCore::start_listener(InterruptHandler handler) {
    if (info_.interrupt_in == 0) return UsbError::no_endpoint;
    auto state = std::make_shared<TransferState>();
    state->transfer.reset(libusb_alloc_transfer(0));
    if (!state->transfer) return UsbError::no_memory;
    state->kind = TransferKind::interrupt_in;
    state->listener = std::move(handler);
    state->buffer.resize(info_.interrupt_max_packet != 0 ? info_.interrupt_max_packet : 64);
    {
        std::lock_guard lock(mutex_);
        if (auto error = check_usable_locked()) return error;
        if (listener_) return UsbError::already_running;
        state->device = shared_from_this();
        libusb_fill_interrupt_transfer(state->transfer.get(), handle_, info_.interrupt_in,
                                       state->buffer.data(),
                                       static_cast<int>(state->buffer.size()),
                                       &DeviceCore::on_transfer_done, state.get(), 0);
        in_flight_.emplace(state.get(), state);
        listener_ = state;
    }
    if (auto error = submit_prepared(state, false)) {
        std::lock_guard lock(mutex_);
        if (listener_ == state) listener_.reset();
        return error;
    }
    return {};
}

void DeviceCore::stop_listener() {
    std::shared_ptr<TransferState> listener;
    bool submitted = false;
    {
        std::lock_guard lock(mutex_);
        listener = listener_;
        if (!listener) return;
        listener->stop_requested = true;
        if (!listener->cancel_reason) listener->cancel_reason = UsbError::cancelled;
        submitted = listener->submitted;
    }
    if (submitted) libusb_cancel_transfer(listener->transfer.get());
    if (context_->on_event_thread()) return;
    if (!listener->wait_until_done(context_->close_timeout())) {
        context_->log("usb: " + info_.name + ": interrupt listener did not stop in time");
    }
}

std::error_code DeviceCore::clear_halt(std::uint8_t endpoint) {
    std::lock_guard lock(mutex_);
    if (auto error = check_usable_locked()) return error;
    const int r = libusb_clear_halt(handle_, endpoint);
    if (r < 0) return usb_error_from_libusb(r);
    return {};
}

std::vector<std::shared_ptr<TransferState>> DeviceCore::request_cancel_locked(
    UsbError reason, bool with_listener) {
    std::vector<std::shared_ptr<TransferState>> to_cancel;
    for (auto& [raw, state] : in_flight_) {
        if (state == listener_) {
            if (!with_listener) continue;
            state->stop_requested = true;
        }
        if (!state->cancel_reason) state->cancel_reason = reason;
        if (state->submitted) to_cancel.push_back(state);
    }
    return to_cancel;
}

void DeviceCore::cancel(TransferState& state) {
    bool submitted = false;
    {
        std::lock_guard lock(mutex_);
        if (!in_flight_.contains(&state)) return;
        if (!state.cancel_reason) state.cancel_reason = UsbError::cancelled;
        submitted = state.submitted;
    }
    if (submitted) libusb_cancel_transfer(state.transfer.get());
}

void DeviceCore::cancel_pending() {
    std::vector<std::shared_ptr<TransferState>> to_cancel;
    {
        std::lock_guard lock(mutex_);
        to_cancel = request_cancel_locked(UsbError::cancelled, false);
    }
    for (auto& state : to_cancel) libusb_cancel_transfer(state->transfer.get());
}

void DeviceCore::mark_gone() {
    std::vector<std::shared_ptr<TransferState>> to_cancel;
    {
        std::lock_guard lock(mutex_);
        if (lost_) return;
        lost_ = true;
        if (state_ == State::open) state_ = State::gone;
        to_cancel = request_cancel_locked(UsbError::no_device, true);
    }
    context_->log("usb: " + info_.name + ": device is gone");
    for (auto& state : to_cancel) libusb_cancel_transfer(state->transfer.get());
}

bool DeviceCore::close() {
    std::vector<std::shared_ptr<TransferState>> to_cancel;
    {
        std::lock_guard lock(mutex_);
        if (handle_ == nullptr) return true;
        state_ = State::closed;
        to_cancel = request_cancel_locked(UsbError::closed, true);
    }
    for (auto& state : to_cancel) libusb_cancel_transfer(state->transfer.get());
    to_cancel.clear();

    bool drained = false;
    {
        std::unique_lock lock(mutex_);
        if (!context_->on_event_thread()) {
            drained_.wait_for(lock, context_->close_timeout(),
                              [this] { return in_flight_.empty(); });
        }
        drained = in_flight_.empty();
        if (!drained) release_when_drained_ = true;
    }
    if (!drained) {
        if (!context_->on_event_thread()) {
            context_->log("usb: " + info_.name + ": transfers still pending at close");
        }
        return false;
    }
    release_handle();
    return true;
}

void DeviceCore::release_handle() {
    libusb_device_handle* handle = nullptr;
    libusb_device* device = nullptr;
    {
        std::lock_guard lock(mutex_);
        state_ = State::closed;
        handle = std::exchange(handle_, nullptr);
        device = std::exchange(device_, nullptr);
        release_when_drained_ = false;
    }
    if (handle == nullptr && device == nullptr) return;
    auto release = [handle, device, number = info_.interface.bInterfaceNumber] {
        if (handle != nullptr) {
            libusb_release_interface(handle, number);
            libusb_close(handle);
        }
        if (device != nullptr) libusb_unref_device(device);
    };
    // libusb still uses the handle after a transfer callback returns: never close it
    // from inside one.
    if (context_->on_event_thread()) {
        context_->defer(std::move(release));
    } else {
        release();
    }
}

// ---------------------------------------------------------------- completion

void LIBUSB_CALL DeviceCore::on_transfer_done(libusb_transfer* transfer) {
    auto* state = static_cast<TransferState*>(transfer->user_data);
    state->device->complete(*state);
}

TransferOutcome DeviceCore::outcome_of(TransferState& state) {
    const libusb_transfer& t = *state.transfer;
    TransferOutcome outcome;
    if (t.status == LIBUSB_TRANSFER_COMPLETED) {
        const std::size_t offset = is_control(state.kind) ? LIBUSB_CONTROL_SETUP_SIZE : 0;
        const std::size_t room = state.buffer.size() > offset ? state.buffer.size() - offset : 0;
        const auto actual = std::min(static_cast<std::size_t>(std::max(t.actual_length, 0)), room);
        outcome.actual_length = actual;
        if (is_in(state.kind)) {
            const auto first = state.buffer.begin() + static_cast<std::ptrdiff_t>(offset);
            outcome.data.assign(first, first + static_cast<std::ptrdiff_t>(actual));
        }
        return outcome;
    }
    UsbError error = usb_error_from_transfer_status(t.status);
    std::lock_guard lock(mutex_);
    if (error == UsbError::cancelled) error = stop_reason_locked(state);
    outcome.error = error;
    return outcome;
}

void DeviceCore::complete(TransferState& raw_state) {
    std::shared_ptr<TransferState> state;
    {
        std::lock_guard lock(mutex_);
        auto it = in_flight_.find(&raw_state);
        if (it == in_flight_.end()) return;  // cannot happen: only submitted ones complete
        state = it->second;
        state->submitted = false;
    }
    auto outcome = outcome_of(*state);
    if (outcome.error == UsbError::no_device) mark_gone();

    if (state->listener) {
        complete_listener(state, std::move(outcome));
        return;
    }
    if (state->handler) state->handler(outcome);
    state->finish(std::move(outcome));
    end_transfer(state);
}

UsbError DeviceCore::stop_reason_locked(const TransferState& state) const {
    if (lost_) return UsbError::no_device;
    if (state.cancel_reason) return *state.cancel_reason;
    return state_ == State::closed ? UsbError::closed : UsbError::cancelled;
}

bool DeviceCore::listener_should_stop(const TransferState& state) const {
    std::lock_guard lock(mutex_);
    return state.stop_requested || state_ != State::open;
}

// A packet goes to the handler and the transfer is re-armed, unless a stop was asked
// for; any error, or the stop, ends the listener with one final handler call.
void DeviceCore::complete_listener(const std::shared_ptr<TransferState>& state,
                                   TransferOutcome outcome) {
    if (!outcome.error && !listener_should_stop(*state)) {
        state->listener({}, outcome.data);
        if (!listener_should_stop(*state)) {
            outcome.error = submit_prepared(state, true);
            if (!outcome.error) return;
        }
    }
    {
        std::lock_guard lock(mutex_);
        if (!outcome.error) outcome.error = stop_reason_locked(*state);
        if (listener_ == state) listener_.reset();
    }
    state->listener(outcome.error, {});
    state->finish(std::move(outcome));
    end_transfer(state);
}

// Takes an ended transfer out of in_flight_; the last one out releases a handle whose
// close is waiting for it.
void DeviceCore::end_transfer(const std::shared_ptr<TransferState>& state) {
    bool release = false;
    {
        std::lock_guard lock(mutex_);
        in_flight_.erase(state.get());
        if (in_flight_.empty()) {
            drained_.notify_all();
            release = release_when_drained_;
        }
    }
    if (release) release_handle();
}

}  // namespace detail

// ---------------------------------------------------------------- Transfer

bool Transfer::done() const {
    if (!state_) return true;
    std::lock_guard lock(state_->mutex_);
    return state_->done_;
}

TransferOutcome Transfer::wait() const {
    if (!state_) return {make_error_code(UsbError::invalid_param), 0, {}};
    if (state_->device->context().on_event_thread() && !done()) {
        return {make_error_code(UsbError::wrong_thread), 0, {}};
    }
    state_->wait_until_done(Milliseconds(0));
    std::lock_guard lock(state_->mutex_);
    return state_->outcome_;
}

bool Transfer::wait_for(Milliseconds timeout) const {
    if (!state_) return true;
    if (timeout.count() <= 0) return done();
    return state_->wait_until_done(timeout);
}

void Transfer::cancel() const {
    if (state_) state_->device->cancel(*state_);
}

// ---------------------------------------------------------------- UsbDevice

UsbDevice::UsbDevice(std::shared_ptr<detail::DeviceCore> core) : core_(std::move(core)) {}

UsbDevice::~UsbDevice() { close(); }

void UsbDevice::close() { core_->close(); }

bool UsbDevice::gone() const { return core_->gone(); }

Result<Transfer> UsbDevice::submit_bulk_write(std::uint8_t endpoint,
                                              std::vector<std::uint8_t> data,
                                              Milliseconds timeout, CompletionHandler handler) {
    return core_->submit(detail::TransferKind::bulk_out, endpoint, std::move(data), timeout,
                         std::move(handler));
}

Result<Transfer> UsbDevice::submit_bulk_read(std::uint8_t endpoint, std::size_t length,
                                             Milliseconds timeout, CompletionHandler handler) {
    return core_->submit(detail::TransferKind::bulk_in, endpoint,
                         std::vector<std::uint8_t>(length), timeout, std::move(handler));
}

Result<Transfer> UsbDevice::submit_interrupt_read(std::uint8_t endpoint, std::size_t length,
                                                  Milliseconds timeout,
                                                  CompletionHandler handler) {
    return core_->submit(detail::TransferKind::interrupt_in, endpoint,
                         std::vector<std::uint8_t>(length), timeout, std::move(handler));
}

Result<Transfer> UsbDevice::submit_control_in(const ControlSetup& setup, std::uint16_t length,
                                              Milliseconds timeout, CompletionHandler handler) {
    if (!setup.is_in()) return UsbError::invalid_param;
    std::vector<std::uint8_t> buffer(LIBUSB_CONTROL_SETUP_SIZE + length);
    libusb_fill_control_setup(buffer.data(), setup.bmRequestType, setup.bRequest, setup.wValue,
                              setup.wIndex, length);
    return core_->submit(detail::TransferKind::control_in, 0, std::move(buffer), timeout,
                         std::move(handler));
}

Result<Transfer> UsbDevice::submit_control_out(const ControlSetup& setup,
                                               std::vector<std::uint8_t> data,
                                               Milliseconds timeout, CompletionHandler handler) {
    if (setup.is_in() || data.size() > 0xFFFF) return UsbError::invalid_param;
    std::vector<std::uint8_t> buffer(LIBUSB_CONTROL_SETUP_SIZE + data.size());
    libusb_fill_control_setup(buffer.data(), setup.bmRequestType, setup.bRequest, setup.wValue,
                              setup.wIndex, static_cast<std::uint16_t>(data.size()));
    std::copy(data.begin(), data.end(), buffer.begin() + LIBUSB_CONTROL_SETUP_SIZE);
    return core_->submit(detail::TransferKind::control_out, 0, std::move(buffer), timeout,
                         std::move(handler));
}

const UsbPortInfo& UsbDevice::info() const { return core_->info(); }

std::error_code UsbDevice::bulk_write(std::span<const std::uint8_t> data, Milliseconds timeout) {
    if (core_->context().on_event_thread()) return UsbError::wrong_thread;
    if (info().bulk_out == 0) return UsbError::no_endpoint;
    auto transfer = submit_bulk_write(info().bulk_out, {data.begin(), data.end()}, timeout);
    if (!transfer) return transfer.error();
    return transfer->wait().error;
}

Result<std::size_t> UsbDevice::bulk_read(std::span<std::uint8_t> buffer, Milliseconds timeout) {
    if (core_->context().on_event_thread()) return UsbError::wrong_thread;
    if (info().bulk_in == 0) return UsbError::no_endpoint;
    auto transfer = submit_bulk_read(info().bulk_in, buffer.size(), timeout);
    if (!transfer) return transfer.error();
    auto outcome = transfer->wait();
    if (outcome.error) return outcome.error;
    std::copy(outcome.data.begin(), outcome.data.end(), buffer.begin());
    return outcome.data.size();
}

WriteReadOutcome UsbDevice::bulk_write_read(std::span<const std::uint8_t> out,
                                            Milliseconds write_timeout, std::span<std::uint8_t> in,
                                            Milliseconds read_timeout) {
    WriteReadOutcome outcome;
    if (core_->context().on_event_thread()) {
        outcome.write_error = UsbError::wrong_thread;
        return outcome;
    }
    if (info().bulk_out == 0 || info().bulk_in == 0) {
        outcome.write_error = UsbError::no_endpoint;
        return outcome;
    }
    const Milliseconds in_timeout =
        read_timeout.count() == 0 ? Milliseconds(0) : read_timeout + write_timeout;
    auto read = submit_bulk_read(info().bulk_in, in.size(), in_timeout);
    if (!read) {  // no message goes out whose answer could not be read
        outcome.write_error = read.error();
        return outcome;
    }
    auto write = submit_bulk_write(info().bulk_out, {out.begin(), out.end()}, write_timeout);
    outcome.write_error = write ? write->wait().error : write.error();
    if (outcome.write_error) {
        read->cancel();
        (void)read->wait();
        return outcome;
    }
    auto received = read->wait();
    if (received.error) {
        outcome.read_error = received.error;
        return outcome;
    }
    std::copy(received.data.begin(), received.data.end(), in.begin());
    outcome.received = received.data.size();
    return outcome;
}

Result<std::size_t> UsbDevice::control(const ControlSetup& setup, std::span<std::uint8_t> data,
                                       Milliseconds timeout) {
    if (core_->context().on_event_thread()) return UsbError::wrong_thread;
    if (data.size() > 0xFFFF) return UsbError::invalid_param;
    auto transfer = setup.is_in()
                        ? submit_control_in(setup, static_cast<std::uint16_t>(data.size()), timeout)
                        : submit_control_out(setup, {data.begin(), data.end()}, timeout);
    if (!transfer) return transfer.error();
    auto outcome = transfer->wait();
    if (outcome.error) return outcome.error;
    if (!setup.is_in()) return data.size();
    std::copy(outcome.data.begin(), outcome.data.end(), data.begin());
    return outcome.data.size();
}

std::error_code UsbDevice::start_interrupt_listener(InterruptHandler handler) {
    return core_->start_listener(std::move(handler));
}

void UsbDevice::stop_interrupt_listener() { core_->stop_listener(); }

std::error_code UsbDevice::clear_halt(Endpoint endpoint) {
    if (core_->context().on_event_thread()) return UsbError::wrong_thread;
    const auto address = info().endpoint(endpoint);
    if (!address) return UsbError::no_endpoint;
    return core_->clear_halt(*address);
}

void UsbDevice::cancel_pending() { core_->cancel_pending(); }

void UsbDevice::set_zero_length_packet(bool enabled) { core_->set_zero_length_packet(enabled); }

}  // namespace tessera::usb
