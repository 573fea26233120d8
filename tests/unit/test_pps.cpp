// ISO/IEC 7816-3:2006 section 9: PPS request encoding, response judgement (every
// PpsError), partial acceptance, the length of a PPS from its prefix, and the card-side
// parser. Every PCK below is worked out by hand in the comment beside it.
#include <doctest/doctest.h>

#include <cstdint>
#include <ostream>
#include <string_view>

#include "base/bytes.hpp"
#include "iso7816/pps.hpp"
#include "tests/support/hex.hpp"

using namespace tessera;
using namespace tessera::iso7816;

namespace {

using tessera::test::hex;

Bytes built(const PpsRequest& request) {
    auto bytes = build_pps_request(request);
    REQUIRE(bytes.has_value());
    return *bytes;
}

PpsRequest request_of(std::uint8_t protocol, std::optional<std::uint8_t> pps1,
                      std::optional<std::uint8_t> pps2 = std::nullopt,
                      std::optional<std::uint8_t> pps3 = std::nullopt) {
    PpsRequest request;
    request.protocol = protocol;
    if (pps1) {
        request.pps1 = FiDi::from_byte(*pps1);
    }
    request.pps2 = pps2;
    request.pps3 = pps3;
    return request;
}

std::error_code failure(const PpsRequest& request, std::string_view response) {
    const auto outcome = validate_pps_response(request, hex(response));
    REQUIRE_FALSE(outcome.has_value());
    return outcome.error();
}

}  // namespace

TEST_CASE("9.2 request: PPSS FF, PPS0 announces PPS1/PPS2/PPS3, PCK makes the XOR 00") {
    // FF ^ 00 = FF
    CHECK(built(request_of(0, std::nullopt)) == hex("FF 00 FF"));
    // FF ^ 01 = FE
    CHECK(built(request_of(1, std::nullopt)) == hex("FF 01 FE"));
    // FF ^ 10 = EF, EF ^ 96 = 79
    CHECK(built(request_of(0, 0x96)) == hex("FF 10 96 79"));
    // FF ^ 11 = EE, EE ^ 96 = 78
    CHECK(built(request_of(1, 0x96)) == hex("FF 11 96 78"));
    // EE ^ 18 = F6
    CHECK(built(request_of(1, 0x18)) == hex("FF 11 18 F6"));
    // FF ^ 31 = CE, CE ^ 13 = DD, DD ^ 00 = DD
    CHECK(built(request_of(1, 0x13, 0x00)) == hex("FF 31 13 00 DD"));
    // FF ^ 21 = DE, DE ^ 02 = DC: PPS2 alone
    CHECK(built(request_of(1, std::nullopt, 0x02)) == hex("FF 21 02 DC"));
    // FF ^ 70 = 8F, 8F ^ 11 = 9E, 9E ^ 02 = 9C, 9C ^ 00 = 9C
    CHECK(built(request_of(0, 0x11, 0x02, 0x00)) == hex("FF 70 11 02 00 9C"));
    // FF ^ 0E = F1: T=14 is the last selectable protocol
    CHECK(built(request_of(14, std::nullopt)) == hex("FF 0E F1"));
}

TEST_CASE("9.2 request: T=15 and above, reserved FI and reserved DI are refused") {
    CHECK(build_pps_request(request_of(15, std::nullopt)).error() == PpsError::invalid_protocol);
    CHECK(build_pps_request(request_of(0xFF, 0x11)).error() == PpsError::invalid_protocol);
    for (const std::uint8_t fi : {0x7, 0x8, 0xE, 0xF}) {
        INFO("FI = ", int(fi));
        CHECK(build_pps_request(request_of(1, static_cast<std::uint8_t>(fi << 4 | 1))).error() ==
              PpsError::reserved_fi);
    }
    for (const std::uint8_t di : {0x0, 0xA, 0xB, 0xC, 0xD, 0xE, 0xF}) {
        INFO("DI = ", int(di));
        CHECK(build_pps_request(request_of(1, static_cast<std::uint8_t>(0x90 | di))).error() ==
              PpsError::reserved_di);
    }
    // Every non-reserved pair builds, and its PCK cancels the rest.
    for (const std::uint8_t fi : {0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13}) {
        for (const std::uint8_t di : {1, 2, 3, 4, 5, 6, 7, 8, 9}) {
            const auto bytes = build_pps_request(request_of(1, static_cast<std::uint8_t>(fi << 4 | di)));
            REQUIRE(bytes.has_value());
            CHECK(pps_xor(*bytes) == 0);
        }
    }
}

