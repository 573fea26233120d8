// T=1 block codec (ISO/IEC 7816-3:2006 11.3): NAD PCB LEN | INF | EDC.
//
// Encoding builds the wire bytes of an I-, R- or S-block. Parsing validates every field
// of a block received from the card, which is untrusted input: exact length against LEN,
// reserved values, EDC, PCB coding, INF size against the receiver's information field
// size, and the INF rules of R- and S-blocks. Each defect has its own BlockError, and
// only BlockError::edc_mismatch is a transmission error; the others make the block
// "invalid" in the sense of 11.6.3.
//
// Pure functions over byte spans; no state, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "t1/edc.hpp"
#include "t1/error.hpp"

namespace tessera::t1 {

inline constexpr std::size_t kPrologueSize = 3;  // NAD PCB LEN
inline constexpr std::size_t kMaxInfSize = 254;  // LEN 'FF' is reserved (11.3.2.3)
/// NAD + PCB + LEN + 254 INF + 2 CRC = 259: the largest T=1 block.
inline constexpr std::size_t kMaxBlockSize = kPrologueSize + kMaxInfSize + 2;
/// Information field size before any S(IFS) exchange or ATR TA: 32 (11.4.2).
inline constexpr std::uint8_t kDefaultIfs = 32;

enum class BlockKind : std::uint8_t { i, r, s };

/// R-block PCB bits 4..1 (11.3.2.2).
enum class RCode : std::uint8_t { ok = 0x0, edc_error = 0x1, other_error = 0x2 };

/// S-block PCB bits 5..1 (11.3.2.2).
enum class SKind : std::uint8_t { resynch = 0x0, ifs = 0x1, abort = 0x2, wtx = 0x3 };

/// One decoded block. Only the fields of its kind are meaningful; the named
/// constructors leave the others at their defaults so blocks compare equal by value.
struct Block {
    std::uint8_t nad = 0;
    BlockKind kind = BlockKind::i;
    std::uint8_t ns = 0;      // I-block N(S), 0 or 1
    bool more = false;        // I-block M-bit (chaining, 11.6.2.3)
    std::uint8_t nr = 0;      // R-block N(R), 0 or 1
    RCode code = RCode::ok;   // R-block error indication
    SKind s_kind = SKind::resynch;
    bool response = false;    // S-block: response (true) or request (false)
    Bytes inf;

    static Block i_block(std::uint8_t nad, std::uint8_t ns, bool more, ByteView inf);
    static Block r_block(std::uint8_t nad, std::uint8_t nr, RCode code);
    static Block s_block(std::uint8_t nad, SKind kind, bool response, ByteView inf = {});
    /// S(IFS ...) or S(WTX ...) with their one-byte parameter.
    static Block s_block(std::uint8_t nad, SKind kind, bool response, std::uint8_t value);

    /// The S-block parameter (IFS or WTX multiplier); precondition: one INF byte.
    std::uint8_t s_value() const { return inf.at(0); }
    bool is_s(SKind which, bool is_response) const {
        return kind == BlockKind::s && s_kind == which && response == is_response;
    }

    bool operator==(const Block&) const = default;
};

/// The PCB byte of `block` (11.3.2.2).
std::uint8_t encode_pcb(const Block& block) noexcept;

/// Wire bytes: NAD PCB LEN INF EDC. Precondition: block.inf.size() <= kMaxInfSize and
/// N(S) / N(R) in 0..1 (blocks built with the named constructors satisfy both).
Bytes encode_block(const Block& block, EdcType edc);

/// Decodes and validates one complete block. `max_inf_size` is the receiver's
/// information field size (IFSD for blocks from the card); I-blocks with a longer INF
/// are rejected.
Result<Block> parse_block(ByteView bytes, EdcType edc, std::size_t max_inf_size = kMaxInfSize);

/// Character-level framing: the total size of the block whose first three bytes are
/// `prologue` (3 + LEN + EDC size). Errors: too_short (fewer than 3 bytes),
/// nad_reserved, len_reserved.
Result<std::size_t> block_length(ByteView prologue, EdcType edc);

/// Human-readable form for logs and traces: "I(0,M) 32 bytes", "R(1) EDC error",
/// "S(IFS request FE)".
std::string describe_block(const Block& block);

}  // namespace tessera::t1
