// The protocol parameters of one emulated slot (CCID 6.1.7, 6.2.3): what the reader
// uses after power-on, what an ATR gives a reader with automatic parameter configuration,
// and the checks a reader makes on PC_to_RDR_SetParameters and
// PC_to_RDR_SetDataRateAndClockFrequency (CCID 6.1.14) against its class descriptor and
// its clock and data-rate lists.
//
// Pure functions; no state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "base/bytes.hpp"
#include "iso7816/pps.hpp"
#include "tests/emulator/wire/ccid_wire.hpp"
#include "tests/sim/atr_builder.hpp"
#include "transport/class_descriptor.hpp"

namespace tessera::emulator {

/// What the reader can run: its descriptor and the lists it answers (ReaderConfig).
struct ReaderRateLimits {
    const transport::ClassDescriptor& descriptor;
    std::span<const std::uint32_t> clocks_khz;
    std::span<const std::uint32_t> data_rates_bps;
};

/// CCID 6.1.7 default structure for bProtocolNum (0 or 1) with the card's convention.
wire::Parameters default_parameters(std::uint8_t protocol, iso7816::Convention convention);

/// The structure a reader with automatic parameter configuration (dwFeatures 0x02)
/// derives from the card's ATR for `protocol` at `fi_di`: TC1, WI, IFSC, BWI/CWI, EDC.
wire::Parameters parameters_from_atr(const sim::AtrConfig& atr, std::uint8_t protocol,
                                     iso7816::FiDi fi_di);

iso7816::FiDi fi_di_of(const wire::Parameters& parameters) noexcept;

/// Judges PC_to_RDR_SetParameters (CCID 6.1.7): `message` is the whole message. Returns
/// the decoded structure, or the bError to fail with: kOffsetDwLength for a dwLength
/// that does not fit bProtocolNum, otherwise the offset of the first bad field
/// (bProtocolNum not 0/1 or not in dwProtocols; reserved Fi/Di or a rate the reader can
/// not run; bmTCCKST; BWI > 9; bClockStop; bIFSC 00/FF; a NAD without dwFeatures 0x200).
struct ParameterVerdict {
    std::optional<wire::Parameters> parameters;
    std::uint8_t bError = 0;  // meaningful when parameters is empty
};
ParameterVerdict check_set_parameters(ByteView message, const ReaderRateLimits& limits);

/// True when some clock of the reader runs Fi/Di at a data rate it supports (its list
/// within 1 %, else up to dwMaxDataRate + 1 %): f x Di / Fi (ISO 7816-3 7.1, Tables 7, 8).
bool reader_runs(iso7816::FiDi fi_di, const ReaderRateLimits& limits);

/// PC_to_RDR_SetDataRateAndClockFrequency (CCID 6.1.14): nullopt when the reader runs
/// this clock and rate, else the bError (offset of dwClockFrequency or dwDataRate).
std::optional<std::uint8_t> check_clock_and_rate(std::uint32_t clock_khz, std::uint32_t rate_bps,
                                                 const ReaderRateLimits& limits);

}  // namespace tessera::emulator
