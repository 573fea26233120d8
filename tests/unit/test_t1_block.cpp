// T=1 block codec and EDC (ISO/IEC 7816-3:2006 11.3): byte vectors, every parse error,
// character-level framing.
#include <doctest/doctest.h>

#include <ostream>
#include <string_view>

#include "base/bytes.hpp"
#include "t1/block.hpp"
#include "t1/edc.hpp"
#include "tests/support/hex.hpp"

using namespace tessera;
using namespace tessera::t1;

namespace {

using tessera::test::hex;

std::error_code parse_error(std::string_view text, EdcType edc = EdcType::lrc,
                            std::size_t max_inf = kMaxInfSize) {
    return parse_block(hex(text), edc, max_inf).error();
}

}  // namespace

TEST_CASE("LRC is the XOR of prologue and INF") {
    CHECK(lrc(hex("00C101FE")) == 0x3E);
    CHECK(lrc(hex("")) == 0x00);
    CHECK(lrc(hex("FF FF")) == 0x00);
    CHECK(compute_edc(hex("00C101FE"), EdcType::lrc) == hex("3E"));
}

TEST_CASE("CRC: x^16+x^12+x^5+1, reflected, initial FFFF, no complement, high byte first") {
    const std::string_view digits = "123456789";
    const Bytes check(digits.begin(), digits.end());
    CHECK(crc(check) == 0x6F91);
    CHECK(crc(hex("")) == 0xFFFF);
    CHECK(crc(hex("00C101FE")) == 0x544E);
    CHECK(compute_edc(hex("00C101FE"), EdcType::crc) == hex("544E"));
    CHECK(edc_matches(hex("00C101FE544E"), EdcType::crc));
    CHECK_FALSE(edc_matches(hex("00C101FE4E54"), EdcType::crc));  // byte order matters
    CHECK_FALSE(edc_matches(hex("4E"), EdcType::crc));
}

TEST_CASE("encoding: PCB codings of 11.3.2.2 with LRC") {
    const Bytes inf = hex("0102");
    CHECK(encode_block(Block::i_block(0x00, 0, false, inf), EdcType::lrc) == hex("0000020102 01"));
    CHECK(encode_block(Block::i_block(0x00, 1, true, inf), EdcType::lrc) == hex("0060020102 61"));
    CHECK(encode_block(Block::i_block(0x00, 0, true, inf), EdcType::lrc) == hex("0020020102 21"));
    CHECK(encode_block(Block::r_block(0x00, 0, RCode::ok), EdcType::lrc) == hex("008000 80"));
    CHECK(encode_block(Block::r_block(0x00, 1, RCode::edc_error), EdcType::lrc) ==
          hex("009100 91"));
    CHECK(encode_block(Block::r_block(0x00, 0, RCode::other_error), EdcType::lrc) ==
          hex("008200 82"));
    CHECK(encode_block(Block::s_block(0x00, SKind::resynch, false), EdcType::lrc) ==
          hex("00C000 C0"));
    CHECK(encode_block(Block::s_block(0x00, SKind::resynch, true), EdcType::lrc) ==
          hex("00E000 E0"));
    CHECK(encode_block(Block::s_block(0x00, SKind::ifs, false, 0xFE), EdcType::lrc) ==
          hex("00C101FE 3E"));
    CHECK(encode_block(Block::s_block(0x00, SKind::ifs, true, 0xFE), EdcType::lrc) ==
          hex("00E101FE 1E"));
    CHECK(encode_block(Block::s_block(0x00, SKind::abort, false), EdcType::lrc) ==
          hex("00C200 C2"));
    CHECK(encode_block(Block::s_block(0x00, SKind::wtx, true, 0x05), EdcType::lrc) ==
          hex("00E30105 E7"));
    CHECK(encode_block(Block::i_block(0x21, 0, false, {}), EdcType::lrc) == hex("210000 21"));
}

TEST_CASE("encoding with CRC appends two bytes, high byte first") {
    CHECK(encode_block(Block::s_block(0x00, SKind::ifs, false, 0xFE), EdcType::crc) ==
          hex("00C101FE 544E"));
}

TEST_CASE("the largest block: 254 INF bytes, 259 bytes with CRC, 258 with LRC") {
    Bytes inf(kMaxInfSize);
    for (std::size_t i = 0; i < inf.size(); ++i) {
        inf[i] = static_cast<std::uint8_t>(i * 7);
    }
    const Block block = Block::i_block(0, 1, true, inf);
    const Bytes with_crc = encode_block(block, EdcType::crc);
    CHECK(with_crc.size() == 259);
    CHECK(kMaxBlockSize == 259);
    CHECK(with_crc[2] == 0xFE);
    CHECK(encode_block(block, EdcType::lrc).size() == 258);
    const auto parsed = parse_block(with_crc, EdcType::crc);
    REQUIRE(parsed);
    CHECK(*parsed == block);
}

TEST_CASE("round trips of every block kind, both EDCs") {
    const Bytes inf = hex("00A4040007A0000005275445");
    const Block blocks[] = {
        Block::i_block(0x00, 0, false, inf),
        Block::i_block(0x12, 1, true, inf),
        Block::i_block(0x00, 1, false, {}),
        Block::r_block(0x00, 0, RCode::ok),
        Block::r_block(0x21, 1, RCode::edc_error),
        Block::r_block(0x00, 1, RCode::other_error),
        Block::s_block(0x00, SKind::resynch, false),
        Block::s_block(0x00, SKind::resynch, true),
        Block::s_block(0x00, SKind::ifs, false, 0x01),
        Block::s_block(0x00, SKind::ifs, true, 0xFE),
        Block::s_block(0x00, SKind::abort, false),
        Block::s_block(0x00, SKind::abort, true),
        Block::s_block(0x00, SKind::wtx, false, 0xFF),
        Block::s_block(0x00, SKind::wtx, true, 0x01),
    };
    for (const EdcType edc : {EdcType::lrc, EdcType::crc}) {
        for (const Block& block : blocks) {
            CAPTURE(describe_block(block));
            const auto parsed = parse_block(encode_block(block, edc), edc);
            REQUIRE(parsed);
            CHECK(*parsed == block);
        }
    }
}

