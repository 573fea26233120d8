// Slot protocol setup: the decision of protocol_setup.hpp carried out with PPS
// (ISO/IEC 7816-3:2006 9), PC_to_RDR_SetParameters (CCID 6.1.7) and
// PC_to_RDR_SetDataRateAndClockFrequency (6.1.14), with the fallbacks of choose_rates().
#include <algorithm>

#include "iso7816/tables.hpp"
#include "transport/ccid_error.hpp"
#include "transport/reader/host_pps.hpp"
#include "transport/reader/reader_context.hpp"
#include "transport/reader/reader_error.hpp"
#include "transport/reader/slot.hpp"
#include "transport/reader/slot_xfr.hpp"

namespace tessera::reader {

using iso7816::LinkChoice;

Result<ActiveLink> Slot::select_protocol(std::uint16_t protocols) {
    std::lock_guard command_lock(context_.command_mutex);
    auto link = select_protocol_locked(protocols);
    if (!link) return fail(link.error());
    return link;
}

Result<ActiveLink> Slot::select_protocol_locked(std::uint16_t protocols) {
    if (!powered_ || !parsed_atr_) return ReaderError::card_inactive;
    if (card_removed_since_power_on()) {
        forget_card();
        return ReaderError::no_card;
    }
    protocols_ = protocols;
    const SetupPolicy policy = setup_policy(context_.caps);
    if (exchanges_since_atr_ > 0 && policy.host_sends_pps) {
        auto atr = reactivate(true);  // 9.1: a PPS only right after an ATR
        if (!atr) return atr.error();
    }
    iso7816::RateRequest request;
    request.protocols = protocols;
    request.max_pps_candidates = context_.options.max_pps_candidates;
    const iso7816::ReaderRates rates = reader_rates(context_.caps, policy);
    auto plan = iso7816::choose_rates(card_rates(*parsed_atr_), rates, request);
    if (plan && plan->kind == iso7816::PlanKind::warm_reset) {
        auto atr = reactivate(false);  // TA2 b8 = 0: a warm reset leaves specific mode
        if (!atr) return atr.error();
        request.warm_reset_done = true;
        plan = iso7816::choose_rates(card_rates(*parsed_atr_), rates, request);
        if (plan && plan->kind == iso7816::PlanKind::warm_reset) return ReaderError::not_supported;
    }
    if (!plan) return plan.error();
    if (policy.reader_negotiates_alone) {
        if (const auto negotiated = link_in_force(protocols)) {
            ActiveLink active = prepare_engines(*negotiated, policy);
            std::lock_guard lock(state_mutex_);
            link_ = active;
            return active;
        }
    }
    return try_candidates(*plan, policy);
}

// A reader that negotiates alone (dwFeatures 0x40) tells what it chose through
// PC_to_RDR_GetParameters (CCID 6.1.5, answered by RDR_to_PC_Parameters 6.2.3).
std::optional<LinkChoice> Slot::link_in_force(std::uint16_t protocols) {
    auto answer = command(
        [&](transport::Address address) {
            return transport::encode_get_parameters(context_.limits, address);
        },
        context_.options.status_timeout);
    if (!answer || answer->failed() || !answer->abProtocolDataStructure) return std::nullopt;
    const transport::ProtocolData& data = *answer->abProtocolDataStructure;
    LinkChoice link;
    link.protocol = transport::protocol_num(data);
    if ((protocols & (1u << link.protocol)) == 0) return std::nullopt;
    link.fi_di = iso7816::FiDi::from_byte(std::visit([](const auto& d) { return d.bmFindexDindex; }, data));
    if (!iso7816::fi_from_index(link.fi_di.fi_index) || !iso7816::di_from_index(link.fi_di.di_index)) {
        return std::nullopt;
    }
    link.clock_khz = context_.caps.default_clock_khz;
    link.pps_needed = false;
    link.bps = iso7816::bits_per_second(link.link_rate());
    return link;
}

namespace {

// The card answers a PPS within WT at the initial rate (ISO 7816-3 9.1, 10.2); six
// characters at most.
std::chrono::milliseconds pps_timeout(const transport::ReaderCapabilities& caps,
                                      const CardParameters& card, std::chrono::milliseconds overhead) {
    const iso7816::LinkRate initial{std::max<std::uint32_t>(caps.default_clock_khz, 1) * 1000u,
                                    iso7816::kDefaultFi, iso7816::kDefaultDi};
    return usb_timeout(iso7816::t0_waiting_time(initial, card.wi) * 2 +
                           iso7816::etu_duration(initial, 12 * iso7816::kPpsMaxLength * 2),
                       overhead);
}

// bmFindexDindex in PC_to_RDR_SetParameters: the first byte of abProtocolDataStructure,
// after the 10-byte header (CCID 6.1.7); a reader refusing it answers bError 0x0A (6.2.6).
constexpr std::uint8_t kFindexDindexOffset = 10;

}  // namespace

Result<ActiveLink> Slot::try_candidates(const iso7816::RatePlan& plan, const SetupPolicy& policy) {
    const std::vector<LinkChoice> candidates = usable_candidates(plan, policy);
    if (candidates.empty()) return ReaderError::not_supported;
    const transport::MessageLimits& limits = context_.limits;
    Xfr xfr(*this);
    std::error_code last = ReaderError::protocol_error;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const LinkChoice& candidate = candidates[i];
        if (i > 0) {
            auto atr = reactivate(true);  // 9.3: after a refused PPS, reset the card
            if (!atr) return atr.error();
        }
        LinkChoice link = candidate;
        bool pps_sent = false;
        if (policy.host_sends_pps && candidate.pps_needed) {
            const auto timeout = pps_timeout(context_.caps, *parsed_atr_, context_.options.command_overhead);
            auto outcome = exchange_pps(xfr, context_.caps.exchange_level,
                                        iso7816::pps_request_for(candidate), timeout);
            ++exchanges_since_atr_;
            if (!outcome) {
                if (!is_card_pps_refusal(outcome.error())) return outcome.error();
                last = outcome.error();
                continue;
            }
            link = iso7816::link_after_pps(plan, candidate, *outcome);
            pps_sent = true;
        }
        if (pps_sent || needs_set_parameters(policy, link)) {
            const transport::ProtocolData data = protocol_data_for(*parsed_atr_, link);
            auto answer = command(
                [&](transport::Address address) {
                    return transport::encode_set_parameters(limits, address, data);  // 6.1.7
                },
                context_.options.power_on_timeout);
            if (!answer) return answer.error();
            if (!answer->card_present()) return ReaderError::no_card;
            if (answer->failed()) {
                last = answer->slot_error();
                const bool refused_by_card = policy.reader_runs_pps && !pps_sent;
                // The reader refuses the rates the card accepted (bError = the offset of
                // bmFindexDindex, CCID 6.2.6): as for a refused PPS, cold reset and the
                // next candidate (ISO 7816-3 9.3), down to Fd/Dd.
                const bool rates_refused =
                    pps_sent && transport::bad_parameter_offset(answer->bError) == kFindexDindexOffset;
                if ((refused_by_card || rates_refused) && i + 1 < candidates.size()) continue;
                if (link.fi_di == iso7816::kDefaultFiDi) {
                    // Refused at Fd/Dd: the reader keeps what it has; carry on with the
                    // parameters in force (6.1.5) rather than fail.
                    if (const auto in_force = link_in_force(static_cast<std::uint16_t>(1u << link.protocol))) {
                        link = *in_force;
                    }
                } else if (last != transport::CcidError::command_not_supported) {
                    return last;
                }
            }
        }
        if (policy.may_set_clock && link.clock_khz != context_.caps.default_clock_khz) {
            auto answer = command(
                [&](transport::Address address) {
                    return transport::encode_set_data_rate_and_clock_frequency(  // 6.1.14
                        limits, address, link.clock_khz, link.bps);
                },
                context_.options.status_timeout);
            if (!answer) return answer.error();
            if (answer->failed()) {  // the reader stays at its default clock
                link.clock_khz = context_.caps.default_clock_khz;
                link.bps = iso7816::bits_per_second(link.link_rate());
            }
        }
        ActiveLink active = prepare_engines(link, policy);
        active.pps_sent_by_host = pps_sent;
        active.fallbacks = i;
        std::lock_guard lock(state_mutex_);
        link_ = active;
        return active;
    }
    return last;
}

