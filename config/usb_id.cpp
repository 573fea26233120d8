#include "config/usb_id.hpp"

#include <charconv>

namespace tessera::config {

std::optional<std::uint16_t> parse_usb_id(std::string_view text) {
    if (text.starts_with("0x") || text.starts_with("0X")) {
        text.remove_prefix(2);
    }
    if (text.empty() || text.size() > 4) {
        return std::nullopt;
    }
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;  // from_chars accepts no sign and no prefix: digits only
    }
    return static_cast<std::uint16_t>(value);
}

std::string usb_id_text(std::uint16_t id) {
    constexpr char kDigits[] = "0123456789ABCDEF";
    std::string text(4, '0');
    for (std::size_t i = 4; i-- > 0;) {
        text[i] = kDigits[id & 0xF];
        id = static_cast<std::uint16_t>(id >> 4);
    }
    return text;
}

}  // namespace tessera::config
