#include "tests/emulator/model/automatic_negotiation.hpp"

#include <vector>

#include "iso7816/rate_choice.hpp"
#include "tests/sim/wire/t1_frame.hpp"

namespace tessera::emulator {
namespace {

iso7816::ReaderRates reader_rates(const ReaderRateLimits& limits) {
    iso7816::ReaderRates rates;
    rates.default_clock_khz = limits.descriptor.dwDefaultClock;
    rates.max_clock_khz = limits.descriptor.dwMaximumClock;
    rates.max_data_rate_bps = limits.descriptor.dwMaxDataRate;
    for (const auto clock : limits.clocks_khz) {
        if (clock != 0) {
            rates.clocks_khz.push_back(clock);
        }
    }
    for (const auto rate : limits.data_rates_bps) {
        if (rate != 0) {
            rates.data_rates_bps.push_back(rate);
        }
    }
    rates.pps_by = iso7816::PpsBy::reader;
    return rates;
}

sim::wire::Edc card_edc(const sim::Card& card) {
    return card.config().atr.edc == iso7816::Edc::crc ? sim::wire::Edc::crc : sim::wire::Edc::lrc;
}

// One PPS exchange (ISO 7816-3 9.2, 9.3): the outcome, or nullopt when the card did not
// answer or answered wrongly.
std::optional<iso7816::PpsOutcome> run_pps(sim::Card& card, const iso7816::PpsRequest& request) {
    const auto bytes = iso7816::build_pps_request(request);
    if (!bytes) {
        return std::nullopt;
    }
    const Bytes answer = card.answer_pps(*bytes);
    auto outcome = iso7816::validate_pps_response(request, answer);
    if (!outcome) {
        return std::nullopt;
    }
    return *outcome;
}

}  // namespace

std::optional<AgreedLink> negotiate_fastest_link(sim::Card& card, const ReaderRateLimits& limits) {
    iso7816::RateRequest request;
    request.protocols = static_cast<std::uint16_t>(limits.descriptor.dwProtocols & 0x0003);
    const auto rates = reader_rates(limits);
    auto plan = iso7816::choose_rates(card.atr_rates(), rates, request);
    if (plan && plan->kind == iso7816::PlanKind::warm_reset) {
        card.warm_reset();
        request.warm_reset_done = true;
        plan = iso7816::choose_rates(card.atr_rates(), rates, request);
    }
    if (!plan || plan->candidates.empty() || plan->kind == iso7816::PlanKind::warm_reset) {
        return std::nullopt;
    }
    if (plan->kind == iso7816::PlanKind::use_specific) {
        const auto& only = plan->candidates.front();
        return AgreedLink{only.protocol, only.fi_di};
    }
    for (const auto& candidate : plan->candidates) {
        if (!candidate.pps_needed) {
            return AgreedLink{candidate.protocol, candidate.fi_di};
        }
        const auto pps = iso7816::pps_request_for(candidate);
        if (const auto outcome = run_pps(card, pps)) {
            const auto link = iso7816::link_after_pps(*plan, candidate, *outcome);
            return AgreedLink{link.protocol, link.fi_di};
        }
        card.cold_reset();  // ISO 7816-3 9.3: a refused PPS ends in a new reset
    }
    return std::nullopt;
}

bool request_link(sim::Card& card, AgreedLink wanted) {
    iso7816::PpsRequest request;
    request.protocol = wanted.protocol;
    if (!(wanted.fi_di == iso7816::kDefaultFiDi)) {
        request.pps1 = wanted.fi_di;
    }
    const auto outcome = run_pps(card, request);
    if (outcome && outcome->protocol == wanted.protocol && outcome->fi_di == wanted.fi_di) {
        return true;
    }
    card.cold_reset();
    return false;
}

bool exchange_ifsd(sim::Card& card, std::uint8_t ifsd) {
    const sim::wire::Edc edc = card_edc(card);
    const auto request = sim::wire::Block::s_block(0, sim::wire::SKind::ifs, false, ifsd);
    const auto answer = card.t1_block(sim::wire::write_block(request, edc));
    if (!answer) {
        return false;
    }
    const auto block = sim::wire::read_block(*answer, edc).block;
    return block && block->is_s(sim::wire::SKind::ifs, true) && block->inf.size() == 1 &&
           block->s_value() == ifsd;
}

}  // namespace tessera::emulator
