#include "tests/sim/wire/t1_frame.hpp"

namespace tessera::sim::wire {
namespace {

// ISO 7816-3 11.3.2.2: the PCB's type bits and fields.
constexpr std::uint8_t kRBlockType = 0x80;  // b8 b7 = 1 0
constexpr std::uint8_t kSBlockType = 0xC0;  // b8 b7 = 1 1
constexpr std::uint8_t kINs = 0x40;         // I-block b7
constexpr std::uint8_t kIMore = 0x20;       // I-block b6
constexpr std::uint8_t kRNr = 0x10;         // R-block b5
constexpr std::uint8_t kSResponse = 0x20;   // S-block b6

// The x^16 + x^12 + x^5 + 1 generator with its bits in reverse order, for a register
// that takes each byte's least significant bit first.
constexpr std::uint16_t kReversedGenerator = 0x8408;

bool s_inf_valid(SKind kind, ByteView inf) {
    switch (kind) {
        case SKind::resynch:
        case SKind::abort:
            return inf.empty();
        case SKind::ifs:  // 11.4.2: IFS 1..254
            return inf.size() == 1 && inf[0] != 0x00 && inf[0] != 0xFF;
        case SKind::wtx:  // 11.4.3: the multiplier is not zero
            return inf.size() == 1 && inf[0] != 0x00;
    }
    return false;
}

}  // namespace

std::size_t edc_size(Edc edc) noexcept { return edc == Edc::crc ? 2 : 1; }

std::uint8_t lrc(ByteView bytes) noexcept {
    std::uint8_t value = 0;
    for (const std::uint8_t byte : bytes) {
        value ^= byte;
    }
    return value;
}

std::uint16_t crc(ByteView bytes) noexcept {
    std::uint16_t reg = 0xFFFF;
    for (const std::uint8_t byte : bytes) {
        reg ^= byte;
        for (int bit = 0; bit < 8; ++bit) {
            const bool carry = (reg & 0x0001) != 0;
            reg = static_cast<std::uint16_t>(reg >> 1);
            if (carry) {
                reg ^= kReversedGenerator;
            }
        }
    }
    return reg;
}

Bytes edc_bytes(ByteView prologue_and_inf, Edc edc) {
    if (edc == Edc::lrc) {
        return Bytes{lrc(prologue_and_inf)};
    }
    const std::uint16_t value = crc(prologue_and_inf);
    return Bytes{static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value & 0xFF)};
}

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
    const std::uint8_t inf[1] = {value};
    return s_block(nad, kind, response, ByteView(inf, 1));
}

// ISO 7816-3 11.3.2.2
std::uint8_t pcb_of(const Block& block) noexcept {
    switch (block.kind) {
        case BlockKind::i:
            return static_cast<std::uint8_t>((block.ns != 0 ? kINs : 0) | (block.more ? kIMore : 0));
        case BlockKind::r:
            return static_cast<std::uint8_t>(kRBlockType | (block.nr != 0 ? kRNr : 0) |
                                              static_cast<std::uint8_t>(block.code));
        case BlockKind::s:
            return static_cast<std::uint8_t>(kSBlockType | (block.response ? kSResponse : 0) |
                                              static_cast<std::uint8_t>(block.s_kind));
    }
    return 0;
}

// ISO 7816-3 11.3.1: prologue, information field, epilogue.
Bytes write_block(const Block& block, Edc edc) {
    Bytes out{block.nad, pcb_of(block), static_cast<std::uint8_t>(block.inf.size())};
    out.insert(out.end(), block.inf.begin(), block.inf.end());
    const Bytes epilogue = edc_bytes(out, edc);
    out.insert(out.end(), epilogue.begin(), epilogue.end());
    return out;
}

std::optional<std::size_t> block_size(ByteView prologue, Edc edc) {
    if (prologue.size() < kPrologueSize || prologue[0] == 0xFF || prologue[2] == 0xFF) {
        return std::nullopt;  // 11.3.2.1 NAD 'FF', 11.3.2.3 LEN 'FF'
    }
    return kPrologueSize + std::size_t{prologue[2]} + edc_size(edc);
}

ReadBlock read_block(ByteView bytes, Edc edc, std::size_t max_inf) {
    const ReadBlock invalid{std::nullopt, ReadError::invalid};
    const auto size = block_size(bytes, edc);
    if (!size || bytes.size() != *size) {
        return invalid;
    }
    const std::size_t body = bytes.size() - edc_size(edc);
    if (edc_bytes(bytes.first(body), edc) != Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(body), bytes.end())) {
        return {std::nullopt, ReadError::edc};
    }
    const std::uint8_t nad = bytes[0];
    const std::uint8_t pcb = bytes[1];
    const ByteView inf = bytes.subspan(kPrologueSize, bytes[2]);
    if ((pcb & 0x80) == 0) {  // I-block: b5..b1 are 0
        if ((pcb & 0x1F) != 0 || inf.size() > max_inf) {
            return invalid;
        }
        return {Block::i_block(nad, (pcb & kINs) != 0 ? 1 : 0, (pcb & kIMore) != 0, inf), ReadError::none};
    }
    if ((pcb & 0xC0) == kRBlockType) {  // R-block: b6 is 0, b4..b1 0 to 2, no INF
        const std::uint8_t code = pcb & 0x0F;
        if ((pcb & 0x20) != 0 || code > 0x02 || !inf.empty()) {
            return invalid;
        }
        return {Block::r_block(nad, (pcb & kRNr) != 0 ? 1 : 0, static_cast<RCode>(code)), ReadError::none};
    }
    const std::uint8_t kind = pcb & 0x1F;  // S-block
    if (kind > static_cast<std::uint8_t>(SKind::wtx) || !s_inf_valid(static_cast<SKind>(kind), inf)) {
        return invalid;
    }
    return {Block::s_block(nad, static_cast<SKind>(kind), (pcb & kSResponse) != 0, inf), ReadError::none};
}

}  // namespace tessera::sim::wire
