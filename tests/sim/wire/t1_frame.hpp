// The reader side's own T=1 block code (ISO/IEC 7816-3:2006 11.3, 11.4.4), for the
// simulated card (card_t1) and the emulated reader (tests/emulator): written from the
// standard's tables and sharing no code with the driver's t1/ codec, so that a misreading
// on one side cannot be mirrored on the other. Tests check it against hand-computed
// vectors and against the driver's codec.
//
// A block is NAD PCB LEN | INF | EDC:
//   NAD  11.3.2.1: DAD b3..b1, SAD b7..b5; 'FF' is invalid.
//   PCB  11.3.2.2:  I-block  0 N(S) M 0 0 0 0 0     (b7 N(S), b6 more data)
//                   R-block  1 0 0 N(R) c c c c    (b5 N(R); b4..b1 0000 error free,
//                                                   0001 EDC or parity error, 0010 other)
//                   S-block  1 1 r t t t t t       (b6 response; b5..b1 0 RESYNCH, 1 IFS,
//                                                   2 ABORT, 3 WTX)
//   LEN  11.3.2.3: 0..254; 'FF' is reserved.
//   EDC  11.3.4 / 11.4.4 (TC of T=1 bit 1): LRC, one byte, the XOR of NAD to the last
//        INF byte; or CRC, two bytes: the polynomial x^16 + x^12 + x^5 + 1 (ISO/IEC 13239)
//        run over the bits least significant first from a register of 'FFFF', not
//        complemented, the register's high byte sent first (the convention deployed cards
//        and readers share; check value over "123456789": '6F91').
//
// Pure functions and plain values; no state, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"

namespace tessera::sim::wire {

inline constexpr std::size_t kPrologueSize = 3;   // NAD PCB LEN
inline constexpr std::size_t kMaxInfSize = 254;   // LEN 'FF' is reserved
inline constexpr std::uint8_t kDefaultIfs = 32;   // IFSC / IFSD before any S(IFS) (11.4.2)

/// The epilogue's kind (11.4.4).
enum class Edc : std::uint8_t { lrc, crc };

std::size_t edc_size(Edc edc) noexcept;
std::uint8_t lrc(ByteView bytes) noexcept;
std::uint16_t crc(ByteView bytes) noexcept;
/// The epilogue bytes for `prologue_and_inf`, in transmission order.
Bytes edc_bytes(ByteView prologue_and_inf, Edc edc);

enum class BlockKind : std::uint8_t { i, r, s };
/// R-block b4..b1.
enum class RCode : std::uint8_t { ok = 0x0, edc_error = 0x1, other_error = 0x2 };
/// S-block b5..b1.
enum class SKind : std::uint8_t { resynch = 0x0, ifs = 0x1, abort = 0x2, wtx = 0x3 };

/// One block. Only the fields of its kind are meaningful; the named constructors leave
/// the others at their defaults so that blocks compare by value.
struct Block {
    std::uint8_t nad = 0;
    BlockKind kind = BlockKind::i;
    std::uint8_t ns = 0;     // I-block N(S)
    bool more = false;       // I-block M
    std::uint8_t nr = 0;     // R-block N(R)
    RCode code = RCode::ok;  // R-block
    SKind s_kind = SKind::resynch;
    bool response = false;   // S-block
    Bytes inf;

    static Block i_block(std::uint8_t nad, std::uint8_t ns, bool more, ByteView inf);
    static Block r_block(std::uint8_t nad, std::uint8_t nr, RCode code);
    static Block s_block(std::uint8_t nad, SKind kind, bool response, ByteView inf = {});
    /// S(IFS) or S(WTX) with its one-byte value.
    static Block s_block(std::uint8_t nad, SKind kind, bool response, std::uint8_t value);

    /// The S-block's one INF byte (IFS or WTX multiplier); precondition: it has one.
    std::uint8_t s_value() const { return inf.at(0); }
    bool is_s(SKind which, bool is_response) const {
        return kind == BlockKind::s && s_kind == which && response == is_response;
    }

    bool operator==(const Block&) const = default;
};

/// The PCB of `block` (11.3.2.2).
std::uint8_t pcb_of(const Block& block) noexcept;
/// NAD PCB LEN INF EDC. Precondition: INF of at most 254 bytes.
Bytes write_block(const Block& block, Edc edc);

/// What reading a block found: the block, or why it is not one. A transmission error
/// (bad EDC) and an invalid block are told apart, as 11.6.3 answers them differently.
enum class ReadError {
    none,
    edc,      // the LRC / CRC does not match
    invalid,  // wrong length, reserved NAD / PCB / LEN, INF too long for the receiver,
              // an R-block with INF, an S-block INF of the wrong size or value
};
struct ReadBlock {
    std::optional<Block> block;
    ReadError error = ReadError::none;
};
/// Reads one complete block; `max_inf` is the receiver's information field size.
ReadBlock read_block(ByteView bytes, Edc edc, std::size_t max_inf = kMaxInfSize);

/// Character-level framing: the block's whole size from its prologue (3 + LEN + EDC);
/// nullopt with fewer than 3 bytes or a reserved NAD or LEN.
std::optional<std::size_t> block_size(ByteView prologue, Edc edc);

}  // namespace tessera::sim::wire
