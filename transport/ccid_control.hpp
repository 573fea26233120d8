// CCID class-specific requests on the default control pipe (USB CCID rev 1.1 section 5.3):
// their codes, the setup packet, and ABORT (5.3.1). GET_CLOCK_FREQUENCIES (5.3.2) and
// GET_DATA_RATES (5.3.3) are built from the class descriptor and their answers parsed in
// class_descriptor.hpp. Pure functions; the USB backend performs the transfers.
#pragma once

#include <array>
#include <cstdint>

namespace tessera::transport {

/// bmRequestType of the class requests: host-to-device / device-to-host, class, interface.
inline constexpr std::uint8_t kRequestTypeClassInterfaceOut = 0x21;  // 0010 0001
inline constexpr std::uint8_t kRequestTypeClassInterfaceIn = 0xA1;   // 1010 0001

/// bRequest codes (CCID 5.3, Table 5.3-1).
inline constexpr std::uint8_t kRequestAbort = 0x01;
inline constexpr std::uint8_t kRequestGetClockFrequencies = 0x02;
inline constexpr std::uint8_t kRequestGetDataRates = 0x03;

/// A USB setup packet (USB 2.0 9.3).
struct SetupPacket {
    std::uint8_t bmRequestType = 0;
    std::uint8_t bRequest = 0;
    std::uint16_t wValue = 0;
    std::uint16_t wIndex = 0;
    std::uint16_t wLength = 0;

    /// The 8 wire bytes (little-endian words).
    std::array<std::uint8_t, 8> bytes() const noexcept;
    bool operator==(const SetupPacket&) const = default;
};

/// ABORT (5.3.1): wValue = bSeq << 8 | bSlot, wIndex = the CCID interface, no data stage.
/// Followed by PC_to_RDR_Abort with the same bSlot and bSeq (AbortExchange does both).
SetupPacket abort_request(std::uint8_t bSlot, std::uint8_t bSeq,
                          std::uint16_t interface_number) noexcept;

}  // namespace tessera::transport
