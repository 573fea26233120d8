#include "transport/usb/usb_port.hpp"

namespace tessera::usb {

std::optional<std::uint8_t> UsbPortInfo::endpoint(Endpoint role) const noexcept {
    std::uint8_t address = 0;
    switch (role) {
        case Endpoint::bulk_in: address = bulk_in; break;
        case Endpoint::bulk_out: address = bulk_out; break;
        case Endpoint::interrupt_in: address = interrupt_in; break;
    }
    if (address == 0) return std::nullopt;
    return address;
}

}  // namespace tessera::usb
