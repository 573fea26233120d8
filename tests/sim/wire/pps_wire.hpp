// The reader side's own protocol and parameters selection code (ISO/IEC 7816-3:2006
// section 9) and rate tables (8.3, Tables 7 and 8), for the simulated card (card_pps) and
// the emulated reader's automatic negotiation: written from the standard's tables and
// sharing no code with the driver's iso7816/pps and rate choice.
//
// A PPS message, request and response alike (9.2):
//   PPSS  'FF'
//   PPS0  b8 0 | b7 PPS3 present | b6 PPS2 present | b5 PPS1 present | b4..b1 T
//   PPS1  FI b8..b5 | DI b4..b1                 (when announced)
//   PPS2  SPU                                   (when announced)
//   PPS3  reserved                              (when announced)
//   PCK   the XOR of PPSS to PCK is '00'
//
// Pure functions and plain values; no state, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"

namespace tessera::sim::wire {

inline constexpr std::uint8_t kPpss = 0xFF;

/// Table 7: Fi for the FI nibble; nullopt for the reserved 7, 8, E, F.
std::optional<std::uint16_t> fi_of(std::uint8_t fi_index) noexcept;
/// Table 8: Di for the DI nibble; nullopt for the reserved 0 and A to F.
std::optional<std::uint8_t> di_of(std::uint8_t di_index) noexcept;

/// The content of a PPS message.
struct Pps {
    std::uint8_t protocol = 0;          // PPS0 b4..b1
    std::optional<std::uint8_t> pps1;   // FI | DI
    std::optional<std::uint8_t> pps2;   // SPU
    std::optional<std::uint8_t> pps3;   // reserved

    bool operator==(const Pps&) const = default;
};

/// PPSS PPS0 [PPS1] [PPS2] [PPS3] PCK.
Bytes write_pps(const Pps& pps);
/// The whole message's length once PPS0 is known (3 to 6); nullopt with fewer than two
/// bytes.
std::optional<std::size_t> pps_length(ByteView prefix) noexcept;
/// Reads a well-formed message: PPSS 'FF', PPS0 b8 0, exactly the announced length, PCK
/// right, T below 15 (T = 15 is no protocol, 9.2). nullopt otherwise (9.1: the card does
/// not answer an erroneous request).
std::optional<Pps> read_pps(ByteView bytes);

/// 9.3: the response echoes the request's PPS0 T; each of PPS1, PPS2, PPS3 is either
/// echoed equal or left out. What the link then is: the protocol, and PPS1 when echoed
/// (else Fd / Dd, FI DI '11'). nullopt for any other response.
struct PpsResult {
    std::uint8_t protocol = 0;
    std::uint8_t fi_di = 0x11;
};
std::optional<PpsResult> judge_pps_response(const Pps& request, ByteView response);

}  // namespace tessera::sim::wire
