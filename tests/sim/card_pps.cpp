#include "tests/sim/card_pps.hpp"

#include <utility>


namespace tessera::sim {

using iso7816::FiDi;
using wire::Pps;

namespace {

// ISO 7816-3 9.3: the card echoes the request, leaving out what it does not keep.
Bytes pps_response(Pps request, bool keep_pps1, bool keep_pps2, bool keep_pps3) {
    if (!keep_pps1) {
        request.pps1.reset();
    }
    if (!keep_pps2) {
        request.pps2.reset();
    }
    if (!keep_pps3) {
        request.pps3.reset();
    }
    return wire::write_pps(request);
}

FiDi pps1_or_default(const Pps& request) {
    return request.pps1 ? FiDi::from_byte(*request.pps1) : iso7816::kDefaultFiDi;
}

}  // namespace

CardPps::CardPps(CardPpsConfig config) : config_(std::move(config)) { cold_reset(); }

void CardPps::restart(bool specific) {
    specific_ = specific;
    pps_window_open_ = !specific;
    link_ = CardLink{config_.first_offered_protocol, iso7816::kDefaultFiDi};
    if (specific) {
        // ISO 7816-3 8.3, TA2: its protocol, and TA1's F/D unless b5 says implicit.
        const auto mode = iso7816::SpecificMode::from_ta2(*config_.ta2);
        link_ = CardLink{mode.protocol, mode.implicit_parameters ? config_.implicit_fi_di
                                                                 : config_.ta1};
    }
}

void CardPps::cold_reset() { restart(config_.ta2.has_value()); }

void CardPps::warm_reset() {
    const bool stays_specific =
        config_.ta2 && !iso7816::SpecificMode::from_ta2(*config_.ta2).can_change;
    restart(stays_specific);
}

bool CardPps::supports(const Pps& request) const {
    if (!request.pps1) {
        return true;
    }
    const FiDi wanted = FiDi::from_byte(*request.pps1);
    const FiDi limit = config_.fastest_supported.value_or(config_.ta1);
    const auto f = wire::fi_of(wanted.fi_index);
    const auto d = wire::di_of(wanted.di_index);
    const auto f_limit = wire::fi_of(limit.fi_index);
    const auto d_limit = wire::di_of(limit.di_index);
    if (!f || !d || !f_limit || !d_limit) {
        return false;
    }
    // ISO 7816-3 9.2: F from Fd to Fi, D from Dd to Di; and no shorter etu than its own.
    return *f <= *f_limit && *d <= *d_limit &&
           std::uint32_t{*d} * *f_limit <= std::uint32_t{*d_limit} * *f;
}

Bytes CardPps::answer_pps(ByteView request_bytes) {
    ++pps_requests_;
    const bool window_was_open = pps_window_open_;
    pps_window_open_ = false;
    auto parsed = wire::read_pps(request_bytes);
    // ISO 7816-3 9.1: no answer to an erroneous request, nor outside the PPS window.
    if (!window_was_open || !parsed) {
        return {};
    }
    Pps request = *parsed;
    const bool offered = request.protocol <= 14 &&
                         (request.protocol == config_.first_offered_protocol ||
                          (config_.offered_protocols >> request.protocol & 1u) != 0);
    Bytes answer;
    switch (config_.behaviour) {
        case PpsBehaviour::refuse:
            return {};
        case PpsBehaviour::garbage:
            answer = config_.garbage.empty() ? Bytes{0x12, 0x34, 0x56} : config_.garbage;
            break;
        case PpsBehaviour::partial:
            if (!offered) {
                return {};
            }
            answer = pps_response(request, false, false, false);
            link_ = CardLink{request.protocol, iso7816::kDefaultFiDi};
            break;
        case PpsBehaviour::wrong_pck:
            answer = pps_response(request, true, true, true);
            answer.back() ^= 0x5A;
            link_ = CardLink{request.protocol, pps1_or_default(request)};
            break;
        case PpsBehaviour::other_protocol:
            request.protocol ^= 0x01;
            answer = pps_response(request, true, true, true);
            link_ = CardLink{request.protocol, pps1_or_default(request)};
            break;
        case PpsBehaviour::accept:
            if (!offered) {
                return {};
            }
            if (!supports(request)) {
                if (config_.unsupported == UnsupportedAnswer::no_answer) {
                    return {};
                }
                answer = pps_response(request, false, config_.echoes_pps2, false);
                link_ = CardLink{request.protocol, iso7816::kDefaultFiDi};
                break;
            }
            // ISO 7816-3 9.3
            answer = pps_response(request, true, config_.echoes_pps2, false);
            link_ = CardLink{request.protocol, pps1_or_default(request)};
            break;
    }
    ++answers_;
    return answer;
}

iso7816::CardRates CardPps::atr_rates() const {
    iso7816::CardRates rates;
    if (config_.ta1 != iso7816::kDefaultFiDi) {
        rates.ta1 = config_.ta1;
    }
    if (specific_) {
        rates.specific = iso7816::SpecificMode::from_ta2(*config_.ta2);
    }
    rates.offered_protocols = config_.offered_protocols;
    rates.first_offered_protocol = config_.first_offered_protocol;
    return rates;
}

}  // namespace tessera::sim
