// USB vendor and product IDs as text: typed on the command line, listed in an Info.plist
// (pcscd reads them with strtol(.., 16)), written in readers.conf.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::config {

/// A 16-bit ID in hex: 1 to 4 hex digits, with or without a 0x (or 0X) prefix, e.g.
/// "1209", "0x1209", "8". Anything else (empty, a sign, spaces, more digits) is nullopt.
std::optional<std::uint16_t> parse_usb_id(std::string_view text);

/// Four upper-case hex digits, as readers.conf writes IDs ("1209").
std::string usb_id_text(std::uint16_t id);

}  // namespace tessera::config
