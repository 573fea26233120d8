#include "t1/block.hpp"

#include <cassert>
#include <cstdio>

namespace tessera::t1 {

namespace {

// PCB codings, ISO 7816-3 11.3.2.2.
constexpr std::uint8_t kPcbTypeMask = 0xC0;
constexpr std::uint8_t kPcbRBlock = 0x80;
constexpr std::uint8_t kPcbSBlock = 0xC0;
constexpr std::uint8_t kPcbIBlockNs = 0x40;       // I-block b7: N(S)
constexpr std::uint8_t kPcbIBlockMore = 0x20;     // I-block b6: M-bit
constexpr std::uint8_t kPcbIBlockReserved = 0x1F;  // I-block b5..b1: RFU, zero
constexpr std::uint8_t kPcbRBlockReserved = 0x20;  // R-block b6: zero
constexpr std::uint8_t kPcbRBlockNr = 0x10;       // R-block b5: N(R)
constexpr std::uint8_t kPcbRBlockCode = 0x0F;     // R-block b4..b1: error indication
constexpr std::uint8_t kPcbSBlockResponse = 0x20;  // S-block b6
constexpr std::uint8_t kPcbSBlockKind = 0x1F;     // S-block b5..b1

constexpr std::uint8_t kNadReserved = 0xFF;  // 11.3.2.1: reserved for PPSS
constexpr std::uint8_t kLenReserved = 0xFF;  // 11.3.2.3

bool valid_ifs(std::uint8_t value) { return value >= 1 && value <= kMaxInfSize; }

// S-block INF rules, ISO 7816-3 11.3.2.2: IFS and WTX carry one byte, RESYNCH and
// ABORT none.
std::error_code check_s_block_inf(SKind kind, ByteView inf) {
    const bool has_parameter = kind == SKind::ifs || kind == SKind::wtx;
    if (inf.size() != (has_parameter ? 1u : 0u)) {
        return BlockError::s_block_inf_size;
    }
    if (kind == SKind::ifs && !valid_ifs(inf[0])) {
        return BlockError::s_block_value;
    }
    if (kind == SKind::wtx && inf[0] == 0) {
        return BlockError::s_block_value;
    }
    return {};
}

const char* s_kind_name(SKind kind) {
    switch (kind) {
        case SKind::resynch:
            return "RESYNCH";
        case SKind::ifs:
            return "IFS";
        case SKind::abort:
            return "ABORT";
        case SKind::wtx:
            return "WTX";
    }
    return "?";
}

}  // namespace

Block Block::i_block(std::uint8_t nad, std::uint8_t ns, bool more, ByteView inf) {
    Block block;
    block.nad = nad;
    block.kind = BlockKind::i;
    block.ns = static_cast<std::uint8_t>(ns & 1);
    block.more = more;
    block.inf.assign(inf.begin(), inf.end());
    return block;
}

Block Block::r_block(std::uint8_t nad, std::uint8_t nr, RCode code) {
    Block block;
    block.nad = nad;
    block.kind = BlockKind::r;
    block.nr = static_cast<std::uint8_t>(nr & 1);
    block.code = code;
    return block;
}

Block Block::s_block(std::uint8_t nad, SKind kind, bool response, ByteView inf) {
    Block block;
    block.nad = nad;
    block.kind = BlockKind::s;
    block.s_kind = kind;
    block.response = response;
    block.inf.assign(inf.begin(), inf.end());
    return block;
}

Block Block::s_block(std::uint8_t nad, SKind kind, bool response, std::uint8_t value) {
    const std::uint8_t inf[] = {value};
    return s_block(nad, kind, response, inf);
}

std::uint8_t encode_pcb(const Block& block) noexcept {
    switch (block.kind) {
        case BlockKind::i:
            return static_cast<std::uint8_t>((block.ns & 1 ? kPcbIBlockNs : 0) |
                                             (block.more ? kPcbIBlockMore : 0));
        case BlockKind::r:
            return static_cast<std::uint8_t>(kPcbRBlock | (block.nr & 1 ? kPcbRBlockNr : 0) |
                                             static_cast<std::uint8_t>(block.code));
        case BlockKind::s:
            return static_cast<std::uint8_t>(kPcbSBlock |
                                             (block.response ? kPcbSBlockResponse : 0) |
                                             static_cast<std::uint8_t>(block.s_kind));
    }
    return 0;
}

Bytes encode_block(const Block& block, EdcType edc) {
    assert(block.inf.size() <= kMaxInfSize);
    Bytes bytes;
    bytes.reserve(kPrologueSize + block.inf.size() + edc_size(edc));
    bytes.push_back(block.nad);                                     // ISO 7816-3 11.3.2.1
    bytes.push_back(encode_pcb(block));                             // ISO 7816-3 11.3.2.2
    bytes.push_back(static_cast<std::uint8_t>(block.inf.size()));  // ISO 7816-3 11.3.2.3
    bytes.insert(bytes.end(), block.inf.begin(), block.inf.end());  // ISO 7816-3 11.3.3
    const Bytes epilogue = compute_edc(bytes, edc);                 // ISO 7816-3 11.3.4
    bytes.insert(bytes.end(), epilogue.begin(), epilogue.end());
    return bytes;
}

Result<std::size_t> block_length(ByteView prologue, EdcType edc) {
    if (prologue.size() < kPrologueSize) {
        return BlockError::too_short;
    }
    if (prologue[0] == kNadReserved) {
        return BlockError::nad_reserved;
    }
    if (prologue[2] == kLenReserved) {
        return BlockError::len_reserved;
    }
    return kPrologueSize + prologue[2] + edc_size(edc);
}

Result<Block> parse_block(ByteView bytes, EdcType edc, std::size_t max_inf_size) {
    if (bytes.size() < kPrologueSize + edc_size(edc)) {
        return BlockError::too_short;
    }
    const auto expected = block_length(bytes, edc);
    if (!expected) {
        return expected.error();
    }
    if (bytes.size() != *expected) {
        return BlockError::length_mismatch;
    }
    if (!edc_matches(bytes, edc)) {
        return BlockError::edc_mismatch;
    }

    const std::uint8_t nad = bytes[0];
    const std::uint8_t pcb = bytes[1];
    const ByteView inf = bytes.subspan(kPrologueSize, bytes[2]);

    if ((pcb & 0x80) == 0) {  // I-block, ISO 7816-3 11.3.2.2
        if ((pcb & kPcbIBlockReserved) != 0) {
            return BlockError::pcb_reserved;
        }
        if (inf.size() > max_inf_size) {
            return BlockError::inf_too_long;
        }
        return Block::i_block(nad, (pcb & kPcbIBlockNs) ? 1 : 0, (pcb & kPcbIBlockMore) != 0,
                              inf);
    }
    if ((pcb & kPcbTypeMask) == kPcbRBlock) {  // R-block
        const std::uint8_t code = pcb & kPcbRBlockCode;
        if ((pcb & kPcbRBlockReserved) != 0 || code > static_cast<std::uint8_t>(RCode::other_error)) {
            return BlockError::pcb_reserved;
        }
        if (!inf.empty()) {
            return BlockError::r_block_with_inf;
        }
        return Block::r_block(nad, (pcb & kPcbRBlockNr) ? 1 : 0, static_cast<RCode>(code));
    }
    const std::uint8_t kind = pcb & kPcbSBlockKind;  // S-block
    if (kind > static_cast<std::uint8_t>(SKind::wtx)) {
        return BlockError::pcb_reserved;
    }
    if (const auto error = check_s_block_inf(static_cast<SKind>(kind), inf)) {
        return error;
    }
    return Block::s_block(nad, static_cast<SKind>(kind), (pcb & kPcbSBlockResponse) != 0, inf);
}

std::string describe_block(const Block& block) {
    char text[64];
    switch (block.kind) {
        case BlockKind::i:
            std::snprintf(text, sizeof text, "I(%u%s) %zu bytes", block.ns, block.more ? ",M" : "",
                          block.inf.size());
            break;
        case BlockKind::r:
            std::snprintf(text, sizeof text, "R(%u)%s", block.nr,
                          block.code == RCode::ok          ? ""
                          : block.code == RCode::edc_error ? " EDC error"
                                                           : " other error");
            break;
        case BlockKind::s:
            if (block.inf.size() == 1) {
                std::snprintf(text, sizeof text, "S(%s %s %02X)", s_kind_name(block.s_kind),
                              block.response ? "response" : "request", block.inf[0]);
            } else {
                std::snprintf(text, sizeof text, "S(%s %s)", s_kind_name(block.s_kind),
                              block.response ? "response" : "request");
            }
            break;
    }
    return text;
}

}  // namespace tessera::t1
