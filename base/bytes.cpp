#include "base/bytes.hpp"

namespace tessera {

std::string to_hex(ByteView bytes, bool spaced) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string text;
    text.reserve(bytes.size() * 3);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (spaced && i != 0) {
            text.push_back(' ');
        }
        text.push_back(digits[bytes[i] >> 4]);
        text.push_back(digits[bytes[i] & 0x0F]);
    }
    return text;
}

namespace {
int hex_digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::optional<Bytes> parse_hex(std::string_view text) {
    Bytes bytes;
    int pending = -1;
    for (char c : text) {
        if (c == ' ' || c == ':' || c == '\t' || c == '\n' || c == '\r') {
            if (pending >= 0) {
                return std::nullopt;  // a separator inside a byte
            }
            continue;
        }
        const int value = hex_digit_value(c);
        if (value < 0) {
            return std::nullopt;
        }
        if (pending < 0) {
            pending = value;
        } else {
            bytes.push_back(static_cast<std::uint8_t>(pending << 4 | value));
            pending = -1;
        }
    }
    if (pending >= 0) {
        return std::nullopt;
    }
    return bytes;
}

}  // namespace tessera
