// CCID class-specific requests on the default control pipe (USB CCID rev 1.1 section 5.3):
// the setup packets of ABORT (5.3.1), GET_CLOCK_FREQUENCIES (5.3.2) and GET_DATA_RATES
// (5.3.3), and the decoding of the latter two's data stage. Pure functions; the USB
// backend performs the transfers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "iso7816/bytes.hpp"
#include "iso7816/result.hpp"
#include "transport/ccid_error.hpp"

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

/// GET_CLOCK_FREQUENCIES (5.3.2): reads bNumClockSupported dwords (kHz). Only meaningful
/// when the class descriptor's bNumClockSupported is not 0.
SetupPacket get_clock_frequencies_request(std::uint16_t interface_number,
                                          std::uint8_t bNumClockSupported) noexcept;

/// GET_DATA_RATES (5.3.3): reads bNumDataRatesSupported dwords (bps).
SetupPacket get_data_rates_request(std::uint16_t interface_number,
                                   std::uint8_t bNumDataRatesSupported) noexcept;

/// The data stage of GET_CLOCK_FREQUENCIES / GET_DATA_RATES: little-endian dwords.
/// Errors: MessageError::control_data_length when the size is not a multiple of 4 or holds
/// more than `max_count` values (a short list is accepted: the device may return fewer).
Result<std::vector<std::uint32_t>> decode_dword_list(ByteView data, std::size_t max_count);

}  // namespace tessera::transport
