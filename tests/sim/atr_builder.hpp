// The simulated card's Answer-to-Reset: builds a valid ATR (ISO/IEC 7816-3:2006
// section 8) from the parameters a test wants the card to announce.
//
// Bytes at their default value are left out (unless explicit_defaults asks for them), so
// the same parameters always give the same, shortest ATR. The builder makes valid ATRs
// only; tests that need a broken one edit the bytes afterwards.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "iso7816/atr.hpp"
#include "base/bytes.hpp"
#include "iso7816/convention.hpp"
#include "base/result.hpp"

namespace tessera::sim {

struct AtrConfig {
    iso7816::Convention convention = iso7816::Convention::direct;
    /// Offered protocols in TD order, the first being the default; not empty, no T=15.
    std::vector<std::uint8_t> protocols{0};
    std::optional<std::uint8_t> ta1{};    // FI/DI; absent: Fd = 372, Dd = 1
    std::optional<std::uint8_t> tb1{};    // deprecated VPP byte, still sent by old cards
    std::uint8_t n = iso7816::kDefaultN;  // TC1
    std::optional<iso7816::SpecificMode> specific_mode{};      // TA2
    std::uint8_t wi = iso7816::kDefaultWi;                     // TC2 (T=0)
    std::uint8_t ifsc = iso7816::kDefaultIfsc;                 // first TA for T=1
    std::uint8_t bwi = iso7816::kDefaultBwi;                   // first TB for T=1
    std::uint8_t cwi = iso7816::kDefaultCwi;                   // first TB for T=1
    iso7816::Edc edc = iso7816::Edc::lrc;                      // first TC for T=1
    std::optional<iso7816::ClassIndicator> class_indicator{};  // first TA for T=15
    std::optional<std::uint8_t> spu{};                         // first TB for T=15
    /// Also send TC1, TC2 (if T=0 is offered) and the T=1 bytes (if T=1 is offered)
    /// when they hold their default values.
    bool explicit_defaults = false;
    Bytes historical{};  // at most 15 bytes
};

/// The ATR as logical bytes (TS 3B or 3F), with TCK when ISO 7816-3 8.2.5 requires it.
/// T=1 bytes are sent only when T=1 is offered. Errors: std::errc::invalid_argument for
/// an empty protocol list, T > 14 in it, or more than 15 historical bytes;
/// iso7816::AtrError::too_long when the ATR would exceed 33 bytes.
Result<Bytes> build_atr(const AtrConfig& config);

/// The same ATR as a direct-convention receiver reads it (inverse: TS arrives as 03).
Result<Bytes> build_atr_wire(const AtrConfig& config);

}  // namespace tessera::sim
