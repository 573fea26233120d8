#include "tests/sim/wire/character.hpp"

namespace tessera::sim::wire {

std::uint8_t inverse_character(std::uint8_t byte) noexcept {
    std::uint8_t mirrored = 0;
    for (int bit = 0; bit < 8; ++bit) {
        mirrored = static_cast<std::uint8_t>(mirrored << 1 | ((byte >> bit) & 1));
    }
    return static_cast<std::uint8_t>(~mirrored);
}

Bytes line_bytes(ByteView bytes, iso7816::Convention convention) {
    Bytes out(bytes.begin(), bytes.end());
    if (convention == iso7816::Convention::inverse) {
        for (auto& byte : out) {
            byte = inverse_character(byte);
        }
    }
    return out;
}

}  // namespace tessera::sim::wire
