// USB vendor and product IDs as people type them on the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::tools {

/// A 16-bit ID in hex: 1 to 4 hex digits, with or without a 0x (or 0X) prefix, e.g.
/// "1209", "0x1209", "8". Anything else (empty, a sign, spaces, more digits) is nullopt.
std::optional<std::uint16_t> parse_usb_id(std::string_view text);

/// Four upper-case hex digits, as readers.conf writes IDs ("1209").
std::string usb_id_text(std::uint16_t id);

}  // namespace tessera::tools