ActiveLink Slot::prepare_engines(const LinkChoice& link, const SetupPolicy& policy) {
    const CardParameters& atr = *parsed_atr_;
    const transport::ExchangeLevel level = context_.caps.exchange_level;
    active_ = link;
    rate_ = link.link_rate();
    t0_engine_.reset();
    t1_engine_.reset();
    ActiveLink active;
    active.protocol = link.protocol;
    active.fi_di = link.fi_di;
    active.clock_khz = link.clock_khz;
    active.bps = link.bps;
    if (link.protocol == 0 && level == transport::ExchangeLevel::character) {
        t0::Config config;
        config.rate = rate_;
        config.wi = atr.wi;
        t0_engine_.emplace(config);
    }
    const bool host_runs_t1 = link.protocol == 1 && (level == transport::ExchangeLevel::character ||
                                                     level == transport::ExchangeLevel::tpdu);
    const t1::EdcType edc = atr.crc ? t1::EdcType::crc : t1::EdcType::lrc;
    if (link.protocol == 1) {
        active.ifsc = atr.ifsc;
        active.ifsd = static_cast<std::uint8_t>(std::clamp<std::uint32_t>(context_.caps.max_ifsd, 1, 254));
        if (host_runs_t1) {
            const std::uint8_t bound = t1_inf_bound(context_.limits, edc);
            // The IFSD the host asks for keeps the card's blocks within one message of
            // dwMaxCCIDMessageLength. A reader that exchanges IFSD itself (CCID 5.1 dwFeatures
            // 0x400) chooses it, up to its dwMaxIFSD, and passes the card's blocks on whole,
            // in answers longer than dwMaxCCIDMessageLength if need be (ccid_response.hpp):
            // the engine accepts blocks up to dwMaxIFSD then.
            if (policy.host_requests_ifsd) active.ifsd = std::min(active.ifsd, bound);
            // The card's IFSC (ISO 7816-3 11.4.2; the parser put 32 for a reserved one)
            // bounds the host's I-blocks; so does the reader's message.
            active.ifsc = std::min(atr.ifsc, bound);
        }
    }
    if (host_runs_t1) {
        t1::Config config;
        config.ifsc = active.ifsc;
        config.ifsd = active.ifsd;
        config.max_send_inf = t1_inf_bound(context_.limits, edc);  // also for S(IFS) later
        config.request_ifsd = policy.host_requests_ifsd;  // 11.4.2: S(IFS) first after reset
        config.edc = edc;
        config.bwi = atr.bwi;
        config.cwi = atr.cwi;
        config.extra_guard_time = atr.n;
        config.rate = rate_;
        edc_ = config.edc;
        t1_engine_.emplace(config);
    }
    return active;
}

}  // namespace tessera::reader
