// The simulated card's application: a small, protocol-independent APDU processor that
// the card-side T=0 and T=1 implementations (and later the emulated reader) put behind
// their transmission protocols.
//
// Commands (ISO/IEC 7816-4 encodings, short and extended length fields):
//   SELECT        00 A4 04 00 Lc AID      -> 9000 if AID == config aid, else 6A82
//                 00 A4 00 00 02 FID      -> 9000 and selects the EF kEfId (the default,
//                                            kEfSize bytes) or kSmallEfId (kSmallEfSize
//                                            bytes), else 6A82
//   READ BINARY   00 B0 P1P2=offset Le    -> Le bytes of the selected EF (Le 00 = 256, extended
//                                            Le 0000 = 65536); 6B00 if offset beyond the
//                                            end, 6Cxx if fewer than Le bytes remain
//                                            (xx = what remains, short Le only)
//   UPDATE BINARY 00 D6 P1P2=offset Lc D  -> 9000, 6B00 / 6700 if outside the EF
//   GET CHALLENGE 00 84 00 00 Le          -> Le deterministic pseudo-random bytes
//   ECHO (case 4) 80 EE 00 00 Lc D Le     -> D (truncated to Le), 9000
//   SLOW          80 57 P1 00             -> 9000 after P1 "time units": the protocol side
//                                            asks for time (WTX / NULL bytes) P1 times
//   VERIFY        00 20 00 01|81 [08 PIN] -> see card_pin.hpp (PIN "1234", 3 tries)
//   CHANGE REFERENCE DATA 00 24 ...       -> see card_pin.hpp
//   anything else: 6E00 (CLA), 6D00 (INS), 6700 (malformed lengths)
// Both EFs start as the pattern byte[i] = i & 0xFF.
// Not thread-safe; one instance per simulated card.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "tests/sim/card_pin.hpp"

namespace tessera::sim {

inline constexpr std::uint16_t kEfId = 0x0101;
inline constexpr std::size_t kEfSize = 65536;  // one extended READ BINARY reads it all
inline constexpr std::uint16_t kSmallEfId = 0x0102;
inline constexpr std::size_t kSmallEfSize = 300;  // its end is reachable: 6Cxx, 6B00
inline constexpr std::uint8_t kInsSlow = 0x57;
inline constexpr std::uint8_t kInsEcho = 0xEE;

/// A parsed command APDU (ISO 7816-4 5.1: cases 1, 2S/E, 3S/E, 4S/E).
struct CommandApdu {
    std::uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
    Bytes data;
    std::size_t ne = 0;     // expected response length; 0 when absent
    bool has_le = false;
    bool extended = false;
};

/// Parses a command APDU; nullopt when the length fields are inconsistent.
std::optional<CommandApdu> parse_command_apdu(ByteView apdu);

class CardApplication {
public:
    explicit CardApplication(Bytes aid = {0xA0, 0x00, 0x00, 0x05, 0x27, 0x54, 0x45, 0x53});

    /// Processes one command APDU and returns the response APDU (data, SW1, SW2).
    Bytes process(ByteView command);

    /// How many "time units" (WTX requests / T=0 NULL bytes) the protocol side should
    /// insert before delivering the answer to `command` (non-zero only for SLOW).
    std::size_t time_units_needed(ByteView command) const;

    const Bytes& selected_file() const { return selected_small_ ? small_ef_ : ef_; }

    /// The PIN's state; every card reset or deactivation ends its verified state.
    CardPin& pin() noexcept { return pin_; }
    void on_reset() noexcept { pin_.security_reset(); }

private:
    Bytes& selected() { return selected_small_ ? small_ef_ : ef_; }

    Bytes aid_;
    Bytes ef_;
    Bytes small_ef_;
    bool selected_small_ = false;
    std::uint32_t challenge_state_ = 0x12345678;
    CardPin pin_;
};

}  // namespace tessera::sim
