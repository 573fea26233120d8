#include "tests/emulator/model/automatic_negotiation.hpp"

#include <vector>

#include "tests/sim/wire/pps_wire.hpp"
#include "tests/sim/wire/t1_frame.hpp"

namespace tessera::emulator {
namespace {

sim::wire::Edc card_edc(const sim::Card& card) {
    return card.config().atr.edc == iso7816::Edc::crc ? sim::wire::Edc::crc : sim::wire::Edc::lrc;
}

// One PPS exchange (ISO 7816-3 9.2, 9.3): the link it agreed, or nullopt when the card
// did not answer or answered wrongly.
std::optional<AgreedLink> run_pps(sim::Card& card, const sim::wire::Pps& request) {
    const Bytes answer = card.answer_pps(sim::wire::write_pps(request));
    const auto result = sim::wire::judge_pps_response(request, answer);
    if (!result) {
        return std::nullopt;
    }
    return AgreedLink{result->protocol, iso7816::FiDi::from_byte(result->fi_di)};
}

bool reader_has(const ReaderRateLimits& limits, std::uint8_t protocol) {
    return protocol < 2 && (limits.descriptor.dwProtocols >> protocol & 1u) != 0;  // CCID 5.1
}

// The protocol the reader asks for: the card's first offered one (its default, TD1) when
// the reader runs it, else the first other offered one it runs.
std::optional<std::uint8_t> chosen_protocol(const iso7816::CardRates& card, const ReaderRateLimits& limits) {
    if (reader_has(limits, card.first_offered_protocol)) {
        return card.first_offered_protocol;
    }
    for (std::uint8_t protocol = 0; protocol < 2; ++protocol) {
        if ((card.offered_protocols >> protocol & 1u) != 0 && reader_has(limits, protocol)) {
            return protocol;
        }
    }
    return std::nullopt;
}

}  // namespace

// The model's own rule, simpler than a driver's rate choice: the card's TA1 when the
// reader runs it, else Fd / Dd (ISO 7816-3 8.3, Tables 7 and 8: the rate is
// f x Di / Fi, judged by reader_runs()).
std::optional<AgreedLink> negotiate_fastest_link(sim::Card& card, const ReaderRateLimits& limits) {
    auto rates = card.atr_rates();
    if (rates.specific) {
        // ISO 7816-3 8.3 TA2: specific mode, the card's protocol at TA1 (or its implicit
        // values, which the reader takes as Fd / Dd).
        const AgreedLink specific{rates.specific->protocol,
                                  rates.specific->implicit_parameters ? iso7816::kDefaultFiDi
                                                                      : rates.ta1.value_or(iso7816::kDefaultFiDi)};
        if (reader_has(limits, specific.protocol) && reader_runs(specific.fi_di, limits)) {
            return specific;
        }
        if (!rates.specific->can_change) {
            return std::nullopt;
        }
        card.warm_reset();  // 6.3.1: TA2 b8 = 0, the card comes back negotiable
        rates = card.atr_rates();
        if (rates.specific) {
            return std::nullopt;
        }
    }
    const auto protocol = chosen_protocol(rates, limits);
    if (!protocol) {
        return std::nullopt;
    }
    std::vector<iso7816::FiDi> candidates;
    if (rates.ta1 && !(*rates.ta1 == iso7816::kDefaultFiDi) && reader_runs(*rates.ta1, limits)) {
        candidates.push_back(*rates.ta1);
    }
    candidates.push_back(iso7816::kDefaultFiDi);
    for (const auto fi_di : candidates) {
        const bool defaults = fi_di == iso7816::kDefaultFiDi;
        if (defaults && *protocol == rates.first_offered_protocol) {
            return AgreedLink{*protocol, fi_di};  // 9.1: no PPS needed for the defaults
        }
        sim::wire::Pps request;
        request.protocol = *protocol;
        if (!defaults) {
            request.pps1 = fi_di.byte();
        }
        if (const auto link = run_pps(card, request)) {
            return link;
        }
        card.cold_reset();  // ISO 7816-3 9.3: a refused PPS ends in a new reset
    }
    return std::nullopt;
}

bool request_link(sim::Card& card, AgreedLink wanted) {
    sim::wire::Pps request;
    request.protocol = wanted.protocol;
    if (!(wanted.fi_di == iso7816::kDefaultFiDi)) {
        request.pps1 = wanted.fi_di.byte();
    }
    const auto link = run_pps(card, request);
    if (link && link->protocol == wanted.protocol && link->fi_di == wanted.fi_di) {
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
