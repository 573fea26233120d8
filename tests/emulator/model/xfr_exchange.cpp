#include "tests/emulator/model/xfr_exchange.hpp"

#include <algorithm>

#include "tests/emulator/model/slot_errors.hpp"
#include "tests/emulator/wire/ccid_wire.hpp"
#include "tests/sim/wire/pps_wire.hpp"
#include "tests/sim/wire/t1_frame.hpp"

namespace tessera::emulator {
namespace {

XfrAnswer failure(std::uint8_t bError) {
    XfrAnswer answer;
    answer.failed = true;
    answer.bError = bError;
    return answer;
}

XfrAnswer data_answer(Bytes data, std::size_t time_extensions = 0) {
    XfrAnswer answer;
    answer.data = std::move(data);
    answer.time_extensions = time_extensions;
    return answer;
}

}  // namespace

void XfrExchange::reset() {
    card_output_.clear();
    pps_input_.clear();
    block_input_.clear();
    command_chain_.clear();
    command_chain_open_ = false;
    response_.clear();
    response_sent_ = 0;
    response_open_ = false;
}

XfrAnswer XfrExchange::transfer(sim::Card& card, const XfrContext& context, ByteView abData,
                                std::uint16_t wLevelParameter) {
    switch (context.level) {
        case transport::ExchangeLevel::character:
            return character_level(card, context, abData, wLevelParameter);
        case transport::ExchangeLevel::tpdu:
            return tpdu_level(card, context, abData);
        case transport::ExchangeLevel::short_apdu:
            return short_apdu_level(card, context, abData);
        case transport::ExchangeLevel::extended_apdu:
            return extended_apdu_level(card, context, abData, wLevelParameter);
    }
    return failure(kErrorCommandNotSupported);
}

// Character level (CCID 6.1.4: wLevelParameter = the number of bytes expected back).
void XfrExchange::feed_character_level(sim::Card& card, const XfrContext& context,
                                       ByteView abData) {
    if (abData.empty()) {
        return;
    }
    const bool pps = !pps_input_.empty() ||
                     (abData.front() == sim::wire::kPpss && card.pps_window_open());
    if (pps) {
        // ISO 7816-3 9.2: the request's length follows from PPS0.
        pps_input_.insert(pps_input_.end(), abData.begin(), abData.end());
        const auto length = sim::wire::pps_length(pps_input_);
        if (length && pps_input_.size() >= *length) {
            const Bytes answer = card.answer_pps(pps_input_);
            card_output_.insert(card_output_.end(), answer.begin(), answer.end());
            pps_input_.clear();
        }
        return;
    }
    if (context.protocol == 1) {
        // ISO 7816-3 11.3: a block is complete after its prologue's LEN and the EDC.
        block_input_.insert(block_input_.end(), abData.begin(), abData.end());
        const auto length = sim::wire::block_size(block_input_, context.edc);
        if (!length) {
            if (block_input_.size() >= sim::wire::kPrologueSize) {
                block_input_.clear();  // a reserved NAD or LEN: the card ignores the block
            }
            return;
        }
        if (block_input_.size() >= *length) {
            const auto answer = card.t1_block(block_input_);
            if (answer) {
                card_output_.insert(card_output_.end(), answer->begin(), answer->end());
            }
            block_input_.clear();
        }
        return;
    }
    card.t0_receive(abData);
}

XfrAnswer XfrExchange::character_level(sim::Card& card, const XfrContext& context, ByteView abData,
                                       std::uint16_t expected) {
    feed_character_level(card, context, abData);
    if (context.protocol == 0 && pps_input_.empty()) {
        while (card_output_.size() < expected) {
            const auto burst = card.t0_next_burst();
            if (!burst || burst->empty()) {
                break;
            }
            card_output_.insert(card_output_.end(), burst->begin(), burst->end());
        }
    }
    if (card_output_.size() < expected) {
        card_output_.clear();  // the reader's character timeout: what came is lost
        return failure(kErrorIccMute);
    }
    Bytes data(card_output_.begin(), card_output_.begin() + expected);
    card_output_.erase(card_output_.begin(), card_output_.begin() + expected);
    return data_answer(std::move(data));
}

XfrAnswer XfrExchange::tpdu_level(sim::Card& card, const XfrContext& context, ByteView abData) {
    if (!abData.empty() && abData.front() == sim::wire::kPpss) {
        // ISO 7816-3 9: PPS at TPDU level is passed to the card as it is.
        Bytes answer = card.answer_pps(abData);
        if (answer.empty()) {
            return failure(kErrorIccMute);
        }
        return data_answer(std::move(answer));
    }
    if (context.protocol == 1) {
        auto answer = card.t1_block(abData);
        if (!answer) {
            return failure(kErrorIccMute);
        }
        return data_answer(std::move(*answer));
    }
    const std::size_t time_units = card.application().time_units_needed(abData);
    auto answer = card.t0_tpdu(abData);
    if (!answer) {
        return failure(kErrorIccMute);
    }
    if (answer->size() > context.max_answer_length) {
        return failure(kErrorXfrOverrun);
    }
    return data_answer(std::move(*answer), time_units);
}

XfrAnswer XfrExchange::run_apdu(sim::Card& card, const XfrContext& context, ByteView command) {
    (void)context;
    const std::size_t time_units = card.application().time_units_needed(command);
    auto answer = card.apdu(command);
    if (!answer) {
        return failure(kErrorIccMute);
    }
    return data_answer(std::move(*answer), time_units);
}

XfrAnswer XfrExchange::short_apdu_level(sim::Card& card, const XfrContext& context,
                                        ByteView abData) {
    XfrAnswer answer = run_apdu(card, context, abData);
    if (!answer.failed && answer.data.size() > context.max_answer_length) {
        return failure(kErrorXfrOverrun);
    }
    return answer;
}

XfrAnswer XfrExchange::next_response_part(const XfrContext& context) {
    // CCID 6.2.1: bChainParameter 01 begins, 03 continues, 02 ends a chained response.
    const std::size_t left = response_.size() - response_sent_;
    const std::size_t part = std::min(left, std::max<std::size_t>(context.max_data_length, 1));
    XfrAnswer answer;
    answer.data.assign(response_.begin() + static_cast<std::ptrdiff_t>(response_sent_),
                       response_.begin() + static_cast<std::ptrdiff_t>(response_sent_ + part));
    const bool first = response_sent_ == 0;
    response_sent_ += part;
    const bool last = response_sent_ == response_.size();
    if (first && last) {
        answer.chain = wire::kChainBeginsAndEnds;
    } else if (first) {
        answer.chain = wire::kChainBeginsContinues;
    } else if (last) {
        answer.chain = wire::kChainEnds;
    } else {
        answer.chain = wire::kChainContinues;
    }
    response_open_ = !last;
    if (last) {
        response_.clear();
        response_sent_ = 0;
    }
    return answer;
}

XfrAnswer XfrExchange::extended_apdu_level(sim::Card& card, const XfrContext& context,
                                           ByteView abData, std::uint16_t wLevelParameter) {
    // CCID 6.1.4 Table 6.1-3.
    const std::uint16_t chain = wLevelParameter;
    switch (chain) {
        case wire::kLevelBeginsAndEnds:
        case wire::kLevelBeginsContinues:
            response_open_ = false;
            response_.clear();
            response_sent_ = 0;
            command_chain_.assign(abData.begin(), abData.end());
            command_chain_open_ = chain == wire::kLevelBeginsContinues;
            break;
        case wire::kLevelContinues:
        case wire::kLevelEnds:
            if (!command_chain_open_) {
                return failure(kOffsetWLevelParameter);
            }
            command_chain_.insert(command_chain_.end(), abData.begin(), abData.end());
            command_chain_open_ = chain == wire::kLevelContinues;
            break;
        case wire::kLevelContinueResponse:
            if (!response_open_ || !abData.empty()) {
                return failure(kOffsetWLevelParameter);
            }
            return next_response_part(context);
        default:
            return failure(kOffsetWLevelParameter);
    }
    if (command_chain_open_) {
        XfrAnswer more;
        more.chain = wire::kChainContinueCommand;
        return more;
    }
    XfrAnswer answer = run_apdu(card, context, command_chain_);
    command_chain_.clear();
    if (answer.failed) {
        return answer;
    }
    response_ = std::move(answer.data);
    response_sent_ = 0;
    XfrAnswer first = next_response_part(context);
    first.time_extensions = answer.time_extensions;
    return first;
}

}  // namespace tessera::emulator
