#include "tests/sim/card_t1.hpp"

#include <algorithm>
#include <utility>

namespace tessera::sim {

using wire::Block;
using wire::BlockKind;
using wire::RCode;
using wire::SKind;

const char* name(T1Fault fault) {
    switch (fault) {
        case T1Fault::corrupt_answer:
            return "corrupt_answer";
        case T1Fault::corrupt_received:
            return "corrupt_received";
        case T1Fault::drop_answer:
            return "drop_answer";
        case T1Fault::drop_received:
            return "drop_received";
        case T1Fault::wrong_ns:
            return "wrong_ns";
        case T1Fault::desynchronise:
            return "desynchronise";
        case T1Fault::resynch_request:
            return "resynch_request";
        case T1Fault::refuse_ifs:
            return "refuse_ifs";
        case T1Fault::wtx:
            return "wtx";
        case T1Fault::ifs_request:
            return "ifs_request";
        case T1Fault::abort:
            return "abort";
        case T1Fault::endless_chaining:
            return "endless_chaining";
    }
    return "?";
}

CardT1::CardT1(CardApplication& application, CardT1Config config)
    : config_(config),
      edc_(config.edc == t1::EdcType::crc ? wire::Edc::crc : wire::Edc::lrc),
      application_(application) {
    if (config_.ifsc < 1 || config_.ifsc > wire::kMaxInfSize) {
        config_.ifsc = wire::kDefaultIfs;
    }
    if (config_.ifsd < 1 || config_.ifsd > wire::kMaxInfSize) {
        config_.ifsd = wire::kDefaultIfs;
    }
    config_.wtx_multiplier = std::max<std::uint8_t>(config_.wtx_multiplier, 1);
    reset();
}

void CardT1::reset() {
    ns_ = 0;
    nr_ = 0;
    ifsc_ = config_.ifsc;
    ifsd_ = config_.ifsd;
    desynchronised_ = false;
    abandon_exchange();
}

void CardT1::add_fault(T1FaultPlan plan) { plans_.push_back({plan, blocks_received_, 0}); }

void CardT1::clear_faults() { plans_.clear(); }

bool CardT1::fire(T1Fault fault) {
    for (ActivePlan& active : plans_) {
        if (active.plan.what != fault || active.fired >= active.plan.times) {
            continue;
        }
        if (current_block_ - active.added_at < active.plan.from_block) {
            continue;
        }
        ++active.fired;
        return true;
    }
    return false;
}

std::optional<Bytes> CardT1::receive(ByteView bytes) {
    current_block_ = blocks_received_++;
    if (fire(T1Fault::drop_received)) {
        return std::nullopt;
    }
    Bytes received(bytes.begin(), bytes.end());
    if (!received.empty() && fire(T1Fault::corrupt_received)) {
        received.back() ^= 0x01;
    }

    Block answer = respond(received);
    if (answer.kind != BlockKind::s && !awaiting_) {
        answer = preempt(std::move(answer));
    }
    Bytes wire = wire::write_block(answer, edc_);
    if (answer.kind == BlockKind::i && fire(T1Fault::wrong_ns)) {
        Block wrong = answer;
        wrong.ns ^= 1;
        wire = wire::write_block(wrong, edc_);
    }
    if (fire(T1Fault::drop_answer)) {
        return std::nullopt;
    }
    if (fire(T1Fault::corrupt_answer)) {
        wire.back() ^= 0x01;
    }
    return wire;
}

wire::Block CardT1::respond(ByteView bytes) {
    const auto parsed = wire::read_block(bytes, edc_, ifsc_);
    if (!parsed.block) {
        if (awaiting_) {
            return *awaiting_;
        }
        // ISO 7816-3 11.6.3: R(EDC error) for a damaged block, R(other error) otherwise.
        return r_block(parsed.error == wire::ReadError::edc ? RCode::edc_error : RCode::other_error);
    }
    const Block& block = *parsed.block;
    nad_ = static_cast<std::uint8_t>(((block.nad & 0x07) << 4) | ((block.nad >> 4) & 0x07));
    switch (block.kind) {
        case BlockKind::i:
            return on_i_block(block);
        case BlockKind::r:
            return on_r_block(block);
        case BlockKind::s:
            return on_s_block(block);
    }
    return r_block(RCode::other_error);
}

wire::Block CardT1::on_i_block(const Block& block) {
    if (awaiting_) {
        return *awaiting_;
    }
    if (last_i_block_ && last_i_block_->more) {
        return r_block(RCode::other_error);  // sending a chain: the device must acknowledge
    }
    if (block.ns != nr_) {
        return r_block(RCode::other_error);
    }
    nr_ ^= 1;
    last_i_block_.reset();  // the device's I-block acknowledges the card's last one
    command_.insert(command_.end(), block.inf.begin(), block.inf.end());
    if (block.more) {
        return r_block(RCode::ok);
    }
    return begin_response();
}

wire::Block CardT1::on_r_block(const Block& block) {
    if (awaiting_) {
        return *awaiting_;
    }
    if (last_i_block_) {
        if (block.nr == last_i_block_->ns) {
            return *last_i_block_;
        }
        if (last_i_block_->more) {
            last_i_block_.reset();
            return next_chunk();
        }
    }
    return r_block(RCode::ok);
}

wire::Block CardT1::on_s_block(const Block& block) {
    if (!block.response) {
        switch (block.s_kind) {
            case SKind::ifs:
                if (!config_.supports_ifs_request || fire(T1Fault::refuse_ifs)) {
                    return r_block(RCode::other_error);
                }
                ifsd_ = block.s_value();
                return Block::s_block(nad_, SKind::ifs, true, block.s_value());
            case SKind::resynch:
                resynchronise();
                return Block::s_block(nad_, SKind::resynch, true);
            case SKind::abort:
                abandon_exchange();
                return Block::s_block(nad_, SKind::abort, true);
            case SKind::wtx:
                return r_block(RCode::other_error);  // only the card asks for time
        }
    }
    if (!awaiting_ || block.s_kind != awaiting_->s_kind || block.inf != awaiting_->inf) {
        return awaiting_ ? *awaiting_ : r_block(RCode::other_error);
    }
    const Block answered = *std::exchange(awaiting_, std::nullopt);
    switch (answered.s_kind) {
        case SKind::ifs:
            ifsc_ = answered.s_value();
            break;
        case SKind::wtx:
            if (wtx_left_ > 0) {
                --wtx_left_;
                awaiting_ = answered;
                return answered;
            }
            break;
        case SKind::abort:
            abandon_exchange();
            return r_block(RCode::ok);  // gives the turn back to the device
        case SKind::resynch:
            break;
    }
    if (!deferred_) {
        return r_block(RCode::ok);
    }
    return *std::exchange(deferred_, std::nullopt);
}

wire::Block CardT1::begin_response() {
    const Bytes command = std::exchange(command_, Bytes{});
    wtx_left_ = application_.time_units_needed(command);
    response_ = application_.process(command);
    response_offset_ = 0;
    ++commands_processed_;
    Block first = next_chunk();
    if (wtx_left_ > 0) {
        --wtx_left_;
        return request(SKind::wtx, config_.wtx_multiplier, std::move(first));
    }
    return first;
}

// ISO 7816-3 11.6.2.3: the response is cut at IFSD; every block but the last has M = 1.
wire::Block CardT1::next_chunk() {
    if (fire(T1Fault::desynchronise)) {
        desynchronised_ = true;
    }
    const std::size_t size = std::min<std::size_t>(ifsd_, response_.size() - response_offset_);
    const ByteView data = ByteView(response_).subspan(response_offset_, size);
    response_offset_ += size;
    bool more = response_offset_ < response_.size();
    if (!more && fire(T1Fault::endless_chaining)) {
        more = true;
        response_offset_ = 0;
    }
    Block block = Block::i_block(nad_, static_cast<std::uint8_t>(ns_ ^ (desynchronised_ ? 1 : 0)),
                                 more, data);
    ns_ ^= 1;
    last_i_block_ = block;
    return block;
}

wire::Block CardT1::request(SKind kind, std::optional<std::uint8_t> value, Block deferred) {
    awaiting_ = value ? Block::s_block(nad_, kind, false, *value) : Block::s_block(nad_, kind, false);
    deferred_ = std::move(deferred);
    return *awaiting_;
}

wire::Block CardT1::preempt(Block answer) {
    if (fire(T1Fault::abort)) {
        if (answer.kind == BlockKind::i) {
            ns_ ^= 1;  // the I-block is never sent
        }
        abandon_exchange();
        awaiting_ = Block::s_block(nad_, SKind::abort, false);
        return *awaiting_;
    }
    if (fire(T1Fault::resynch_request)) {
        return request(SKind::resynch, std::nullopt, std::move(answer));
    }
    if (fire(T1Fault::ifs_request)) {
        for (const ActivePlan& active : plans_) {
            if (active.plan.what == T1Fault::ifs_request) {
                return request(SKind::ifs, active.plan.value, std::move(answer));
            }
        }
    }
    if (fire(T1Fault::wtx)) {
        return request(SKind::wtx, config_.wtx_multiplier, std::move(answer));
    }
    return answer;
}

wire::Block CardT1::r_block(RCode code) const { return Block::r_block(nad_, nr_, code); }

void CardT1::abandon_exchange() {
    command_.clear();
    response_.clear();
    response_offset_ = 0;
    wtx_left_ = 0;
    last_i_block_.reset();
    awaiting_.reset();
    deferred_.reset();
}

// ISO 7816-3 11.6.3: after S(RESYNCH) both sides start with N(S) = N(R) = 0 and the
// initial information field sizes.
void CardT1::resynchronise() {
    ns_ = 0;
    nr_ = 0;
    ifsc_ = config_.ifsc;
    ifsd_ = config_.ifsd;
    desynchronised_ = false;
    abandon_exchange();
    ++resynchs_;
}

}  // namespace tessera::sim
