#include "iso7816/tables.hpp"

#include <array>

namespace tessera::iso7816 {

namespace {
// ISO 7816-3 Table 7. 0 marks "reserved for future use".
constexpr std::array<std::uint16_t, 16> kFi = {372, 372, 558,  744,  1116, 1488, 1860, 0,
                                               0,   512, 768,  1024, 1536, 2048, 0,    0};
constexpr std::array<std::uint32_t, 16> kFmaxKhz = {4000, 5000,  6000,  8000,  12000, 16000,
                                                    20000, 0,    0,     5000,  7500,  10000,
                                                    15000, 20000, 0,    0};
// ISO 7816-3 Table 8.
constexpr std::array<std::uint8_t, 16> kDi = {0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0};
}  // namespace

std::optional<std::uint16_t> fi_from_index(std::uint8_t fi_index) {
    if (fi_index >= kFi.size() || kFi[fi_index] == 0) {
        return std::nullopt;
    }
    return kFi[fi_index];
}

std::optional<std::uint32_t> fmax_khz_from_index(std::uint8_t fi_index) {
    if (fi_index >= kFmaxKhz.size() || kFmaxKhz[fi_index] == 0) {
        return std::nullopt;
    }
    return kFmaxKhz[fi_index];
}

std::optional<std::uint8_t> di_from_index(std::uint8_t di_index) {
    if (di_index >= kDi.size() || kDi[di_index] == 0) {
        return std::nullopt;
    }
    return kDi[di_index];
}

std::optional<std::uint8_t> fi_index_of(std::uint16_t fi) {
    // Index 0 and 1 both encode 372; prefer 1 (fmax 5 MHz), the default of TA1 = 11.
    for (std::uint8_t i = 1; i < kFi.size(); ++i) {
        if (kFi[i] != 0 && kFi[i] == fi) {
            return i;
        }
    }
    return std::nullopt;
}

std::optional<std::uint8_t> di_index_of(std::uint8_t di) {
    for (std::uint8_t i = 1; i < kDi.size(); ++i) {
        if (kDi[i] != 0 && kDi[i] == di) {
            return i;
        }
    }
    return std::nullopt;
}

}  // namespace tessera::iso7816
