// The PIN block a PIN pad writes into the command APDU, as the three format bytes of the
// PIN verification / modification data structures describe it (CCID 6.1.11.7, 6.1.11.8),
// and the formatting itself. Device side: the reader reads these bytes; the host's
// encoder is transport/ccid_command.hpp.
//
// Layout rules this model implements (positions count from the most significant bit of
// a byte, bit 0 being 0x80 of the first byte):
//   - The APDU template is CLA INS P1 P2 Lc data [Le] (ISO 7816-4 5.1, short Lc). The PIN
//     block is block_size bytes of the data field starting at `base`: data byte 0 for a
//     verification, bInsertionOffsetOld / bInsertionOffsetNew for a modification.
//   - bmFormatString bit 7: unit of the PIN position (0 bits, 1 bytes); bits 6-3: PIN
//     position in the block; bit 2: justification (0 left, 1 right); bits 1-0: digit coding
//     (00 binary: one byte per digit, value 0-9; 01 BCD: one half byte per digit; 10 ASCII:
//     '0'-'9'; 11 RFU).
//   - bmPINBlockString bits 7-4: size in bits of the PIN length field (0: no length
//     written); bits 3-0: PIN block size in bytes.
//   - bmPINLengthFormat bits 7-5 RFU; bit 4: unit of the length position (0 bits, 1 bytes);
//     bits 3-0: position of the length field in the block.
//   - The PIN frame runs from the PIN position to the end of the block. Left justified,
//     the first digit sits at the PIN position; right justified, the last digit ends at
//     the end of the block. Bits the digits do not cover keep the template's value: the
//     host puts the filler (FF, 00, '0' ...) in the template.
//   - The length field holds the number of digits, most significant bit first.
//   - Lc and the bytes outside the block are sent as the template has them.
//
// Pure functions; no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/bytes.hpp"

namespace tessera::emulator {

enum class PinCoding : std::uint8_t { binary = 0, bcd = 1, ascii = 2 };

struct PinBlockFormat {
    bool position_in_bytes = false;
    std::uint8_t pin_position = 0;
    bool right_justified = false;
    PinCoding coding = PinCoding::binary;
    std::uint8_t length_size_bits = 0;
    std::uint8_t block_size = 0;
    bool length_position_in_bytes = false;
    std::uint8_t length_position = 0;

    std::size_t block_bits() const noexcept { return std::size_t{block_size} * 8; }
    std::size_t pin_bit_offset() const noexcept {
        return position_in_bytes ? std::size_t{pin_position} * 8 : pin_position;
    }
    std::size_t length_bit_offset() const noexcept {
        return length_position_in_bytes ? std::size_t{length_position} * 8 : length_position;
    }
    std::size_t digit_bits() const noexcept { return coding == PinCoding::bcd ? 4 : 8; }
    /// Digits the block holds from the PIN position on, and that the length field can
    /// count.
    std::size_t capacity_digits() const noexcept;
};

/// The field of the structure a layout defect lies in.
enum class PinFormatField : std::uint8_t { format_string, block_string, length_format };

/// Decodes the three bytes. nullopt (with `bad` set) for an RFU coding (bmFormatString),
/// bmPINLengthFormat bits 7-5 set, a block size of 0 (bmPINBlockString; variable-length
/// PIN blocks are not modelled), a PIN position at or past the block end (bmFormatString),
/// a length field past the block end (bmPINLengthFormat).
std::optional<PinBlockFormat> decode_pin_block_format(std::uint8_t bmFormatString,
                                                      std::uint8_t bmPINBlockString,
                                                      std::uint8_t bmPINLengthFormat,
                                                      PinFormatField& bad);

/// Writes `pin` (digits '0'..'9', at most format.capacity_digits()) into the block that
/// starts at data byte `base` of `apdu` (offset 5 + base). Precondition: the block lies
/// inside the APDU.
void write_pin_block(Bytes& apdu, std::size_t base, const PinBlockFormat& format, std::string_view pin);

}  // namespace tessera::emulator