TEST_CASE("9.3 full acceptance: the echo of every byte") {
    const auto request = request_of(1, 0x96);
    const auto outcome = validate_pps_response(request, hex("FF 11 96 78"));
    REQUIRE(outcome.has_value());
    CHECK(outcome->acceptance == PpsAcceptance::full);
    CHECK(outcome->protocol == 1);
    CHECK(outcome->fi_di == FiDi{9, 6});
    CHECK(outcome->pps1_echoed);
    CHECK_FALSE(outcome->spu.has_value());

    const auto with_spu = request_of(1, 0x13, 0x00);
    const auto spu_outcome = validate_pps_response(with_spu, hex("FF 31 13 00 DD"));
    REQUIRE(spu_outcome.has_value());
    CHECK(spu_outcome->acceptance == PpsAcceptance::full);
    CHECK(spu_outcome->spu == std::optional<std::uint8_t>(0x00));

    // A request without PPS1 proposes Fd/Dd; the echo keeps them.
    const auto protocol_only = validate_pps_response(request_of(1, std::nullopt), hex("FF 01 FE"));
    REQUIRE(protocol_only.has_value());
    CHECK(protocol_only->acceptance == PpsAcceptance::full);
    CHECK(protocol_only->fi_di == kDefaultFiDi);
}

TEST_CASE("9.3 partial acceptance: PPS1 left out means Fd = 372, Dd = 1 with the protocol") {
    const auto outcome = validate_pps_response(request_of(1, 0x96), hex("FF 01 FE"));
    REQUIRE(outcome.has_value());
    CHECK(outcome->acceptance == PpsAcceptance::partial);
    CHECK(outcome->protocol == 1);
    CHECK(outcome->fi_di == kDefaultFiDi);
    CHECK_FALSE(outcome->pps1_echoed);
}

TEST_CASE("9.3 partial acceptance: PPS2 left out means no SPU, PPS1 still applies") {
    // EE ^ 13 = FD
    const auto outcome = validate_pps_response(request_of(1, 0x13, 0x00), hex("FF 11 13 FD"));
    REQUIRE(outcome.has_value());
    CHECK(outcome->acceptance == PpsAcceptance::partial);
    CHECK(outcome->fi_di == FiDi{1, 3});
    CHECK(outcome->pps1_echoed);
    CHECK_FALSE(outcome->pps2_echoed);
    CHECK_FALSE(outcome->spu.has_value());
}

TEST_CASE("9.3 partial acceptance: PPS3 left out, PPS1 and PPS2 echoed") {
    // FF ^ 30 = CF, CF ^ 11 = DE, DE ^ 02 = DC
    const auto outcome =
        validate_pps_response(request_of(0, 0x11, 0x02, 0x00), hex("FF 30 11 02 DC"));
    REQUIRE(outcome.has_value());
    CHECK(outcome->acceptance == PpsAcceptance::partial);
    CHECK(outcome->pps1_echoed);
    CHECK(outcome->spu == std::optional<std::uint8_t>(0x02));
    CHECK_FALSE(outcome->pps3_echoed);
}

