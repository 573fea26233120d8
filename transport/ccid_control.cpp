#include "transport/ccid_control.hpp"

#include "transport/ccid_message.hpp"

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

SetupPacket get_clock_frequencies_request(std::uint16_t interface_number,
                                          std::uint8_t bNumClockSupported) noexcept {
    return {kRequestTypeClassInterfaceIn, kRequestGetClockFrequencies, 0, interface_number,
            static_cast<std::uint16_t>(bNumClockSupported * 4)};
}

SetupPacket get_data_rates_request(std::uint16_t interface_number,
                                   std::uint8_t bNumDataRatesSupported) noexcept {
    return {kRequestTypeClassInterfaceIn, kRequestGetDataRates, 0, interface_number,
            static_cast<std::uint16_t>(bNumDataRatesSupported * 4)};
}

Result<std::vector<std::uint32_t>> decode_dword_list(ByteView data, std::size_t max_count) {
    if (data.size() % 4 != 0 || data.size() / 4 > max_count) {
        return MessageError::control_data_length;
    }
    std::vector<std::uint32_t> values;
    values.reserve(data.size() / 4);
    for (std::size_t offset = 0; offset < data.size(); offset += 4) {
        values.push_back(read_le32(data, offset));
    }
    return values;
}

}  // namespace tessera::transport
