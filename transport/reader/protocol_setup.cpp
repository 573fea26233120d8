#include "transport/reader/protocol_setup.hpp"

#include <algorithm>

namespace tessera::reader {

using transport::ExchangeLevel;

SetupPolicy setup_policy(const transport::ReaderCapabilities& caps) {
    const transport::Features& f = caps.features;
    const bool apdu_level = caps.exchange_level == ExchangeLevel::short_apdu ||
                            caps.exchange_level == ExchangeLevel::extended_apdu;
    SetupPolicy policy;
    policy.reader_negotiates_alone = f.automatic_parameter_negotiation;
    policy.reader_runs_pps = !f.automatic_parameter_negotiation && f.automatic_pps;
    policy.host_sends_pps = !apdu_level && !f.automatic_parameter_negotiation && !f.automatic_pps;
    policy.send_set_parameters = !f.automatic_parameter_negotiation;
    policy.skip_set_parameters_at_defaults = f.automatic_parameter_configuration;
    policy.may_set_clock = !f.automatic_clock && !f.automatic_baud_rate &&
                           !f.automatic_parameter_negotiation &&
                           caps.descriptor.bNumClockSupported > 0;
    policy.host_requests_ifsd = !apdu_level && !f.automatic_ifsd_exchange;
    return policy;
}

iso7816::ReaderRates reader_rates(const transport::ReaderCapabilities& caps,
                                  const SetupPolicy& policy) {
    iso7816::ReaderRates rates;
    rates.default_clock_khz = caps.default_clock_khz;
    rates.max_clock_khz = caps.max_clock_khz;
    rates.max_data_rate_bps = caps.max_data_rate_bps;
    rates.data_rates_bps = caps.data_rates_bps;
    rates.clocks_khz = caps.clocks_khz;
    rates.pps_by = policy.host_sends_pps ? iso7816::PpsBy::host : iso7816::PpsBy::reader;
    return rates;
}

iso7816::CardRates card_rates(const CardParameters& card) {
    iso7816::CardRates rates;
    if (card.ta1) rates.ta1 = iso7816::FiDi::from_byte(*card.ta1);
    rates.fmax_khz = card.fmax_khz;
    if (card.ta2) rates.specific = iso7816::SpecificMode::from_ta2(*card.ta2);
    rates.offered_protocols = card.offered_protocols;
    rates.first_offered_protocol = card.default_protocol;
    return rates;
}

std::vector<iso7816::LinkChoice> usable_candidates(const iso7816::RatePlan& plan,
                                                   const SetupPolicy& policy) {
    if (plan.candidates.empty()) return {};
    if (policy.can_change_rates() || plan.kind == iso7816::PlanKind::use_specific) {
        return plan.candidates;
    }
    const auto without_pps = std::find_if(plan.candidates.begin(), plan.candidates.end(),
                                          [](const auto& c) { return !c.pps_needed; });
    if (without_pps != plan.candidates.end()) return {*without_pps};
    const auto at_defaults = std::find_if(plan.candidates.begin(), plan.candidates.end(),
                                          [](const auto& c) { return c.fi_di == iso7816::kDefaultFiDi; });
    if (at_defaults != plan.candidates.end()) return {*at_defaults};
    return {plan.candidates.back()};
}

bool needs_set_parameters(const SetupPolicy& policy, const iso7816::LinkChoice& link) {
    if (!policy.send_set_parameters) return false;
    if (policy.skip_set_parameters_at_defaults && !link.pps_needed) return false;
    return true;
}

transport::ProtocolData protocol_data_for(const CardParameters& card,
                                          const iso7816::LinkChoice& link) {
    if (link.protocol == 1) {
        transport::ProtocolDataT1 t1;  // CCID 6.1.7, bProtocolNum 1
        t1.bmFindexDindex = link.fi_di.byte();
        t1.bmTCCKST1 = static_cast<std::uint8_t>(0x10 | (card.inverse_convention ? 0x02 : 0x00) |
                                                 (card.crc ? 0x01 : 0x00));
        t1.bGuardTimeT1 = card.n;
        t1.bmWaitingIntegersT1 = static_cast<std::uint8_t>((card.bwi << 4) | (card.cwi & 0x0F));
        t1.bClockStop = 0x00;
        t1.bIFSC = card.ifsc;
        t1.bNadValue = 0x00;
        return t1;
    }
    transport::ProtocolDataT0 t0;  // CCID 6.1.7, bProtocolNum 0
    t0.bmFindexDindex = link.fi_di.byte();
    t0.bmTCCKST0 = card.inverse_convention ? 0x02 : 0x00;
    t0.bGuardTimeT0 = card.n;
    t0.bWaitingIntegerT0 = card.wi;
    t0.bClockStop = 0x00;
    return t0;
}

std::uint8_t t1_inf_bound(const transport::MessageLimits& limits, t1::EdcType edc) {
    const std::size_t overhead = t1::kPrologueSize + (edc == t1::EdcType::crc ? 2 : 1);
    const std::size_t data = limits.max_data_length();
    const std::size_t inf = data > overhead ? data - overhead : 1;
    return static_cast<std::uint8_t>(std::clamp<std::size_t>(inf, 1, t1::kMaxInfSize));
}

}  // namespace tessera::reader