TEST_CASE("PpsError: no response, bad PPSS, too short, truncated, trailing bytes") {
    const auto request = request_of(1, 0x96);
    CHECK(failure(request, "") == PpsError::no_response);
    CHECK(failure(request, "FE 11 96 78") == PpsError::bad_ppss);
    CHECK(failure(request, "00") == PpsError::bad_ppss);
    CHECK(failure(request, "FF") == PpsError::too_short);
    CHECK(failure(request, "FF 11") == PpsError::too_short);
    CHECK(failure(request, "FF 11 96") == PpsError::truncated);
    CHECK(failure(request_of(0, 0x11, 0x02, 0x00), "FF 70 11 02 9C") == PpsError::truncated);
    CHECK(failure(request, "FF 11 96 78 00") == PpsError::trailing_bytes);
    // Length is judged before the PCK: one extra byte is not a PCK error.
    CHECK(failure(request, "FF 11 96 77 00") == PpsError::trailing_bytes);
}

TEST_CASE("PpsError: bad PCK, reserved bit of PPS0") {
    const auto request = request_of(1, 0x96);
    CHECK(failure(request, "FF 11 96 77") == PpsError::bad_pck);
    CHECK(failure(request, "FF 11 96 00") == PpsError::bad_pck);
    // FF ^ 91 = 6E, 6E ^ 96 = F8: consistent PCK, b8 of PPS0 set
    CHECK(failure(request, "FF 91 96 F8") == PpsError::reserved_bit);
}

TEST_CASE("PpsError: another protocol, an unrequested byte, PPS1/PPS2/PPS3 not echoed") {
    // EF ^ 96 = 79: T=0 answered to a T=1 request
    CHECK(failure(request_of(1, 0x96), "FF 10 96 79") == PpsError::protocol_mismatch);
    // PPS1 in the answer to a request without it
    CHECK(failure(request_of(1, std::nullopt), "FF 11 96 78") == PpsError::unrequested_byte);
    // PPS2 in the answer to a request without it: CE ^ 96 = 58, 58 ^ 00 = 58
    CHECK(failure(request_of(1, 0x96), "FF 31 96 00 58") == PpsError::unrequested_byte);
    // PPS3 in the answer to a request without it: FF ^ 51 = AE, AE ^ 96 = 38
    CHECK(failure(request_of(1, 0x96), "FF 51 96 00 38") == PpsError::unrequested_byte);
    // EE ^ 95 = 7B: PPS1 95 answered to 96
    CHECK(failure(request_of(1, 0x96), "FF 11 95 7B") == PpsError::pps1_mismatch);
    // DD ^ 01 = DC: PPS2 01 answered to 00
    CHECK(failure(request_of(1, 0x13, 0x00), "FF 31 13 01 DC") == PpsError::pps2_mismatch);
    // 9C ^ 01 = 9D: PPS3 01 answered to 00
    CHECK(failure(request_of(0, 0x11, 0x02, 0x00), "FF 70 11 02 01 9D") == PpsError::pps3_mismatch);
}

TEST_CASE("Every PpsError has its own code and description") {
    const PpsError all[] = {
        PpsError::invalid_protocol, PpsError::reserved_fi,      PpsError::reserved_di,
        PpsError::no_response,      PpsError::bad_ppss,         PpsError::too_short,
        PpsError::truncated,        PpsError::trailing_bytes,   PpsError::bad_pck,
        PpsError::reserved_bit,     PpsError::protocol_mismatch, PpsError::unrequested_byte,
        PpsError::pps1_mismatch,    PpsError::pps2_mismatch,    PpsError::pps3_mismatch,
    };
    for (std::size_t i = 0; i < std::size(all); ++i) {
        const std::error_code code = all[i];
        CHECK(code.category().name() == std::string_view("pps"));
        CHECK(code.message() != "unknown PPS error");
        for (std::size_t j = i + 1; j < std::size(all); ++j) {
            CHECK(code != std::error_code(all[j]));
            CHECK(code.message() != std::error_code(all[j]).message());
        }
    }
}

