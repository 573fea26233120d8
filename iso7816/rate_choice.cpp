#include "iso7816/rate_choice.hpp"

#include <algorithm>
#include <functional>
#include <limits>

#include "iso7816/tables.hpp"

namespace tessera::iso7816 {

namespace {

constexpr std::uint8_t kLastProtocol = 14;
constexpr std::uint8_t kDefaultFiIndex = 1;

// f x D / F in bps, rounded down and saturated.
std::uint32_t rate_of(std::uint32_t clock_khz, std::uint16_t f, std::uint8_t d) {
    const std::uint64_t bps = std::uint64_t{clock_khz} * 1000 * d / f;
    return static_cast<std::uint32_t>(
        std::min<std::uint64_t>(bps, std::numeric_limits<std::uint32_t>::max()));
}

bool within_max(std::uint32_t clock_khz, std::uint16_t f, std::uint8_t d,
                std::uint32_t max_bps) {
    // clock x 1000 x D / F <= max x (100 + tolerance) / 100
    const std::uint64_t lhs = std::uint64_t{clock_khz} * 1000 * d * 100;
    const std::uint64_t rhs = std::uint64_t{max_bps} * f * (100 + kRateTolerancePercent);
    return lhs <= rhs;
}

bool matches_listed(std::uint32_t clock_khz, std::uint16_t f, std::uint8_t d,
                    std::uint32_t listed_bps) {
    // |clock x 1000 x D / F - listed| <= listed x tolerance / 100
    const std::uint64_t actual = std::uint64_t{clock_khz} * 1000 * d * 100;
    const std::uint64_t nominal = std::uint64_t{listed_bps} * f * 100;
    const std::uint64_t difference = actual > nominal ? actual - nominal : nominal - actual;
    return difference <= std::uint64_t{listed_bps} * f * kRateTolerancePercent;
}

bool reader_runs(const ReaderRates& reader, std::uint32_t clock_khz, std::uint16_t f,
                 std::uint8_t d) {
    if (!within_max(clock_khz, f, d, reader.max_data_rate_bps)) {
        return false;
    }
    if (reader.data_rates_bps.empty()) {
        return true;
    }
    return std::any_of(reader.data_rates_bps.begin(), reader.data_rates_bps.end(),
                       [&](std::uint32_t listed) { return matches_listed(clock_khz, f, d, listed); });
}

// The clocks the reader offers, highest first: its list, or its default and maximum
// clocks (CCID 5.1), never above dwMaximumClock.
std::vector<std::uint32_t> reader_clocks(const ReaderRates& reader) {
    std::vector<std::uint32_t> clocks = reader.clocks_khz;
    if (clocks.empty()) {
        clocks = {reader.default_clock_khz, reader.max_clock_khz};
    }
    const std::uint32_t cap = reader.max_clock_khz != 0
                                  ? std::max(reader.max_clock_khz, reader.default_clock_khz)
                                  : reader.default_clock_khz;
    std::erase_if(clocks, [cap](std::uint32_t clock) { return clock == 0 || clock > cap; });
    std::sort(clocks.begin(), clocks.end(), std::greater<>());
    clocks.erase(std::unique(clocks.begin(), clocks.end()), clocks.end());
    return clocks;
}

struct Context {
    const ReaderRates& reader;
    std::vector<std::uint32_t> clocks;  // highest first
    std::uint32_t card_fmax_khz = kDefaultFmaxKhz;
};

// The highest reader clock at which the reader runs (FI, DI) within the card's limits.
std::optional<LinkChoice> feasible(const Context& context, FiDi fi_di) {
    const auto f = fi_from_index(fi_di.fi_index);
    const auto d = di_from_index(fi_di.di_index);
    const auto fmax = fmax_khz_from_index(fi_di.fi_index);
    if (!f || !d || !fmax) {
        return std::nullopt;
    }
    const std::uint32_t limit = std::min(context.card_fmax_khz, *fmax);
    for (const std::uint32_t clock : context.clocks) {
        if (clock <= limit && reader_runs(context.reader, clock, *f, *d)) {
            return LinkChoice{0, fi_di, clock, rate_of(clock, *f, *d), true};
        }
    }
    return std::nullopt;
}

// Fd/Dd: always part of a plan, since the card is already running at it after the ATR.
// Prefers a clock at which the reader's rates include it; notes what it had to accept.
LinkChoice default_link(const Context& context, std::vector<RateNote>& notes) {
    if (auto link = feasible(context, kDefaultFiDi)) {
        return *link;
    }
    const std::uint32_t limit =
        std::min(context.card_fmax_khz, *fmax_khz_from_index(kDefaultFiIndex));
    const auto within = std::find_if(context.clocks.begin(), context.clocks.end(),
                                     [limit](std::uint32_t clock) { return clock <= limit; });
    std::uint32_t clock = 0;
    if (within != context.clocks.end()) {
        clock = *within;
    } else {
        notes.push_back(RateNote::no_clock_within_card_fmax);
        clock = context.reader.default_clock_khz != 0 ? context.reader.default_clock_khz
                                                      : context.clocks.back();
    }
    if (!reader_runs(context.reader, clock, kDefaultFi, kDefaultDi)) {
        notes.push_back(RateNote::default_rate_not_listed);
    }
    return LinkChoice{0, kDefaultFiDi, clock, rate_of(clock, kDefaultFi, kDefaultDi), true};
}

bool is_default_rate(FiDi fi_di) {
    return fi_from_index(fi_di.fi_index) == kDefaultFi && di_from_index(fi_di.di_index) == kDefaultDi;
}

// PPS1 values from Fd to Fi and Dd to Di (ISO 7816-3 9.2) with D / F <= Di / Fi, Fd/Dd
// excluded. F = Fi keeps TA1's own FI nibble (372 has two).
std::vector<FiDi> candidate_pairs(FiDi ta1) {
    const std::uint16_t card_f = *fi_from_index(ta1.fi_index);
    const std::uint8_t card_d = *di_from_index(ta1.di_index);
    std::vector<FiDi> pairs;
    for (std::uint8_t fi_index = 0; fi_index < 16; ++fi_index) {
        const auto f = fi_from_index(fi_index);
        if (!f || *f > card_f) {
            continue;
        }
        if (*f == card_f ? fi_index != ta1.fi_index : fi_index != *fi_index_of(*f)) {
            continue;
        }
        for (std::uint8_t di_index = 0; di_index < 16; ++di_index) {
            const auto d = di_from_index(di_index);
            if (!d || *d > card_d || std::uint32_t{*d} * card_f > std::uint32_t{card_d} * *f) {
                continue;
            }
            const FiDi pair{fi_index, di_index};
            if (!is_default_rate(pair)) {
                pairs.push_back(pair);
            }
        }
    }
    return pairs;
}

bool offers(std::uint16_t mask, std::uint8_t protocol) {
    return protocol <= kLastProtocol && (mask >> protocol & 1u) != 0;
}

std::vector<std::uint8_t> protocol_order(const CardRates& card, std::uint16_t requested) {
    const std::uint16_t offered =
        static_cast<std::uint16_t>(card.offered_protocols | (1u << card.first_offered_protocol));
    std::vector<std::uint8_t> order;
    if (offers(requested, card.first_offered_protocol)) {
        order.push_back(card.first_offered_protocol);
    }
    for (std::uint8_t protocol = 0; protocol <= kLastProtocol; ++protocol) {
        if (protocol != card.first_offered_protocol && offers(requested, protocol) &&
            offers(offered, protocol)) {
            order.push_back(protocol);
        }
    }
    return order;
}

void note_reader_minimums(const ReaderRates& reader, std::vector<RateNote>& notes) {
    std::uint32_t highest = std::max(reader.default_clock_khz, reader.max_clock_khz);
    for (const std::uint32_t clock : reader.clocks_khz) {
        highest = std::max(highest, clock);
    }
    if (std::uint64_t{highest} * 10 < kMinimumClockKhzTimes10) {
        notes.push_back(RateNote::reader_clock_below_minimum);
    }
    if (reader.max_data_rate_bps < kMinimumDataRateBps) {
        notes.push_back(RateNote::reader_rate_below_minimum);
    }
}

Result<RatePlan> plan_specific(const CardRates& card, const Context& context,
                               const RateRequest& request, RatePlan plan) {
    // ISO 7816-3 8.3 (TA2) and 6.3.1: no PPS in specific mode.
    const SpecificMode mode = *card.specific;
    if (mode.protocol > kLastProtocol) {
        return RateChoiceError::invalid_protocol;
    }
    const FiDi fi_di = card.ta1.value_or(kDefaultFiDi);
    std::optional<RateNote> obstacle;
    std::optional<LinkChoice> link;
    if (mode.implicit_parameters) {
        obstacle = RateNote::specific_implicit_parameters;
    } else if (is_default_rate(fi_di)) {
        link = default_link(context, plan.notes);
        link->fi_di = fi_di;
    } else if (!(link = feasible(context, fi_di))) {
        obstacle = RateNote::specific_parameters_unsupported;
    }
    if (!obstacle && !offers(request.protocols, mode.protocol)) {
        obstacle = RateNote::specific_protocol_not_requested;
    }
    if (!obstacle) {
        link->protocol = mode.protocol;
        link->pps_needed = false;
        plan.kind = PlanKind::use_specific;
        plan.candidates.push_back(*link);
        return plan;
    }
    if (mode.can_change && !request.warm_reset_done) {
        plan.kind = PlanKind::warm_reset;
        plan.notes.push_back(*obstacle);
        return plan;
    }
    switch (*obstacle) {
        case RateNote::specific_implicit_parameters:
            return RateChoiceError::specific_implicit_parameters;
        case RateNote::specific_parameters_unsupported:
            return RateChoiceError::specific_parameters_unsupported;
        default:
            return RateChoiceError::specific_protocol_not_requested;
    }
}

}  // namespace

const char* describe(RateChoiceError error) {
    switch (error) {
        case RateChoiceError::ok_is_never_used:
            return "no error";
        case RateChoiceError::no_common_protocol:
            return "the card offers none of the requested protocols";
        case RateChoiceError::invalid_protocol:
            return "protocol T=15 or more";
        case RateChoiceError::reserved_fi:
            return "reserved FI in TA1";
        case RateChoiceError::reserved_di:
            return "reserved DI in TA1";
        case RateChoiceError::reader_without_clock:
            return "the reader states no clock frequency";
        case RateChoiceError::specific_protocol_not_requested:
            return "specific mode imposes a protocol not requested, and can not be left";
        case RateChoiceError::specific_parameters_unsupported:
            return "specific mode imposes F/D the reader can not run, and can not be left";
        case RateChoiceError::specific_implicit_parameters:
            return "specific mode with implicit F/D, and can not be left";
    }
    return "unknown rate choice error";
}

const char* describe(RateNote note) {
    switch (note) {
        case RateNote::reader_clock_below_minimum:
            return "reader clock below 3.5795 MHz";
        case RateNote::reader_rate_below_minimum:
            return "reader data rate below 9600 bps";
        case RateNote::card_ta1_not_reachable:
            return "the card's TA1 rate is beyond this reader";
        case RateNote::default_rate_not_listed:
            return "Fd/Dd rate not among the reader's data rates";
        case RateNote::no_clock_within_card_fmax:
            return "every reader clock exceeds the card's fmax";
        case RateNote::specific_implicit_parameters:
            return "specific mode with implicit F/D";
        case RateNote::specific_parameters_unsupported:
            return "specific mode F/D beyond this reader";
        case RateNote::specific_protocol_not_requested:
            return "specific mode protocol not requested";
    }
    return "unknown rate note";
}

LinkRate LinkChoice::link_rate() const {
    const std::uint64_t hz = std::uint64_t{clock_khz} * 1000;
    return LinkRate{static_cast<std::uint32_t>(
                        std::min<std::uint64_t>(hz, std::numeric_limits<std::uint32_t>::max())),
                    fi_from_index(fi_di.fi_index).value_or(kDefaultFi),
                    di_from_index(fi_di.di_index).value_or(kDefaultDi)};
}

bool RatePlan::has(RateNote note) const {
    return std::find(notes.begin(), notes.end(), note) != notes.end();
}

Result<RatePlan> choose_rates(const CardRates& card, const ReaderRates& reader,
                              const RateRequest& request) {
    const FiDi ta1 = card.ta1.value_or(kDefaultFiDi);
    if (!fi_from_index(ta1.fi_index)) {
        return RateChoiceError::reserved_fi;
    }
    if (!di_from_index(ta1.di_index)) {
        return RateChoiceError::reserved_di;
    }
    if (card.first_offered_protocol > kLastProtocol) {
        return RateChoiceError::invalid_protocol;
    }
    Context context{reader, reader_clocks(reader),
                    card.fmax_khz.value_or(*fmax_khz_from_index(ta1.fi_index))};
    if (context.clocks.empty()) {
        return RateChoiceError::reader_without_clock;
    }
    RatePlan plan;
    plan.host_sends_pps = reader.pps_by == PpsBy::host;
    note_reader_minimums(reader, plan.notes);
    if (card.specific) {
        return plan_specific(card, context, request, std::move(plan));
    }

    // ISO 7816-3 9: negotiable mode.
    const std::vector<std::uint8_t> protocols = protocol_order(card, request.protocols);
    if (protocols.empty()) {
        return RateChoiceError::no_common_protocol;
    }
    const LinkChoice fallback = default_link(context, plan.notes);
    std::vector<LinkChoice> faster;
    for (const FiDi pair : candidate_pairs(ta1)) {
        auto link = feasible(context, pair);
        if (link && link->bps > fallback.bps) {
            faster.push_back(*link);
        } else if (pair == ta1) {
            plan.notes.push_back(RateNote::card_ta1_not_reachable);
        }
    }
    std::sort(faster.begin(), faster.end(), [&](const LinkChoice& a, const LinkChoice& b) {
        if (a.bps != b.bps) {
            return a.bps > b.bps;
        }
        if ((a.fi_di == ta1) != (b.fi_di == ta1)) {
            return a.fi_di == ta1;
        }
        return a.fi_di.byte() < b.fi_di.byte();
    });
    if (faster.size() > request.max_pps_candidates) {
        faster.resize(request.max_pps_candidates);
    }

    for (const std::uint8_t protocol : protocols) {
        for (LinkChoice link : faster) {
            link.protocol = protocol;
            plan.candidates.push_back(link);
        }
        LinkChoice last = fallback;
        last.protocol = protocol;
        last.pps_needed = protocol != card.first_offered_protocol;
        plan.candidates.push_back(last);
        if (!last.pps_needed) {
            break;
        }
    }
    return plan;
}

bool may_send_pps(const CardRates& card, std::size_t exchanges_since_atr) noexcept {
    // ISO 7816-3 9.1
    return !card.specific && exchanges_since_atr == 0;
}

PpsRequest pps_request_for(const LinkChoice& candidate) {
    PpsRequest request;
    request.protocol = candidate.protocol;
    if (!is_default_rate(candidate.fi_di)) {
        request.pps1 = candidate.fi_di;
    }
    return request;
}

LinkChoice link_after_pps(const RatePlan& plan, const LinkChoice& tried,
                          const PpsOutcome& outcome) {
    // ISO 7816-3 9.3
    LinkChoice link = tried;
    link.protocol = outcome.protocol;
    if (outcome.pps1_echoed) {
        return link;
    }
    link.fi_di = kDefaultFiDi;
    link.bps = rate_of(link.clock_khz, kDefaultFi, kDefaultDi);
    for (const LinkChoice& candidate : plan.candidates) {
        if (candidate.protocol == outcome.protocol && is_default_rate(candidate.fi_di)) {
            link.clock_khz = candidate.clock_khz;
            link.bps = candidate.bps;
            break;
        }
    }
    return link;
}

}  // namespace tessera::iso7816
