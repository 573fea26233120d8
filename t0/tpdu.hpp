// Mapping of a short command APDU onto a T=0 command TPDU (ISO/IEC 7816-3:2006 12.2).
//
// T=0 sends a five-byte header CLA INS P1 P2 P3 (10.3.2); P3 says how many data bytes move
// and the card alone knows, from INS, in which direction. The mapping per case:
//   case 1   CLA INS P1 P2            -> P3 = 00, nothing moves            (12.2.2)
//   case 2S  CLA INS P1 P2 Le         -> P3 = Le, Ne bytes from the card   (12.2.3)
//   case 3S  CLA INS P1 P2 Lc Data    -> P3 = Lc, Lc bytes to the card     (12.2.4)
//   case 4S  CLA INS P1 P2 Lc Data Le -> P3 = Lc, Lc bytes to the card; Le is not sent:
//            the card answers 61xx and the caller fetches the data with GET RESPONSE
//            (12.2.5). This layer never sends GET RESPONSE on its own.
// Le = 00 means Ne = 256. Extended APDUs are recognised and refused with their own error.
// Pure functions, no state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace tessera::t0 {

/// The four short command-response cases (ISO 7816-4 5.1).
enum class ApduCase { case1, case2s, case3s, case4s };

/// Which way the data bytes of a TPDU move.
enum class Direction { none, to_card, from_card };

inline constexpr std::size_t kHeaderSize = 5;         // CLA INS P1 P2 P3 (10.3.2)
inline constexpr std::size_t kMaxCommandData = 255;   // short Lc
inline constexpr std::size_t kMaxResponseData = 256;  // short Ne, P3 = 00
inline constexpr std::uint8_t kInvalidCla = 0xFF;     // reserved for PPSS (10.3.2)

/// A T=0 command TPDU. `data` is a copy of the APDU's command data.
struct CommandTpdu {
    ApduCase apdu_case = ApduCase::case1;
    std::array<std::uint8_t, kHeaderSize> header{};  // CLA INS P1 P2 P3
    Bytes data;
    Direction direction = Direction::none;
    std::size_t transfer_length = 0;  // Lc (to_card), Ne (from_card, 1..256) or 0

    std::uint8_t ins() const { return header[1]; }
    std::uint8_t p3() const { return header[4]; }
};

/// Maps a command APDU onto a T=0 TPDU. Errors (T0Error): apdu_too_short,
/// apdu_length_mismatch, extended_length_unsupported, invalid_class, invalid_instruction.
Result<CommandTpdu> map_command_apdu(ByteView apdu);

}  // namespace tessera::t0
