#include "tests/emulator/model/pin_block.hpp"

#include <algorithm>

namespace tessera::emulator {
namespace {

constexpr std::size_t kApduDataOffset = 5;  // CLA INS P1 P2 Lc (ISO 7816-4 5.1)

// Writes the `width` low bits of `value` at bit `position` of `bytes`, most significant
// bit first.
void write_bits(Bytes& bytes, std::size_t position, std::size_t width, std::uint32_t value) {
    for (std::size_t i = 0; i < width; ++i) {
        const std::size_t bit = position + i;
        const auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
        if (((value >> (width - 1 - i)) & 1u) != 0) {
            bytes[bit / 8] = static_cast<std::uint8_t>(bytes[bit / 8] | mask);
        } else {
            bytes[bit / 8] = static_cast<std::uint8_t>(bytes[bit / 8] & ~mask);
        }
    }
}

}  // namespace

std::size_t PinBlockFormat::capacity_digits() const noexcept {
    const std::size_t frame = block_bits() > pin_bit_offset() ? block_bits() - pin_bit_offset() : 0;
    std::size_t digits = frame / digit_bits();
    if (length_size_bits > 0 && length_size_bits < 16) {
        digits = std::min<std::size_t>(digits, (std::size_t{1} << length_size_bits) - 1);
    }
    return digits;
}

// CCID 6.1.11.7: bmFormatString, bmPINBlockString, bmPINLengthFormat.
std::optional<PinBlockFormat> decode_pin_block_format(std::uint8_t bmFormatString,
                                                      std::uint8_t bmPINBlockString,
                                                      std::uint8_t bmPINLengthFormat,
                                                      PinFormatField& bad) {
    PinBlockFormat format;
    format.position_in_bytes = (bmFormatString & 0x80) != 0;
    format.pin_position = static_cast<std::uint8_t>((bmFormatString >> 3) & 0x0F);
    format.right_justified = (bmFormatString & 0x04) != 0;
    format.length_size_bits = static_cast<std::uint8_t>(bmPINBlockString >> 4);
    format.block_size = static_cast<std::uint8_t>(bmPINBlockString & 0x0F);
    format.length_position_in_bytes = (bmPINLengthFormat & 0x10) != 0;
    format.length_position = static_cast<std::uint8_t>(bmPINLengthFormat & 0x0F);

    const std::uint8_t coding = bmFormatString & 0x03;
    if (coding == 0x03) {
        bad = PinFormatField::format_string;
        return std::nullopt;
    }
    format.coding = static_cast<PinCoding>(coding);
    if ((bmPINLengthFormat & 0xE0) != 0) {
        bad = PinFormatField::length_format;
        return std::nullopt;
    }
    if (format.block_size == 0) {
        bad = PinFormatField::block_string;
        return std::nullopt;
    }
    if (format.pin_bit_offset() + format.digit_bits() > format.block_bits()) {
        bad = PinFormatField::format_string;
        return std::nullopt;
    }
    if (format.length_size_bits > 0 &&
        format.length_bit_offset() + format.length_size_bits > format.block_bits()) {
        bad = PinFormatField::length_format;
        return std::nullopt;
    }
    return format;
}

void write_pin_block(Bytes& apdu, std::size_t base, const PinBlockFormat& format, std::string_view pin) {
    const std::size_t block_start = (kApduDataOffset + base) * 8;
    const std::size_t digit_bits = format.digit_bits();
    const std::size_t frame_start =
        format.right_justified ? block_start + format.block_bits() - pin.size() * digit_bits
                               : block_start + format.pin_bit_offset();
    for (std::size_t i = 0; i < pin.size(); ++i) {
        const auto digit = static_cast<std::uint32_t>(pin[i] - '0');
        const std::uint32_t value = format.coding == PinCoding::ascii ? digit + '0' : digit;
        write_bits(apdu, frame_start + i * digit_bits, digit_bits, value);
    }
    if (format.length_size_bits > 0) {
        write_bits(apdu, block_start + format.length_bit_offset(), format.length_size_bits,
                   static_cast<std::uint32_t>(pin.size()));
    }
}

}  // namespace tessera::emulator