TEST_CASE("9.3 any single changed byte of a valid echo is rejected") {
    const PpsRequest requests[] = {request_of(0, std::nullopt), request_of(1, 0x96),
                                   request_of(1, 0x13, 0x00), request_of(0, 0x11, 0x02, 0x00)};
    for (const auto& request : requests) {
        const Bytes echo = built(request);
        REQUIRE(validate_pps_response(request, echo).has_value());
        for (std::size_t position = 0; position < echo.size(); ++position) {
            for (unsigned delta = 1; delta < 256; ++delta) {
                Bytes changed = echo;
                changed[position] = static_cast<std::uint8_t>(changed[position] ^ delta);
                INFO("request ", to_hex(echo), " answer ", to_hex(changed));
                CHECK_FALSE(validate_pps_response(request, changed).has_value());
            }
        }
    }
}

TEST_CASE("Length of a PPS from its prefix: known once PPS0 is in") {
    CHECK_FALSE(pps_response_length(Bytes{}).has_value());
    CHECK_FALSE(pps_response_length(hex("FF")).has_value());
    CHECK(pps_response_length(hex("FF 00")) == 3u);
    CHECK(pps_response_length(hex("FF 11")) == 4u);
    CHECK(pps_response_length(hex("FF 21")) == 4u);
    CHECK(pps_response_length(hex("FF 41")) == 4u);
    CHECK(pps_response_length(hex("FF 31")) == 5u);
    CHECK(pps_response_length(hex("FF 70")) == 6u);
    CHECK(pps_response_length(hex("FF F0 11 02 00")) == 6u);  // b8 counts no byte
    CHECK(pps_response_length(hex("00 10")) == 4u);           // PPSS is judged later
    // Reading exactly that many bytes of a valid response gives the whole response.
    const Bytes response = hex("FF 70 11 02 00 9C");
    CHECK(pps_response_length(ByteView(response).first(2)) == response.size());
}

TEST_CASE("Card side: parse_pps_request round-trips what build_pps_request makes") {
    const PpsRequest requests[] = {request_of(0, std::nullopt), request_of(1, 0x96),
                                   request_of(1, 0x13, 0x00), request_of(0, 0x11, 0x02, 0x00),
                                   request_of(14, 0xD9)};
    for (const auto& request : requests) {
        const auto parsed = parse_pps_request(built(request));
        REQUIRE(parsed.has_value());
        CHECK(*parsed == request);
    }
    CHECK(parse_pps_request(Bytes{}).error() == PpsError::no_response);
    CHECK(parse_pps_request(hex("FF 11 96 77")).error() == PpsError::bad_pck);
    CHECK(parse_pps_request(hex("7F 11 96 F8")).error() == PpsError::bad_ppss);
    CHECK(parse_pps_request(hex("FF 11 96")).error() == PpsError::truncated);
    // FF ^ 0F = F0: T=15
    CHECK(parse_pps_request(hex("FF 0F F0")).error() == PpsError::invalid_protocol);
    // FF ^ 81 = 7E
    CHECK(parse_pps_request(hex("FF 81 7E")).error() == PpsError::reserved_bit);
    // Reserved FI/DI are the card's to judge: the parser passes them on.
    // EE ^ 71 = 9F
    const auto reserved = parse_pps_request(hex("FF 11 71 9F"));
    REQUIRE(reserved.has_value());
    CHECK(reserved->pps1 == FiDi{7, 1});
}

TEST_CASE("Card side: build_pps_response leaves out what the card does not accept") {
    const auto request = request_of(0, 0x11, 0x02, 0x00);
    CHECK(build_pps_response(request, true, true, true) == hex("FF 70 11 02 00 9C"));
    CHECK(build_pps_response(request, false, false, false) == hex("FF 00 FF"));
    // FF ^ 20 = DF, DF ^ 02 = DD
    CHECK(build_pps_response(request, false, true, false) == hex("FF 20 02 DD"));
}
