// The reader side's T=1 block code (tests/sim/wire/t1_frame) against blocks written out
// by hand from ISO/IEC 7816-3 11.3 and check values of the CRC, then against the
// driver's independent codec (t1/block): both must agree on every block.
#include <doctest/doctest.h>

#include <string_view>
#include <vector>

#include "tests/support/hex.hpp"
#include "t1/block.hpp"
#include "t1/edc.hpp"
#include "tests/sim/wire/t1_frame.hpp"

namespace tessera::sim::wire {
namespace {

using test::hex;

Bytes ascii(std::string_view text) { return Bytes(text.begin(), text.end()); }

t1::EdcType driver_edc(Edc edc) { return edc == Edc::crc ? t1::EdcType::crc : t1::EdcType::lrc; }

}  // namespace

TEST_CASE("ISO 7816-3 11.3.4: LRC is the XOR of prologue and INF") {
    CHECK(lrc(hex("00 C1 01 FE")) == 0x3E);
    CHECK(lrc(hex("00 00 02 01 02")) == 0x01);
    CHECK(lrc({}) == 0x00);
    CHECK(edc_bytes(hex("00 C1 01 FE"), Edc::lrc) == hex("3E"));
}

TEST_CASE("ISO 7816-3 11.4.4: CRC x^16+x^12+x^5+1, register FFFF, LSB first, high byte sent first") {
    CHECK(crc(ascii("123456789")) == 0x6F91);  // the check value of these parameters
    CHECK(crc({}) == 0xFFFF);
    CHECK(crc(hex("00 C1 01 FE")) == 0x544E);
    CHECK(edc_bytes(hex("00 C1 01 FE"), Edc::crc) == hex("54 4E"));
    CHECK(edc_bytes(hex("00 00 02 01 02"), Edc::crc) == hex("BF FA"));
}

TEST_CASE("ISO 7816-3 11.3.2.2: PCB of every block type") {
    CHECK(pcb_of(Block::i_block(0, 0, false, {})) == 0x00);
    CHECK(pcb_of(Block::i_block(0, 1, false, {})) == 0x40);
    CHECK(pcb_of(Block::i_block(0, 0, true, {})) == 0x20);
    CHECK(pcb_of(Block::i_block(0, 1, true, {})) == 0x60);
    CHECK(pcb_of(Block::r_block(0, 0, RCode::ok)) == 0x80);
    CHECK(pcb_of(Block::r_block(0, 1, RCode::ok)) == 0x90);
    CHECK(pcb_of(Block::r_block(0, 0, RCode::edc_error)) == 0x81);
    CHECK(pcb_of(Block::r_block(0, 1, RCode::other_error)) == 0x92);
    CHECK(pcb_of(Block::s_block(0, SKind::resynch, false)) == 0xC0);
    CHECK(pcb_of(Block::s_block(0, SKind::resynch, true)) == 0xE0);
    CHECK(pcb_of(Block::s_block(0, SKind::ifs, false, 0x20)) == 0xC1);
    CHECK(pcb_of(Block::s_block(0, SKind::ifs, true, 0x20)) == 0xE1);
    CHECK(pcb_of(Block::s_block(0, SKind::abort, false)) == 0xC2);
    CHECK(pcb_of(Block::s_block(0, SKind::abort, true)) == 0xE2);
    CHECK(pcb_of(Block::s_block(0, SKind::wtx, false, 0x02)) == 0xC3);
    CHECK(pcb_of(Block::s_block(0, SKind::wtx, true, 0x02)) == 0xE3);
}

TEST_CASE("ISO 7816-3 11.3.1: whole blocks, NAD PCB LEN INF EDC") {
    CHECK(write_block(Block::i_block(0, 0, false, hex("01 02")), Edc::lrc) == hex("00 00 02 01 02 01"));
    CHECK(write_block(Block::i_block(0, 0, false, hex("01 02")), Edc::crc) == hex("00 00 02 01 02 BF FA"));
    CHECK(write_block(Block::s_block(0, SKind::ifs, false, 0xFE), Edc::lrc) == hex("00 C1 01 FE 3E"));
    CHECK(write_block(Block::s_block(0, SKind::ifs, false, 0xFE), Edc::crc) == hex("00 C1 01 FE 54 4E"));
    CHECK(write_block(Block::r_block(0x21, 1, RCode::ok), Edc::lrc) == hex("21 90 00 B1"));
}

TEST_CASE("reading blocks: EDC errors and invalid blocks are told apart") {
    const auto good = read_block(hex("00 C1 01 FE 3E"), Edc::lrc);
    REQUIRE(good.block);
    CHECK(*good.block == Block::s_block(0, SKind::ifs, false, 0xFE));
    CHECK(read_block(hex("00 C1 01 FE 3F"), Edc::lrc).error == ReadError::edc);
    CHECK(read_block(hex("00 C1 01 FE 4E 54"), Edc::crc).error == ReadError::edc);  // byte order
    CHECK(read_block(hex("00 00 FF"), Edc::lrc).error == ReadError::invalid);       // LEN 'FF'
    CHECK(read_block(hex("FF 00 00 FF"), Edc::lrc).error == ReadError::invalid);    // NAD 'FF'
    CHECK(read_block(hex("00 00 01 01"), Edc::lrc).error == ReadError::invalid);    // too short
    CHECK(read_block(hex("00 01 00 01"), Edc::lrc).error == ReadError::invalid);    // I b1 set
    CHECK(read_block(hex("00 83 00 83"), Edc::lrc).error == ReadError::invalid);    // R code 3
    CHECK(read_block(hex("00 80 01 00 81"), Edc::lrc).error == ReadError::invalid); // R with INF
    CHECK(read_block(hex("00 C1 01 00 C0"), Edc::lrc).error == ReadError::invalid); // IFS 0
    CHECK(read_block(hex("00 C3 00 C3"), Edc::lrc).error == ReadError::invalid);    // WTX no INF
    CHECK(read_block(hex("00 C4 00 C4"), Edc::lrc).error == ReadError::invalid);    // S type 4
    const Bytes long_i = write_block(Block::i_block(0, 0, false, Bytes(33, 0x55)), Edc::lrc);
    CHECK(read_block(long_i, Edc::lrc, 32).error == ReadError::invalid);
    CHECK(read_block(long_i, Edc::lrc, 33).block.has_value());
    CHECK(block_size(hex("00 00 05"), Edc::lrc) == 9u);
    CHECK(block_size(hex("00 00 05"), Edc::crc) == 10u);
    CHECK_FALSE(block_size(hex("00 00"), Edc::lrc));
    CHECK_FALSE(block_size(hex("00 00 FF"), Edc::lrc));
}

TEST_CASE("cross-check: blocks and EDCs agree with the driver's T=1 codec") {
    std::vector<Block> blocks;
    for (const std::uint8_t nad : {0x00, 0x12, 0x21}) {
        blocks.push_back(Block::i_block(nad, 0, false, {}));
        blocks.push_back(Block::i_block(nad, 1, true, Bytes(254, 0xA5)));
        blocks.push_back(Block::i_block(nad, 0, true, hex("00 A4 04 00 02 3F 00")));
        for (const auto code : {RCode::ok, RCode::edc_error, RCode::other_error}) {
            blocks.push_back(Block::r_block(nad, 0, code));
            blocks.push_back(Block::r_block(nad, 1, code));
        }
        for (const bool response : {false, true}) {
            blocks.push_back(Block::s_block(nad, SKind::resynch, response));
            blocks.push_back(Block::s_block(nad, SKind::abort, response));
            blocks.push_back(Block::s_block(nad, SKind::ifs, response, 0xFE));
            blocks.push_back(Block::s_block(nad, SKind::wtx, response, 0x03));
        }
    }
    for (const Edc edc : {Edc::lrc, Edc::crc}) {
        for (const Block& block : blocks) {
            const Bytes ours = write_block(block, edc);
            CAPTURE(to_hex(ours, true));
            const auto parsed = t1::parse_block(ours, driver_edc(edc));
            REQUIRE(parsed);
            CHECK(t1::encode_block(*parsed, driver_edc(edc)) == ours);
            CHECK(pcb_of(block) == t1::encode_pcb(*parsed));
            const auto back = read_block(ours, edc);
            REQUIRE(back.block);
            CHECK(*back.block == block);
        }
    }
    Bytes data;
    for (std::size_t n = 0; n < 300; ++n) {
        CHECK(crc(data) == t1::crc(data));
        CHECK(lrc(data) == t1::lrc(data));
        data.push_back(static_cast<std::uint8_t>(n * 37 + 11));
    }
}

TEST_CASE("cross-check: the driver and the card judge every PCB alike") {
    for (const Edc edc : {Edc::lrc, Edc::crc}) {
        for (unsigned pcb = 0; pcb < 256; ++pcb) {
            for (const Bytes& inf : {Bytes{}, Bytes{0x20}, Bytes{0x00}, Bytes{0x01, 0x02}}) {
                Bytes bytes{0x00, static_cast<std::uint8_t>(pcb), static_cast<std::uint8_t>(inf.size())};
                bytes.insert(bytes.end(), inf.begin(), inf.end());
                const Bytes epilogue = edc_bytes(bytes, edc);
                bytes.insert(bytes.end(), epilogue.begin(), epilogue.end());
                CAPTURE(to_hex(bytes, true));
                const bool ours = read_block(bytes, edc).block.has_value();
                const bool theirs = t1::parse_block(bytes, driver_edc(edc)).has_value();
                CHECK(ours == theirs);
            }
        }
    }
}

}  // namespace tessera::sim::wire
