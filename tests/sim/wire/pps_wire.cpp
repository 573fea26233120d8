#include "tests/sim/wire/pps_wire.hpp"

#include <array>

namespace tessera::sim::wire {
namespace {

// ISO 7816-3 Table 7 (Fi, 0 = reserved) and Table 8 (Di, 0 = reserved).
constexpr std::array<std::uint16_t, 16> kFi{372, 372, 558, 744, 1116, 1488, 1860, 0,
                                            0,   512, 768, 1024, 1536, 2048, 0, 0};
constexpr std::array<std::uint8_t, 16> kDi{0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0};

// PPS0 presence bits (9.2).
constexpr std::uint8_t kHasPps1 = 0x10;
constexpr std::uint8_t kHasPps2 = 0x20;
constexpr std::uint8_t kHasPps3 = 0x40;
constexpr std::uint8_t kReserved = 0x80;

std::uint8_t xor_of(ByteView bytes) {
    std::uint8_t value = 0;
    for (const std::uint8_t byte : bytes) {
        value ^= byte;
    }
    return value;
}

// An optional byte of a response is echoed equal or absent (9.3).
bool echoed_or_absent(const std::optional<std::uint8_t>& requested, const std::optional<std::uint8_t>& answered) {
    return !answered || answered == requested;
}

}  // namespace

std::optional<std::uint16_t> fi_of(std::uint8_t fi_index) noexcept {
    const std::uint16_t fi = kFi[fi_index & 0x0F];
    return fi == 0 ? std::nullopt : std::optional<std::uint16_t>(fi);
}

std::optional<std::uint8_t> di_of(std::uint8_t di_index) noexcept {
    const std::uint8_t di = kDi[di_index & 0x0F];
    return di == 0 ? std::nullopt : std::optional<std::uint8_t>(di);
}

Bytes write_pps(const Pps& pps) {
    std::uint8_t pps0 = pps.protocol & 0x0F;
    pps0 = static_cast<std::uint8_t>(pps0 | (pps.pps1 ? kHasPps1 : 0) | (pps.pps2 ? kHasPps2 : 0) |
                                     (pps.pps3 ? kHasPps3 : 0));
    Bytes out{kPpss, pps0};
    for (const auto& optional : {pps.pps1, pps.pps2, pps.pps3}) {
        if (optional) {
            out.push_back(*optional);
        }
    }
    out.push_back(xor_of(out));  // PCK
    return out;
}

std::optional<std::size_t> pps_length(ByteView prefix) noexcept {
    if (prefix.size() < 2) {
        return std::nullopt;
    }
    const std::uint8_t pps0 = prefix[1];
    return 3 + ((pps0 & kHasPps1) ? 1 : 0) + ((pps0 & kHasPps2) ? 1 : 0) + ((pps0 & kHasPps3) ? 1 : 0);
}

std::optional<Pps> read_pps(ByteView bytes) {
    const auto length = pps_length(bytes);
    if (!length || bytes[0] != kPpss || bytes.size() != *length || (bytes[1] & kReserved) != 0 ||
        xor_of(bytes) != 0x00 || (bytes[1] & 0x0F) == 0x0F) {
        return std::nullopt;
    }
    Pps pps;
    pps.protocol = bytes[1] & 0x0F;
    std::size_t next = 2;
    if (bytes[1] & kHasPps1) {
        pps.pps1 = bytes[next++];
    }
    if (bytes[1] & kHasPps2) {
        pps.pps2 = bytes[next++];
    }
    if (bytes[1] & kHasPps3) {
        pps.pps3 = bytes[next++];
    }
    return pps;
}

std::optional<PpsResult> judge_pps_response(const Pps& request, ByteView response) {
    const auto answered = read_pps(response);
    if (!answered || answered->protocol != request.protocol || !echoed_or_absent(request.pps1, answered->pps1) ||
        !echoed_or_absent(request.pps2, answered->pps2) || !echoed_or_absent(request.pps3, answered->pps3)) {
        return std::nullopt;
    }
    return PpsResult{answered->protocol, answered->pps1.value_or(0x11)};
}

}  // namespace tessera::sim::wire
