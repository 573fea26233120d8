// ISO/IEC 7816-3:2006 section 8.3, Tables 7 and 8: clock rate conversion and baud rate
// adjustment factors, indexed by the FI and DI nibbles of TA1 (and of PPS1).
#pragma once

#include <cstdint>
#include <optional>

namespace tessera::iso7816 {

/// Default values when TA1 is absent (ISO 7816-3 8.3): Fd = 372, Dd = 1, fmax 5 MHz.
inline constexpr std::uint16_t kDefaultFi = 372;
inline constexpr std::uint8_t kDefaultDi = 1;
inline constexpr std::uint8_t kDefaultFiDiByte = 0x11;  // TA1 = 11: Fi 372, fmax 5 MHz, Di 1

/// Fi for the FI nibble (0..15); nullopt for reserved values (7, 8, E, F).
std::optional<std::uint16_t> fi_from_index(std::uint8_t fi_index);
/// fmax in kHz for the FI nibble; nullopt for reserved values.
std::optional<std::uint32_t> fmax_khz_from_index(std::uint8_t fi_index);
/// Di for the DI nibble (0..15); nullopt for reserved values (0, A..F).
std::optional<std::uint8_t> di_from_index(std::uint8_t di_index);

/// The nibble encoding a given Fi / Di value, if the tables have it.
std::optional<std::uint8_t> fi_index_of(std::uint16_t fi);
std::optional<std::uint8_t> di_index_of(std::uint8_t di);

}  // namespace tessera::iso7816
