// Byte buffers and hex text, shared by every layer and tool.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

/// Upper-case hex without separators ("3B8F80"), or with one space between bytes.
std::string to_hex(ByteView bytes, bool spaced = false);

/// Parses hex digits, ignoring spaces, tabs, newlines and colons ("3B:8F 80", "3b8f80").
/// Returns nullopt on any other character, a separator between the two digits of a
/// byte, or an odd number of digits.
std::optional<Bytes> parse_hex(std::string_view text);

}  // namespace tessera
