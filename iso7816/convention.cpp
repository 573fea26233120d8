#include "iso7816/convention.hpp"

namespace tessera::iso7816 {

static_assert(invert_convention(kTsInverse) == kTsInverseOnWire);
static_assert(invert_convention(kTsInverseOnWire) == kTsInverse);

std::optional<Convention> convention_from_ts(std::uint8_t ts) noexcept {
    switch (ts) {
        case kTsDirect:
            return Convention::direct;
        case kTsInverse:
            return Convention::inverse;
        default:
            return std::nullopt;
    }
}

std::optional<Convention> convention_from_raw_ts(std::uint8_t first_byte) noexcept {
    if (first_byte == kTsInverseOnWire) {
        return Convention::inverse;
    }
    return convention_from_ts(first_byte);
}

Bytes convert_for_convention(ByteView bytes, Convention convention) {
    Bytes out(bytes.begin(), bytes.end());
    if (convention == Convention::inverse) {
        for (auto& byte : out) {
            byte = invert_convention(byte);
        }
    }
    return out;
}

}  // namespace tessera::iso7816
