#include "tests/sim/card_pin.hpp"

#include <algorithm>
#include <string_view>

#include "tests/sim/application.hpp"

namespace tessera::sim {
namespace {

Bytes status_bytes(std::uint16_t sw) {
    return {static_cast<std::uint8_t>(sw >> 8), static_cast<std::uint8_t>(sw)};
}

bool known_reference(std::uint8_t p2) { return p2 == 0x01 || p2 == 0x81; }

}  // namespace

Bytes pin_block(std::string_view digits) {
    Bytes block(kPinBlockSize, 0xFF);
    std::copy_n(digits.begin(), std::min(digits.size(), kPinBlockSize), block.begin());
    return block;
}

std::uint16_t CardPin::retry_status() const {
    return tries_ == 0 ? 0x6983 : static_cast<std::uint16_t>(0x63C0 | tries_);
}

std::uint16_t CardPin::check(ByteView presented) {
    if (tries_ == 0) return 0x6983;
    if (std::equal(presented.begin(), presented.end(), block_.begin(), block_.end())) {
        tries_ = kPinTries;
        verified_ = true;
        return 0x9000;
    }
    --tries_;
    verified_ = false;
    return retry_status();
}

// ISO 7816-4 11.5.6.
Bytes CardPin::verify(const CommandApdu& c) {
    if (c.p1 != 0x00) return status_bytes(0x6A86);
    if (!known_reference(c.p2)) return status_bytes(0x6A88);
    if (c.data.empty()) return status_bytes(verified_ ? 0x9000 : retry_status());
    if (c.data.size() != kPinBlockSize) return status_bytes(0x6700);
    return status_bytes(check(c.data));
}

// ISO 7816-4 11.5.7.
Bytes CardPin::change(const CommandApdu& c) {
    if (!known_reference(c.p2)) return status_bytes(0x6A88);
    if (c.p1 == 0x00) {
        if (c.data.size() != 2 * kPinBlockSize) return status_bytes(0x6700);
        const std::uint16_t sw = check(ByteView(c.data).first(kPinBlockSize));
        if (sw != 0x9000) return status_bytes(sw);
        block_.assign(c.data.begin() + kPinBlockSize, c.data.end());
        return status_bytes(0x9000);
    }
    if (c.p1 == 0x01) {
        if (c.data.size() != kPinBlockSize) return status_bytes(0x6700);
        if (!verified_) return status_bytes(0x6982);
        block_ = c.data;
        return status_bytes(0x9000);
    }
    return status_bytes(0x6A86);
}

}  // namespace tessera::sim
