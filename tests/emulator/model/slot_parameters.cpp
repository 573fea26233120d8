#include "tests/emulator/model/slot_parameters.hpp"

#include <vector>

#include "tests/emulator/model/slot_errors.hpp"
#include "tests/sim/wire/pps_wire.hpp"

namespace tessera::emulator {
namespace {

// CCID 6.1.7: offsets of abProtocolDataStructure fields in the SetParameters message.
constexpr std::uint8_t kOffsetFindexDindex = 10;
constexpr std::uint8_t kOffsetTcckst = 11;
constexpr std::uint8_t kOffsetWaitingIntegers = 13;
constexpr std::uint8_t kOffsetClockStop = 14;
constexpr std::uint8_t kOffsetIfsc = 15;
constexpr std::uint8_t kOffsetNad = 16;
// CCID 6.1.14: offsets of dwClockFrequency and dwDataRate.
constexpr std::uint8_t kOffsetClockFrequency = 10;
constexpr std::uint8_t kOffsetDataRate = 14;

std::uint8_t convention_bit(iso7816::Convention convention) {
    return convention == iso7816::Convention::inverse ? 0x02 : 0x00;
}

std::vector<std::uint32_t> usable_clocks(const ReaderRateLimits& limits) {
    std::vector<std::uint32_t> clocks;
    for (const auto clock : limits.clocks_khz) {
        if (clock != 0) {
            clocks.push_back(clock);
        }
    }
    if (clocks.empty()) {
        for (const auto clock : {limits.descriptor.dwDefaultClock, limits.descriptor.dwMaximumClock}) {
            if (clock != 0) {
                clocks.push_back(clock);
            }
        }
    }
    return clocks;
}

bool within_one_percent(std::uint64_t rate, std::uint64_t listed) {
    return rate * 100 >= listed * 99 && rate * 100 <= listed * 101;
}

bool rate_supported(std::uint64_t rate, const ReaderRateLimits& limits) {
    bool listed_any = false;
    for (const auto listed : limits.data_rates_bps) {
        if (listed == 0) {
            continue;
        }
        listed_any = true;
        if (within_one_percent(rate, listed)) {
            return true;
        }
    }
    if (listed_any) {
        return false;
    }
    const std::uint64_t maximum = limits.descriptor.dwMaxDataRate;
    return maximum == 0 || rate * 100 <= maximum * 101;
}

}  // namespace

wire::Parameters default_parameters(std::uint8_t protocol, iso7816::Convention convention) {
    if (protocol == 1) {
        wire::ParametersT1 t1;
        t1.bmTCCKST1 = static_cast<std::uint8_t>(0x10 | convention_bit(convention));
        return t1;
    }
    wire::ParametersT0 t0;
    t0.bmTCCKST0 = convention_bit(convention);
    return t0;
}

wire::Parameters parameters_from_atr(const sim::AtrConfig& atr, std::uint8_t protocol,
                                     iso7816::FiDi fi_di) {
    if (protocol == 1) {
        wire::ParametersT1 t1;
        t1.bmFindexDindex = fi_di.byte();
        t1.bmTCCKST1 = static_cast<std::uint8_t>(0x10 | convention_bit(atr.convention) |
                                                 (atr.edc == iso7816::Edc::crc ? 0x01 : 0x00));
        t1.bGuardTimeT1 = atr.n;
        t1.bmWaitingIntegersT1 = static_cast<std::uint8_t>((atr.bwi & 0x0F) << 4 | (atr.cwi & 0x0F));
        t1.bIFSC = atr.ifsc;
        return t1;
    }
    wire::ParametersT0 t0;
    t0.bmFindexDindex = fi_di.byte();
    t0.bmTCCKST0 = convention_bit(atr.convention);
    t0.bGuardTimeT0 = atr.n;
    t0.bWaitingIntegerT0 = atr.wi;
    return t0;
}

iso7816::FiDi fi_di_of(const wire::Parameters& parameters) noexcept {
    return std::visit([](const auto& p) { return iso7816::FiDi::from_byte(p.bmFindexDindex); },
                      parameters);
}

bool reader_runs(iso7816::FiDi fi_di, const ReaderRateLimits& limits) {
    const auto fi = sim::wire::fi_of(fi_di.fi_index);  // ISO 7816-3 Table 7
    const auto di = sim::wire::di_of(fi_di.di_index);  // Table 8
    if (!fi || !di) {
        return false;
    }
    // Every reader runs the default Fi/Di (ISO 7816-3 8.1: Fd=372, Dd=1) after reset, whatever
    // its listed data rates say: SetParameters back to the default is always accepted.
    if (fi_di.byte() == 0x11) {
        return true;
    }
    const auto clocks = usable_clocks(limits);
    if (clocks.empty()) {
        return true;  // the reader states no clock: nothing to judge against
    }
    for (const auto clock_khz : clocks) {
        const std::uint64_t rate = std::uint64_t{clock_khz} * 1000 * *di / *fi;
        if (rate_supported(rate, limits)) {
            return true;
        }
    }
    return false;
}

ParameterVerdict check_set_parameters(ByteView message, const ReaderRateLimits& limits) {
    const auto header = wire::read_command_header(message);
    const std::uint8_t protocol = message.size() > 7 ? message[7] : 0xFF;
    if (protocol > 1 || (limits.descriptor.dwProtocols & (1u << protocol)) == 0) {
        return {std::nullopt, kOffsetFirstSpecific};
    }
    const std::size_t expected = protocol == 0 ? 5 : 7;
    if (!header || header->dwLength != expected || message.size() != 10 + expected) {
        return {std::nullopt, kOffsetDwLength};
    }
    const auto decoded = wire::read_parameters(protocol, message.subspan(wire::kHeaderSize));
    if (!decoded) {
        return {std::nullopt, kOffsetDwLength};
    }
    const iso7816::FiDi fi_di = fi_di_of(*decoded);
    if (!reader_runs(fi_di, limits)) {
        return {std::nullopt, kOffsetFindexDindex};
    }
    if (const auto* t0 = std::get_if<wire::ParametersT0>(&*decoded)) {
        if ((t0->bmTCCKST0 & ~0x02) != 0) {
            return {std::nullopt, kOffsetTcckst};
        }
        if (t0->bClockStop > 3) {
            return {std::nullopt, kOffsetClockStop};
        }
        return {decoded, 0};
    }
    const auto& t1 = std::get<wire::ParametersT1>(*decoded);
    if ((t1.bmTCCKST1 & ~0x03) != 0x10) {
        return {std::nullopt, kOffsetTcckst};
    }
    if ((t1.bmWaitingIntegersT1 >> 4) > 9) {
        return {std::nullopt, kOffsetWaitingIntegers};
    }
    if (t1.bClockStop > 3) {
        return {std::nullopt, kOffsetClockStop};
    }
    if (t1.bIFSC == 0x00 || t1.bIFSC == 0xFF) {
        return {std::nullopt, kOffsetIfsc};
    }
    if (t1.bNadValue != 0 && (limits.descriptor.dwFeatures & transport::kFeatureNadOtherThan00) == 0) {
        return {std::nullopt, kOffsetNad};
    }
    return {decoded, 0};
}

std::optional<std::uint8_t> check_clock_and_rate(std::uint32_t clock_khz, std::uint32_t rate_bps,
                                                 const ReaderRateLimits& limits) {
    const auto clocks = usable_clocks(limits);
    bool clock_known = clocks.empty();
    for (const auto clock : clocks) {
        clock_known = clock_known || clock == clock_khz;
    }
    if (!clock_known) {
        return kOffsetClockFrequency;
    }
    if (rate_bps == 0 || !rate_supported(rate_bps, limits)) {
        return kOffsetDataRate;
    }
    return std::nullopt;
}

}  // namespace tessera::emulator