TEST_CASE("parse errors are distinct") {
    CHECK(parse_error("0000") == BlockError::too_short);
    CHECK(parse_error("000000 00", EdcType::crc) == BlockError::too_short);
    CHECK(parse_error("00000201 03") == BlockError::length_mismatch);   // INF missing a byte
    CHECK(parse_error("000001AA AB 00") == BlockError::length_mismatch);  // one byte too many
    CHECK(parse_error("0000FF 00") == BlockError::len_reserved);
    CHECK(parse_error("FF0000 FF") == BlockError::nad_reserved);
    CHECK(parse_error("000000 01") == BlockError::edc_mismatch);
    CHECK(parse_error("00C101FE 4E54", EdcType::crc) == BlockError::edc_mismatch);
    CHECK(parse_error("000100 01") == BlockError::pcb_reserved);  // I-block b1 set
    CHECK(parse_error("001000 10") == BlockError::pcb_reserved);  // I-block b5 set
    CHECK(parse_error("00A000 A0") == BlockError::pcb_reserved);  // R-block b6 set
    CHECK(parse_error("008300 83") == BlockError::pcb_reserved);  // R-block code 3
    CHECK(parse_error("008F00 8F") == BlockError::pcb_reserved);
    CHECK(parse_error("00C400 C4") == BlockError::pcb_reserved);  // S-block VPP error (gone)
    CHECK(parse_error("00DF00 DF") == BlockError::pcb_reserved);
    CHECK(parse_error("00800100 81") == BlockError::r_block_with_inf);
    CHECK(parse_error("00C100 C1") == BlockError::s_block_inf_size);     // IFS without INF
    CHECK(parse_error("00C30200 01 C0") == BlockError::s_block_inf_size);  // WTX with two
    CHECK(parse_error("00C00100 C1") == BlockError::s_block_inf_size);   // RESYNCH with INF
    CHECK(parse_error("00E20100 E3") == BlockError::s_block_inf_size);   // ABORT with INF
    CHECK(parse_error("00C10100 C0") == BlockError::s_block_value);      // IFS 00
    CHECK(parse_error("00C101FF 3F") == BlockError::s_block_value);      // IFS FF
    CHECK(parse_error("00C30100 C2") == BlockError::s_block_value);      // WTX 00
}

TEST_CASE("I-block INF is limited by the receiver's information field size") {
    const Bytes inf(33, 0x5A);
    const Bytes bytes = encode_block(Block::i_block(0, 0, false, inf), EdcType::lrc);
    CHECK(parse_block(bytes, EdcType::lrc, 32).error() == BlockError::inf_too_long);
    CHECK(parse_block(bytes, EdcType::lrc, 33));
    // S-block INF is not an information field: IFS FE passes with IFSD 32.
    CHECK(parse_block(hex("00E101FE 1E"), EdcType::lrc, 32));
}

TEST_CASE("the EDC is checked before the PCB: a damaged PCB is a transmission error") {
    Bytes bytes = encode_block(Block::r_block(0, 0, RCode::ok), EdcType::lrc);
    bytes[1] = 0x83;  // reserved coding, but the LRC no longer matches
    CHECK(parse_block(bytes, EdcType::lrc).error() == BlockError::edc_mismatch);
}

TEST_CASE("NAD bits 8 and 4 are carried, not judged") {
    const auto parsed = parse_block(hex("880000 88"), EdcType::lrc);
    REQUIRE(parsed);
    CHECK(parsed->nad == 0x88);
}

TEST_CASE("block_length frames a block from its prologue") {
    CHECK(*block_length(hex("000005"), EdcType::lrc) == 9);
    CHECK(*block_length(hex("000005"), EdcType::crc) == 10);
    CHECK(*block_length(hex("0000FE"), EdcType::crc) == 259);
    CHECK(*block_length(hex("00000000"), EdcType::lrc) == 4);  // extra bytes ignored
    CHECK(block_length(hex("0000"), EdcType::lrc).error() == BlockError::too_short);
    CHECK(block_length(hex("FF0000"), EdcType::lrc).error() == BlockError::nad_reserved);
    CHECK(block_length(hex("0000FF"), EdcType::lrc).error() == BlockError::len_reserved);
}

TEST_CASE("describe_block names blocks for logs") {
    CHECK(describe_block(Block::i_block(0, 1, true, hex("0102"))) == "I(1,M) 2 bytes");
    CHECK(describe_block(Block::r_block(0, 0, RCode::edc_error)) == "R(0) EDC error");
    CHECK(describe_block(Block::r_block(0, 1, RCode::ok)) == "R(1)");
    CHECK(describe_block(Block::s_block(0, SKind::ifs, false, 0xFE)) == "S(IFS request FE)");
    CHECK(describe_block(Block::s_block(0, SKind::resynch, true)) == "S(RESYNCH response)");
}

TEST_CASE("error codes carry their category and message") {
    const std::error_code error = BlockError::edc_mismatch;
    CHECK(std::string(error.category().name()) == "t1 block");
    CHECK(error.message() == "EDC mismatch");
}
