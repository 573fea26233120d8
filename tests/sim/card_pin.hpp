// The simulated card's PIN: VERIFY (ISO 7816-4 11.5.6) and CHANGE REFERENCE DATA (11.5.7)
// for reference 01 (global) or 81 (specific), with a retry counter.
//
// The PIN is kept as the 8-byte block a PIN pad or a client sends: the digits in ASCII,
// padded with FF ("1234" -> 31 32 33 34 FF FF FF FF). Answers:
//   VERIFY 00 20 00 P2 08 <block>     9000 (counter back to the limit, verified),
//                                     63Cx on a mismatch (x tries left), 6983 blocked
//   VERIFY 00 20 00 P2 (no data)      9000 when verified, else 63Cx (6983 when blocked)
//   CHANGE 00 24 00 P2 10 <old><new>  old checked as VERIFY does, then the new stored: 9000
//   CHANGE 00 24 01 P2 08 <new>       needs the verified state (6982), then 9000
//   P2 other than 01 / 81 -> 6A88; P1 not allowed -> 6A86; wrong Lc -> 6700 (no try used)
// The verified state ends with every reset or deactivation (security_reset()).
// Not thread-safe; part of one CardApplication.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/bytes.hpp"

namespace tessera::sim {

inline constexpr std::uint8_t kInsVerify = 0x20;
inline constexpr std::uint8_t kInsChangeReferenceData = 0x24;
inline constexpr std::size_t kPinBlockSize = 8;
inline constexpr std::uint8_t kPinTries = 3;

struct CommandApdu;

/// "1234" -> 31 32 33 34 FF FF FF FF.
Bytes pin_block(std::string_view digits);

class CardPin {
public:
    explicit CardPin(Bytes block = pin_block("1234")) : block_(std::move(block)) {}

    Bytes verify(const CommandApdu& command);
    Bytes change(const CommandApdu& command);
    void security_reset() noexcept { verified_ = false; }

    bool verified() const noexcept { return verified_; }
    std::uint8_t tries_left() const noexcept { return tries_; }

private:
    /// 9000 or 63Cx / 6983 for a presented block; counts the try.
    std::uint16_t check(ByteView presented);
    std::uint16_t retry_status() const;

    Bytes block_;
    std::uint8_t tries_ = kPinTries;
    bool verified_ = false;
};

}  // namespace tessera::sim
