// Direct and inverse convention (ISO/IEC 7816-3:2006 8.1 and 8.2.1).
//
// In inverse convention a card sends each byte most significant bit first with the
// logic levels swapped. A UART reading in direct convention therefore sees every byte
// bit-reversed and complemented: TS 3F arrives as 03. The transform is its own inverse,
// so the same function decodes card bytes and encodes bytes for the card.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.hpp"

namespace tessera::iso7816 {

enum class Convention { direct, inverse };

inline constexpr std::uint8_t kTsDirect = 0x3B;
inline constexpr std::uint8_t kTsInverse = 0x3F;
/// TS of an inverse-convention card as a direct-convention receiver reads it.
inline constexpr std::uint8_t kTsInverseOnWire = 0x03;

/// Bit-reverses and complements one byte (inverse <-> direct wire image).
constexpr std::uint8_t invert_convention(std::uint8_t byte) noexcept {
    std::uint8_t reversed = 0;
    for (int bit = 0; bit < 8; ++bit) {
        if (byte & (1u << bit)) {
            reversed = static_cast<std::uint8_t>(reversed | (0x80u >> bit));
        }
    }
    return static_cast<std::uint8_t>(~reversed);
}

/// The convention announced by a decoded TS (3B, 3F); nullopt for any other value.
std::optional<Convention> convention_from_ts(std::uint8_t ts) noexcept;

/// The convention of a card from the first byte a direct-convention receiver read:
/// 3B (direct), 03 (inverse, raw) or 3F (inverse, already decoded by the reader).
std::optional<Convention> convention_from_raw_ts(std::uint8_t first_byte) noexcept;

/// Converts between the wire image read in direct convention and the logical bytes:
/// the identity for direct convention, invert_convention() on every byte for inverse.
Bytes convert_for_convention(ByteView bytes, Convention convention);

}  // namespace tessera::iso7816
