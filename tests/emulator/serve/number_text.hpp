// Numbers as people type them on the emulator's command line and command protocol.
// Strict: the whole text must be the number (no sign, no spaces, no trailing garbage),
// and a value above `max` is refused rather than wrapped. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tessera::emulator::serve {

/// Decimal digits only: "0", "17". nullopt for "", "-1", "1x", "99999999999999999999"
/// or a value above max.
std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max);

/// Hexadecimal with or without "0x"/"0X": "0x1209", "1209", "13". nullopt otherwise or
/// above max.
std::optional<std::uint64_t> parse_hex(std::string_view text, std::uint64_t max);

}  // namespace tessera::emulator::serve
