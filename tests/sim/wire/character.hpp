// The reader side's own character coding (ISO/IEC 7816-3:2006 8.1, TS): in the direct
// convention a byte goes on the line as it is, least significant bit first; in the inverse
// convention it goes complemented, most significant bit first. As seen by a receiver set
// to the direct convention, an inverse-convention byte is therefore bit-reversed and
// complemented; the mapping is its own inverse. Used by the simulated card and the
// emulated reader instead of the driver's iso7816/convention functions.
//
// Pure functions; no state.
#pragma once

#include <cstdint>

#include "base/bytes.hpp"
#include "iso7816/convention.hpp"

namespace tessera::sim::wire {

/// One inverse-convention character as a direct-convention receiver reads it, and back.
std::uint8_t inverse_character(std::uint8_t byte) noexcept;
/// The bytes for the line in `convention` (or, the same mapping, the logical bytes of
/// what was read off it): unchanged for direct, inverse_character() on each for inverse.
Bytes line_bytes(ByteView bytes, iso7816::Convention convention);

}  // namespace tessera::sim::wire
