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

}  // namespace tessera::usb
