#include "t1/edc.hpp"

namespace tessera::t1 {

std::uint8_t lrc(ByteView bytes) noexcept {
    std::uint8_t value = 0;
    for (const std::uint8_t byte : bytes) {
        value ^= byte;
    }
    return value;
}

std::uint16_t crc(ByteView bytes) noexcept {
    constexpr std::uint16_t kReflectedPolynomial = 0x8408;  // x^16 + x^12 + x^5 + 1
    std::uint16_t reg = 0xFFFF;
    for (const std::uint8_t byte : bytes) {
        reg ^= byte;
        for (int bit = 0; bit < 8; ++bit) {
            const bool carry = (reg & 1u) != 0;
            reg = static_cast<std::uint16_t>(reg >> 1);
            if (carry) {
                reg ^= kReflectedPolynomial;
            }
        }
    }
    return reg;
}

Bytes compute_edc(ByteView prologue_and_inf, EdcType type) {
    if (type == EdcType::lrc) {
        return {lrc(prologue_and_inf)};
    }
    const std::uint16_t value = crc(prologue_and_inf);
    return {static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value & 0xFF)};
}

bool edc_matches(ByteView block, EdcType type) noexcept {
    const std::size_t size = edc_size(type);
    if (block.size() < size) {
        return false;
    }
    const ByteView covered = block.first(block.size() - size);
    const ByteView epilogue = block.last(size);
    if (type == EdcType::lrc) {
        return lrc(covered) == epilogue[0];
    }
    const std::uint16_t value = crc(covered);
    return epilogue[0] == (value >> 8) && epilogue[1] == (value & 0xFF);
}

}  // namespace tessera::t1
