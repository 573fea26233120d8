#include "card_negotiation.hpp"

#include <doctest/doctest.h>

#include <cstdint>

#include "iso7816/convention.hpp"
#include "iso7816/pps.hpp"

namespace tessera::card_test {

using iso7816::FiDi;
using iso7816::LinkChoice;
using iso7816::PlanKind;
using sim::Card;
using sim::CardLink;

iso7816::Atr read_atr(const Bytes& wire) {
    REQUIRE_FALSE(wire.empty());
    const auto convention = iso7816::convention_from_raw_ts(wire.front());
    REQUIRE(convention.has_value());
    auto atr = iso7816::parse_atr(iso7816::convert_for_convention(wire, *convention));
    REQUIRE(atr.has_value());
    CHECK(atr->convention == *convention);
    return *atr;
}

iso7816::CardRates rates_of(const iso7816::Atr& atr) {
    iso7816::CardRates rates;
    if (const auto ta1 = atr.ta(1)) {
        rates.ta1 = FiDi::from_byte(*ta1);
    }
    rates.specific = atr.specific_mode;
    rates.offered_protocols = 0;
    for (const std::uint8_t protocol : atr.protocols) {
        rates.offered_protocols = static_cast<std::uint16_t>(rates.offered_protocols | 1u << protocol);
    }
    rates.first_offered_protocol = atr.default_protocol;
    return rates;
}

Negotiation negotiate(Card& card, const iso7816::ReaderRates& reader,
                      iso7816::RateRequest request) {
    Negotiation result;
    card.cold_reset();
    result.atrs.push_back(card.atr_wire());
    result.atr = read_atr(result.atrs.back());
    auto plan = iso7816::choose_rates(rates_of(result.atr), reader, request);
    if (plan && plan->kind == PlanKind::warm_reset) {
        card.warm_reset();
        result.warm_reset = true;
        result.atrs.push_back(card.atr_wire());
        result.atr = read_atr(result.atrs.back());
        request.warm_reset_done = true;
        plan = iso7816::choose_rates(rates_of(result.atr), reader, request);
    }
    if (!plan) {
        result.error = plan.error();
        return result;
    }
    if (plan->kind == PlanKind::use_specific) {
        result.link = plan->candidates.front();
        return result;
    }
    for (std::size_t i = 0; i < plan->candidates.size(); ++i) {
        if (i > 0) {
            card.cold_reset();
            ++result.cold_resets;
            result.atrs.push_back(card.atr_wire());
            result.atr = read_atr(result.atrs.back());
        }
        const LinkChoice& candidate = plan->candidates[i];
        if (!candidate.pps_needed) {
            result.link = candidate;
            return result;
        }
        REQUIRE(card.pps_window_open());
        const iso7816::PpsRequest pps = iso7816::pps_request_for(candidate);
        const auto bytes = iso7816::build_pps_request(pps);
        REQUIRE(bytes.has_value());
        result.requests.push_back(*bytes);
        result.answers.push_back(card.answer_pps(*bytes));
        const auto outcome = iso7816::validate_pps_response(pps, result.answers.back());
        if (outcome) {
            result.link = iso7816::link_after_pps(*plan, candidate, *outcome);
            return result;
        }
        result.faults.push_back(outcome.error());
    }
    return result;
}

CardLink card_view(const LinkChoice& link) { return CardLink{link.protocol, link.fi_di}; }

}  // namespace tessera::card_test
