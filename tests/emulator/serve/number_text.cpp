#include "number_text.hpp"

#include <charconv>

namespace tessera::emulator::serve {
namespace {

std::optional<std::uint64_t> parse_digits(std::string_view text, int base, std::uint64_t max) {
    if (text.empty()) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (error != std::errc() || end != text.data() + text.size() || value > max) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max) {
    return parse_digits(text, 10, max);
}

std::optional<std::uint64_t> parse_hex(std::string_view text, std::uint64_t max) {
    if (text.starts_with("0x") || text.starts_with("0X")) {
        text.remove_prefix(2);
    }
    return parse_digits(text, 16, max);
}

}  // namespace tessera::emulator::serve
