#include "transport/ccid_control.hpp"

namespace tessera::transport {

std::array<std::uint8_t, 8> SetupPacket::bytes() const noexcept {
    return {bmRequestType,
            bRequest,
            static_cast<std::uint8_t>(wValue),
            static_cast<std::uint8_t>(wValue >> 8),
            static_cast<std::uint8_t>(wIndex),
            static_cast<std::uint8_t>(wIndex >> 8),
            static_cast<std::uint8_t>(wLength),
            static_cast<std::uint8_t>(wLength >> 8)};
}

SetupPacket abort_request(std::uint8_t bSlot, std::uint8_t bSeq,
                          std::uint16_t interface_number) noexcept {
    return {kRequestTypeClassInterfaceOut, kRequestAbort,
            static_cast<std::uint16_t>(bSeq << 8 | bSlot), interface_number, 0};
}

}  // namespace tessera::transport
