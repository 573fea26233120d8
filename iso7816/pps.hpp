// Protocol and parameters selection (ISO/IEC 7816-3:2006 section 9): the PPS request an
// interface device sends right after an ATR in negotiable mode, and the judgement of the
// card's answer.
//
// Wire layout, request and response alike (9.2):
//   PPSS  FF
//   PPS0  b8 reserved (0) | b7 PPS3 present | b6 PPS2 present | b5 PPS1 present | b4..b1 T
//   PPS1  FI (b8..b5) | DI (b4..b1), encoded as in TA1          (optional)
//   PPS2  SPU                                                   (optional)
//   PPS3  reserved for future use                               (optional)
//   PCK   such that the XOR of PPSS .. PCK is 00
// Pure functions over byte spans; no I/O, no state. The card-side parser
// (parse_pps_request) serves the simulated card, the emulated reader and the fuzzers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"

namespace tessera::iso7816 {

/// Why a PPS request could not be built, or why a PPS message is not acceptable.
/// validate_pps_response() and parse_pps_request() report the first fault in this
/// reading order: length and framing, then PCK, then content.
enum class PpsError {
    ok_is_never_used = 0,
    invalid_protocol = 1,  // T = 15 or more: not a protocol one can select (9.2)
    reserved_fi,           // FI of PPS1 is reserved (Table 7: 7, 8, E, F)
    reserved_di,           // DI of PPS1 is reserved (Table 8: 0, A..F)
    no_response,           // no byte at all: the card did not answer (9.3)
    bad_ppss,              // first byte is not FF (9.2)
    too_short,             // fewer than the three bytes PPSS PPS0 PCK
    truncated,             // fewer bytes than PPS0 announces
    trailing_bytes,        // more bytes than PPS0 announces
    bad_pck,               // XOR of PPSS .. PCK is not 00 (9.2)
    reserved_bit,          // PPS0 b8 is set (reserved, 9.2)
    protocol_mismatch,     // response PPS0 b4..b1 differ from the request (9.3)
    unrequested_byte,      // response announces PPS1, PPS2 or PPS3 the request lacked
    pps1_mismatch,         // PPS1 present in the response but not equal to the request's
    pps2_mismatch,         // PPS2 present in the response but not equal to the request's
    pps3_mismatch,         // PPS3 present in the response but not equal to the request's
};

/// A short English description, for logs and tools.
const char* describe(PpsError error);

}  // namespace tessera::iso7816

TESSERA_ERROR_ENUM(tessera::iso7816, PpsError, "pps");

namespace tessera::iso7816 {

inline constexpr std::uint8_t kPpss = 0xFF;
/// PPSS, PPS0, PPS1, PPS2, PPS3, PCK.
inline constexpr std::size_t kPpsMaxLength = 6;
inline constexpr std::size_t kPpsMinLength = 3;

/// FI and DI indices, as carried by TA1 (8.3) and PPS1 (9.2): FI in b8..b5, DI in b4..b1.
struct FiDi {
    std::uint8_t fi_index = 1;
    std::uint8_t di_index = 1;

    constexpr std::uint8_t byte() const noexcept {
        return static_cast<std::uint8_t>((fi_index & 0x0F) << 4 | (di_index & 0x0F));
    }
    static constexpr FiDi from_byte(std::uint8_t byte) noexcept {
        return {static_cast<std::uint8_t>(byte >> 4), static_cast<std::uint8_t>(byte & 0x0F)};
    }
    friend constexpr bool operator==(const FiDi&, const FiDi&) = default;
};

/// Fd = 372, Dd = 1: the values in force after an ATR and after a PPS without PPS1.
inline constexpr FiDi kDefaultFiDi{1, 1};

/// The content of a PPS request (or of a parsed response).
struct PpsRequest {
    std::uint8_t protocol = 0;        // PPS0 b4..b1: 0..14
    std::optional<FiDi> pps1;         // absent: continue with Fd and Dd
    std::optional<std::uint8_t> pps2; // SPU
    std::optional<std::uint8_t> pps3; // reserved for future use; sent only if given
    friend bool operator==(const PpsRequest&, const PpsRequest&) = default;
};

/// XOR of all bytes; a well-formed PPS message (PCK included) gives 00.
std::uint8_t pps_xor(ByteView bytes) noexcept;

/// Encodes a request: PPSS PPS0 [PPS1] [PPS2] [PPS3] PCK (ISO 7816-3 9.2).
/// Errors: invalid_protocol (T >= 15), reserved_fi, reserved_di.
Result<Bytes> build_pps_request(const PpsRequest& request);

/// The full length of a PPS message (request or response) from its first bytes: once
/// PPS0 is known (prefix of 2 bytes or more), 3 + the number of optional bytes PPS0
/// announces (3..6); nullopt before. Does not judge PPSS: a reader receiving byte by
/// byte reads that many bytes, then validate_pps_response() decides.
std::optional<std::size_t> pps_response_length(ByteView prefix) noexcept;

/// How much of the request the card accepted (ISO 7816-3 9.3).
enum class PpsAcceptance {
    full,     // every optional byte of the request echoed
    partial,  // the card left out PPS1, PPS2 or PPS3 (defaults for what it left out)
};

/// What a valid response means for the link.
struct PpsOutcome {
    PpsAcceptance acceptance = PpsAcceptance::full;
    std::uint8_t protocol = 0;
    FiDi fi_di = kDefaultFiDi;          // the request's PPS1 if echoed, else Fd / Dd
    std::optional<std::uint8_t> spu;    // PPS2 if echoed, else none (no use of SPU)
    bool pps1_echoed = false;
    bool pps2_echoed = false;
    bool pps3_echoed = false;
};

/// Judges the card's answer to `request` (ISO 7816-3 9.3). The response is valid when
/// PPSS is FF, PCK checks, PPS0 b4..b1 equal the request's, each of b5/b6/b7 is either
/// equal to the request's bit (the byte then echoes the request's byte) or 0 (the byte
/// is absent: Fd/Dd for PPS1, no SPU for PPS2), and the length is exactly what PPS0
/// announces. Any other answer is an error; the interface device must then reset the
/// card (9.3). The request is taken as built by build_pps_request (not re-validated).
Result<PpsOutcome> validate_pps_response(const PpsRequest& request, ByteView response);

/// Card side: decodes a PPS request (ISO 7816-3 9.2) with every framing check
/// (PPSS, length, PCK, reserved bit, T < 15). FI/DI values are not judged here: a card
/// answers reserved or unsupported values by leaving PPS1 out or by not answering.
Result<PpsRequest> parse_pps_request(ByteView bytes);

/// Encodes a response echoing `request` minus the optional bytes the card drops,
/// with its PCK: the card side of 9.3.
Bytes build_pps_response(const PpsRequest& request, bool keep_pps1, bool keep_pps2,
                         bool keep_pps3);

}  // namespace tessera::iso7816
