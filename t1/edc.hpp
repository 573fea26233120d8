// T=1 error detection codes: the epilogue field (ISO/IEC 7816-3:2006 11.3.4), selected by
// bit 1 of the first TC for T=1 in the ATR (11.4.4): 0 = LRC, 1 = CRC.
//
// LRC: one byte, the exclusive-or of every byte of the prologue and information fields.
//
// CRC: two bytes over the same bytes, with the generator polynomial x^16 + x^12 + x^5 + 1
// of ISO/IEC 3309 (now ISO/IEC 13239). 7816-3 names the polynomial but leaves the
// register conventions to the HDLC text, and deployed readers and cards agree on this
// variant, which is the one we implement:
//   - bits enter least significant first (the HDLC bit order, i.e. the reflected form
//     of the polynomial, 0x8408);
//   - the register starts at 'FFFF';
//   - no final complement;
//   - the register's high byte is sent first, then the low byte.
// Check value: crc("123456789") = 0x6F91 (the parameter set known as CRC-16/MCRF4XX).
// Pure functions, no state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"

namespace tessera::t1 {

enum class EdcType : std::uint8_t { lrc, crc };

/// Number of epilogue bytes: 1 for LRC, 2 for CRC.
constexpr std::size_t edc_size(EdcType type) noexcept { return type == EdcType::lrc ? 1 : 2; }

/// Longitudinal redundancy check: XOR of all bytes.
std::uint8_t lrc(ByteView bytes) noexcept;

/// The CRC register after `bytes` (conventions above).
std::uint16_t crc(ByteView bytes) noexcept;

/// The epilogue field for `prologue_and_inf`: 1 or 2 bytes in transmission order.
Bytes compute_edc(ByteView prologue_and_inf, EdcType type);

/// True when `block` (prologue, INF, epilogue) ends with the EDC of its other bytes.
/// False when the block is shorter than the epilogue.
bool edc_matches(ByteView block, EdcType type) noexcept;

}  // namespace tessera::t1
