#include "transport/usb/usb_port.hpp"

namespace tessera::usb {

std::optional<std::uint8_t> UsbPortInfo::endpoint(Endpoint role) const noexcept {
    std::uint8_t endpoint_address = 0;
    switch (role) {
        case Endpoint::bulk_in: endpoint_address = bulk_in; break;
        case Endpoint::bulk_out: endpoint_address = bulk_out; break;
        case Endpoint::interrupt_in: endpoint_address = interrupt_in; break;
    }
    if (endpoint_address == 0) return std::nullopt;
    return endpoint_address;
}

WriteReadOutcome UsbPort::bulk_write_read(std::span<const std::uint8_t> out,
                                          Milliseconds write_timeout, std::span<std::uint8_t> in,
                                          Milliseconds read_timeout) {
    WriteReadOutcome outcome;
    outcome.write_error = bulk_write(out, write_timeout);
    if (outcome.write_error) return outcome;
    auto received = bulk_read(in, read_timeout);
    if (received) {
        outcome.received = *received;
    } else {
        outcome.read_error = received.error();
    }
    return outcome;
}

}  // namespace tessera::usb
