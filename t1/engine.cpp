#include "t1/engine.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace tessera::t1 {

// What a received block (or its absence) means for the engine. The classification checks
// the codec's verdict, the NAD and the sequence numbers; the transition table decides.
enum class Engine::Event {
    i_block,                  // I-block carrying the expected N(S)
    i_block_out_of_sequence,  // I-block with the other N(S), M = 0 (11.6.3: invalid)
    chained_out_of_sequence,  // I-block with the other N(S), M = 1: sequence lost
    r_ack,                    // R-block, N(R) differs from N(S) of our pending I-block
    r_repeat,                 // R-block, N(R) equals N(S) of our pending I-block
    s_ifs_request,
    s_wtx_request,
    s_abort_request,
    s_ifs_response,
    s_resynch_response,
    s_unexpected,   // a response we did not ask for, or S(RESYNCH request) from the card
    edc_error,      // EDC mismatch, or a parity error reported by the reader
    invalid_block,  // fails the codec's validation or carries the wrong NAD
    no_answer,      // nothing arrived within the timeout
    any,            // table wildcard: every event not listed for the state
};

enum class Engine::Action {
    send_next_chunk,         // chained command: the card acknowledged, send the next I-block
    retransmit_i_block,      // the card asked for our I-block again
    accept_i_block,          // response data: acknowledge (chain) or complete
    answer_card_request,     // S(IFS / WTX / ABORT request) -> S(... response)
    finish_ifs_negotiation,  // S(IFS response): IFSD in force, send the first I-block
    ifs_refused,             // R-block to S(IFS request): continue with the I-block
    finish_resynch,          // S(RESYNCH response): restart the transmission
    report_edc_error,        // R(N(R)) with "EDC error"
    report_other_error,      // R(N(R)) with "other error"
    resend_last_block,       // the card asked for our last R- or S-block again
    repeat_request,          // our S(request) was not answered: send it again
    resynchronise,           // sequence numbers lost: S(RESYNCH request) now
    end_aborted,             // after S(ABORT response): the exchange ends
};

struct Engine::Transition {
    State state;
    Event event;
    Action action;
};

const char* name(State state) {
    switch (state) {
        case State::idle:
            return "idle";
        case State::ifs_requested:
            return "ifs_requested";
        case State::sending_chain:
            return "sending_chain";
        case State::awaiting_response:
            return "awaiting_response";
        case State::receiving_chain:
            return "receiving_chain";
        case State::resynch_requested:
            return "resynch_requested";
        case State::abort_acknowledged:
            return "abort_acknowledged";
    }
    return "?";
}

const char* Engine::name(Event event) {
    switch (event) {
        case Event::i_block:
            return "I-block";
        case Event::i_block_out_of_sequence:
            return "I-block out of sequence";
        case Event::chained_out_of_sequence:
            return "chained I-block out of sequence";
        case Event::r_ack:
            return "R-block (acknowledgement)";
        case Event::r_repeat:
            return "R-block (repeat request)";
        case Event::s_ifs_request:
            return "S(IFS request)";
        case Event::s_wtx_request:
            return "S(WTX request)";
        case Event::s_abort_request:
            return "S(ABORT request)";
        case Event::s_ifs_response:
            return "S(IFS response)";
        case Event::s_resynch_response:
            return "S(RESYNCH response)";
        case Event::s_unexpected:
            return "unexpected S-block";
        case Event::edc_error:
            return "EDC/parity error";
        case Event::invalid_block:
            return "invalid block";
        case Event::no_answer:
            return "no answer";
        case Event::any:
            return "any";
    }
    return "?";
}

const char* Engine::name(Action action) {
    switch (action) {
        case Action::send_next_chunk:
            return "send next chunk";
        case Action::retransmit_i_block:
            return "retransmit I-block";
        case Action::accept_i_block:
            return "accept I-block";
        case Action::answer_card_request:
            return "answer card request";
        case Action::finish_ifs_negotiation:
            return "finish IFS negotiation";
        case Action::ifs_refused:
            return "IFS request refused";
        case Action::finish_resynch:
            return "finish RESYNCH";
        case Action::report_edc_error:
            return "send R(EDC error)";
        case Action::report_other_error:
            return "send R(other error)";
        case Action::resend_last_block:
            return "resend last block";
        case Action::repeat_request:
            return "repeat S(request)";
        case Action::resynchronise:
            return "resynchronise";
        case Action::end_aborted:
            return "end: aborted";
    }
    return "?";
}

// The transition table: for each state, the card events it accepts and the action taken
// (ISO 7816-3 11.6.2 error-free operation, 11.6.3 error handling). The first matching
// row wins; each active state ends with a wildcard row. State::idle accepts no card event.
//
// One deliberate departure from answering every invalid block with an R-block: a chained
// I-block (M = 1) carrying the wrong N(S) means the card's sequence numbers are off, and
// R(N(R)) would then acknowledge that block in the card's own numbering, so the card
// would go on with its next block and the response would silently lose data. A
// RESYNCH restarts the transmission instead. An honest card never sends such a block (the
// EDC protects N(S)), so this costs nothing in normal operation.
const Engine::Transition* Engine::find_transition(State state, Event event) {
    using S = State;
    using E = Event;
    using A = Action;
    static constexpr Transition kTable[] = {
        {S::ifs_requested, E::s_ifs_response, A::finish_ifs_negotiation},
        {S::ifs_requested, E::r_ack, A::ifs_refused},
        {S::ifs_requested, E::r_repeat, A::ifs_refused},
        {S::ifs_requested, E::any, A::repeat_request},

        {S::sending_chain, E::r_ack, A::send_next_chunk},
        {S::sending_chain, E::r_repeat, A::retransmit_i_block},
        {S::sending_chain, E::chained_out_of_sequence, A::resynchronise},
        {S::sending_chain, E::s_ifs_request, A::answer_card_request},
        {S::sending_chain, E::s_wtx_request, A::answer_card_request},
        {S::sending_chain, E::s_abort_request, A::answer_card_request},
        {S::sending_chain, E::edc_error, A::report_edc_error},
        {S::sending_chain, E::any, A::report_other_error},

        {S::awaiting_response, E::i_block, A::accept_i_block},
        {S::awaiting_response, E::chained_out_of_sequence, A::resynchronise},
        {S::awaiting_response, E::r_repeat, A::retransmit_i_block},
        {S::awaiting_response, E::s_ifs_request, A::answer_card_request},
        {S::awaiting_response, E::s_wtx_request, A::answer_card_request},
        {S::awaiting_response, E::s_abort_request, A::answer_card_request},
        {S::awaiting_response, E::edc_error, A::report_edc_error},
        {S::awaiting_response, E::any, A::report_other_error},

        {S::receiving_chain, E::i_block, A::accept_i_block},
        {S::receiving_chain, E::chained_out_of_sequence, A::resynchronise},
        {S::receiving_chain, E::r_ack, A::resend_last_block},
        {S::receiving_chain, E::r_repeat, A::resend_last_block},
        {S::receiving_chain, E::s_ifs_request, A::answer_card_request},
        {S::receiving_chain, E::s_wtx_request, A::answer_card_request},
        {S::receiving_chain, E::s_abort_request, A::answer_card_request},
        {S::receiving_chain, E::edc_error, A::report_edc_error},
        {S::receiving_chain, E::any, A::report_other_error},

        {S::resynch_requested, E::s_resynch_response, A::finish_resynch},
        {S::resynch_requested, E::any, A::repeat_request},

        {S::abort_acknowledged, E::any, A::end_aborted},
    };
    for (const Transition& row : kTable) {
        if (row.state == state && (row.event == event || row.event == E::any)) {
            return &row;
        }
    }
    return nullptr;
}

Engine::Engine(Config config) : config_(std::move(config)) {
    const auto valid_ifs = [](std::uint8_t value) { return value >= 1 && value <= kMaxInfSize; };
    if (!valid_ifs(config_.ifsc)) {
        config_.ifsc = kDefaultIfs;
    }
    if (!valid_ifs(config_.ifsd)) {
        config_.ifsd = kMaxInfSize;
    }
    if (!valid_ifs(config_.max_send_inf)) {
        config_.max_send_inf = kMaxInfSize;
    }
    config_.ifsc = std::min(config_.ifsc, config_.max_send_inf);
    config_.max_block_attempts = std::max<std::uint8_t>(config_.max_block_attempts, 1);
    bwt_ = iso7816::t1_block_waiting_time(config_.rate, config_.bwi);
    cwt_ = iso7816::t1_character_waiting_time(config_.rate, config_.cwi);
    reset();
}

void Engine::reset() {
    state_ = State::idle;
    delegated_ = false;
    delegated_unanswered_ = false;
    ns_ = 0;
    nr_ = 0;
    ifsc_ = config_.ifsc;
    ifsd_ = config_.request_ifsd ? kDefaultIfs : config_.ifsd;
    ifs_request_pending_ = config_.request_ifsd;
    needs_card_reset_ = false;
    resynch_first_ = false;
    command_.clear();
    response_.clear();
    next_wtx_multiplier_ = 1;
}

std::size_t Engine::max_receive_length() const {
    return kPrologueSize + ifsd_ + edc_size(config_.edc);
}

std::chrono::microseconds Engine::wait_time(std::size_t sent_bytes, unsigned multiplier) const {
    const std::uint64_t character_etu =
        config_.extra_guard_time == 255 ? 11 : 12u + config_.extra_guard_time;
    const std::uint64_t characters = sent_bytes + max_receive_length();
    return bwt_ * std::max(multiplier, 1u) +
           iso7816::etu_duration(config_.rate, character_etu * characters) + cwt_;
}

// ---- API events -------------------------------------------------------------------

Step Engine::start(ByteView apdu) {
    if (state_ != State::idle) {
        return reject("start");
    }
    if (needs_card_reset_) {
        return fail(Error::card_reset_required);
    }
    if (apdu.empty()) {
        return fail(Error::empty_command);
    }
    if (apdu.size() > kMaxCommandSize) {
        return fail(Error::command_too_long);
    }
    prepare_exchange(Bytes(apdu.begin(), apdu.end()), false);
    began_with_ifs_request_ = ifs_request_pending_;
    if (std::exchange(resynch_first_, false)) {
        return start_resynch();
    }
    return begin_transmission();
}

Result<std::array<std::uint8_t, 3>> Engine::start_delegated(std::size_t inf_length) {
    if (state_ != State::idle || resynch_first_) {
        log("illegal event 'start_delegated' in state " + std::string(t1::name(state_)));
        return Error::unexpected_event;
    }
    if (needs_card_reset_) {
        return Error::card_reset_required;
    }
    if (inf_length == 0 || inf_length > ifsc_) {
        return Error::delegated_too_long;
    }
    prepare_exchange(Bytes(inf_length, 0x00), true);  // zeros stand for the INF sent elsewhere
    chunk_size_ = inf_length;
    began_with_ifs_request_ = false;  // a pending S(IFS request) waits for start()
    const Block block = current_i_block();
    state_ = State::awaiting_response;
    attempts_ = 1;
    last_sent_ = block;
    const Bytes wire = encode_block(block, config_.edc);  // 11.3.1: NAD, PCB, LEN first
    return std::array<std::uint8_t, 3>{wire[0], wire[1], wire[2]};
}

void Engine::abandon_delegated() {
    if (std::exchange(delegated_unanswered_, false) && state_ == State::awaiting_response) {
        state_ = State::idle;
        delegated_ = false;
        command_.clear();
    }
}

void Engine::prepare_exchange(Bytes command, bool delegated) {
    command_ = std::move(command);
    delegated_ = delegated;
    delegated_unanswered_ = delegated;
    command_offset_ = 0;
    chunk_size_ = 0;
    response_.clear();
    response_blocks_ = 0;
    resynch_requests_ = 0;
    card_requests_ = 0;
    wtx_granted_ = std::chrono::microseconds(0);
    next_wtx_multiplier_ = 1;
}

Step Engine::on_received(ByteView bytes) {
    if (state_ == State::idle) {
        return reject("on_received");
    }
    delegated_unanswered_ = false;
    Block block;
    const Event event = classify(bytes, block);
    return dispatch(event, block);
}

Step Engine::on_timeout() {
    if (state_ == State::idle) {
        return reject("on_timeout");
    }
    delegated_unanswered_ = false;
    return dispatch(Event::no_answer, Block{});
}

Step Engine::on_parity_error() {
    if (state_ == State::idle) {
        return reject("on_parity_error");
    }
    delegated_unanswered_ = false;
    return dispatch(Event::edc_error, Block{});
}

Engine::Event Engine::classify(ByteView bytes, Block& block) const {
    auto parsed = parse_block(bytes, config_.edc, ifsd_);
    if (!parsed) {
        log(std::string("received block rejected: ") + parsed.error().message() + ": " +
            to_hex(bytes.first(std::min<std::size_t>(bytes.size(), 16)), true));
        return parsed.error() == BlockError::edc_mismatch ? Event::edc_error
                                                          : Event::invalid_block;
    }
    block = std::move(*parsed);

    // ISO 7816-3 11.3.2.1: the card answers with SAD and DAD exchanged; bits 8 and 4 unused.
    const std::uint8_t mirrored = static_cast<std::uint8_t>(((config_.nad & 0x07) << 4) |
                                                            ((config_.nad >> 4) & 0x07));
    if ((block.nad & 0x77) != mirrored) {
        log("received block with unexpected NAD " + to_hex(ByteView(&block.nad, 1)));
        return Event::invalid_block;
    }
    switch (block.kind) {
        case BlockKind::i:
            if (block.ns == nr_) {
                return Event::i_block;
            }
            return block.more ? Event::chained_out_of_sequence : Event::i_block_out_of_sequence;
        case BlockKind::r:
            return block.nr == ns_ ? Event::r_repeat : Event::r_ack;
        case BlockKind::s:
            break;
    }
    if (!block.response) {
        switch (block.s_kind) {
            case SKind::ifs:
                return Event::s_ifs_request;
            case SKind::wtx:
                return Event::s_wtx_request;
            case SKind::abort:
                return Event::s_abort_request;
            case SKind::resynch:
                return Event::s_unexpected;  // only the interface device may resynchronise
        }
    }
    if (block.s_kind == SKind::ifs) {
        return Event::s_ifs_response;
    }
    if (block.s_kind == SKind::resynch) {
        return Event::s_resynch_response;
    }
    return Event::s_unexpected;
}

Step Engine::dispatch(Event event, const Block& block) {
    const Transition* transition = find_transition(state_, event);
    if (transition == nullptr) {
        return reject(name(event));
    }
    if (transition->action != Action::send_next_chunk &&
        transition->action != Action::accept_i_block) {
        log(std::string("state ") + t1::name(state_) + ": " + name(event) + " -> " +
            name(transition->action));
    }
    switch (transition->action) {
        case Action::send_next_chunk:
            return send_next_chunk();
        case Action::retransmit_i_block:
            return retransmit_i_block();
        case Action::accept_i_block:
            return accept_i_block(block);
        case Action::answer_card_request:
            return answer_card_request(block);
        case Action::finish_ifs_negotiation:
            return finish_ifs_negotiation(block);
        case Action::ifs_refused:
            return ifs_refused(block);
        case Action::finish_resynch:
            return finish_resynch();
        case Action::report_edc_error:
            return report_error(RCode::edc_error);
        case Action::report_other_error:
            return report_error(RCode::other_error);
        case Action::resend_last_block:
            return transmit_again(last_sent_);
        case Action::repeat_request:
            return repeat_request();
        case Action::resynchronise:
            return start_resynch();
        case Action::end_aborted:
            return end_aborted(block);
    }
    return reject(name(event));
}

// ---- The transmission, in protocol order --------------------------------------------

// ISO 7816-3 11.6.2 and the certification rule: the first transmission after reset
// begins with S(IFS request); so does its restart after RESYNCH.
Step Engine::begin_transmission() {
    if (began_with_ifs_request_) {
        state_ = State::ifs_requested;
        return transmit_fresh(Block::s_block(config_.nad, SKind::ifs, false, config_.ifsd));
    }
    return send_chunk();
}

Step Engine::finish_ifs_negotiation(const Block& block) {
    if (block.s_value() != config_.ifsd) {  // 11.6.2: the response repeats the request's INF
        log("S(IFS response) does not echo the requested IFSD");
        return repeat_request();
    }
    ifsd_ = block.s_value();
    ifs_request_pending_ = false;
    return send_chunk();
}

// A card that does not support S(IFS request) answers with an R-block ("other error");
// the transmission continues with its I-block and IFSD stays as it was. An R-block with
// "EDC error" says our request arrived damaged: send it again.
Step Engine::ifs_refused(const Block& block) {
    if (block.code == RCode::edc_error) {
        return repeat_request();
    }
    log("card does not support S(IFS request): continuing with the I-block, IFSD " +
        std::to_string(ifsd_));
    ifs_request_pending_ = false;
    return send_chunk();
}

Block Engine::current_i_block() const {
    const bool more = command_offset_ + chunk_size_ < command_.size();
    return Block::i_block(config_.nad, ns_, more,
                          ByteView(command_).subspan(command_offset_, chunk_size_));
}

// ISO 7816-3 11.6.2.3: the command is cut into I-blocks of at most IFSC bytes; every
// block but the last has M = 1 and is acknowledged by R(N(R)) before the next one.
Step Engine::send_chunk() {
    chunk_size_ = std::min<std::size_t>(ifsc_, command_.size() - command_offset_);
    const Block block = current_i_block();
    state_ = block.more ? State::sending_chain : State::awaiting_response;
    return transmit_fresh(block);
}

Step Engine::send_next_chunk() {
    ns_ ^= 1;
    command_offset_ += chunk_size_;
    card_requests_ = 0;
    return send_chunk();
}

Step Engine::retransmit_i_block() {
    if (delegated_) {
        return fail(Error::delegated_block_lost);
    }
    return transmit_again(current_i_block());
}

// The card's I-block acknowledges our last I-block; chained response blocks are
// acknowledged with R(N(R)) (11.6.2.3) until one arrives with M = 0.
Step Engine::accept_i_block(const Block& block) {
    if (state_ == State::awaiting_response) {
        ns_ ^= 1;
    }
    nr_ ^= 1;
    card_requests_ = 0;
    if (block.inf.size() > config_.max_response_size - response_.size()) {
        return fail(Error::response_too_long);
    }
    if (++response_blocks_ > config_.max_response_blocks) {
        return fail(Error::chain_too_long);
    }
    response_.insert(response_.end(), block.inf.begin(), block.inf.end());
    if (block.more) {
        state_ = State::receiving_chain;
        return transmit_fresh(Block::r_block(config_.nad, nr_, RCode::ok));
    }
    state_ = State::idle;
    command_.clear();
    return Complete{std::move(response_)};
}

// ISO 7816-3 11.6.2: S(IFS request) sets IFSC; S(WTX request) grants BWT x multiplier
// for the next wait only; S(ABORT request) ends the chain.
Step Engine::answer_card_request(const Block& block) {
    if (++card_requests_ > config_.max_card_requests) {
        return fail(Error::too_many_card_requests);
    }
    switch (block.s_kind) {
        case SKind::ifs:
            ifsc_ = std::min(block.s_value(), config_.max_send_inf);
            log("card set IFSC to " + std::to_string(block.s_value()) + ", blocks of at most " +
                std::to_string(ifsc_));
            return transmit(Block::s_block(config_.nad, SKind::ifs, true, block.s_value()));
        case SKind::wtx:
            wtx_granted_ += bwt_ * block.s_value();
            if (wtx_granted_ > config_.max_wtx_time) {
                return fail(Error::wtx_time_exceeded);
            }
            next_wtx_multiplier_ = block.s_value();
            return transmit(Block::s_block(config_.nad, SKind::wtx, true, block.s_value()));
        case SKind::abort:
            state_ = State::abort_acknowledged;
            return transmit(Block::s_block(config_.nad, SKind::abort, true));
        case SKind::resynch:
            break;
    }
    return report_error(RCode::other_error);
}

// After S(ABORT response) the card returns the turn with an R-block; its N(R) tells
// whether it had received our pending I-block. Whatever comes, the exchange ends.
Step Engine::end_aborted(const Block& block) {
    if (block.kind != BlockKind::r) {
        resynch_first_ = true;
    } else if (block.nr != ns_) {
        ns_ ^= 1;
    }
    return fail(Error::aborted_by_card);
}

// ---- Error handling (ISO 7816-3 11.6.3) ---------------------------------------------

Step Engine::report_error(RCode code) {
    return transmit_again(Block::r_block(config_.nad, nr_, code));
}

Step Engine::repeat_request() {
    if (state_ == State::resynch_requested) {
        return start_resynch();
    }
    return transmit_again(Block::s_block(config_.nad, SKind::ifs, false, config_.ifsd));
}

Step Engine::start_resynch() {
    if (resynch_requests_ >= config_.max_resynch_attempts) {
        needs_card_reset_ = true;
        return fail(Error::resynch_failed);
    }
    ++resynch_requests_;
    state_ = State::resynch_requested;
    log("sending S(RESYNCH request), attempt " + std::to_string(resynch_requests_));
    return transmit(Block::s_block(config_.nad, SKind::resynch, false));
}

// After RESYNCH both sides start again with N(S) = N(R) = 0 and the transmission restarts
// from its first block. IFSC falls back to the smaller of the current and the ATR value,
// which is safe whether or not the card restored its own; IFSD stays, since accepting
// longer blocks than the card may now send costs nothing.
Step Engine::finish_resynch() {
    ns_ = 0;
    nr_ = 0;
    ifsc_ = std::min(ifsc_, config_.ifsc);
    command_offset_ = 0;
    response_.clear();
    response_blocks_ = 0;
    card_requests_ = 0;
    if (delegated_) {
        return fail(Error::delegated_block_lost);  // the card lost the block: not ours to send
    }
    return begin_transmission();
}

// ---- Sending ------------------------------------------------------------------------

Step Engine::transmit_fresh(const Block& block) {
    attempts_ = 1;
    return transmit(block);
}

Step Engine::transmit_again(const Block& block) {
    if (attempts_ >= config_.max_block_attempts) {
        return start_resynch();
    }
    ++attempts_;
    return transmit(block);
}

Step Engine::transmit(const Block& block) {
    Bytes bytes = encode_block(block, config_.edc);
    const unsigned multiplier = std::exchange(next_wtx_multiplier_, 1u);
    const auto timeout = wait_time(bytes.size(), multiplier);
    last_sent_ = block;
    return Transmit{std::move(bytes), max_receive_length(), timeout};
}

// Failures that leave the card in the middle of an exchange make the next transmission
// begin with S(RESYNCH request), so that the card drops what it still owes (a late
// response must never be taken for the answer to the next command).
Step Engine::fail(Error error) {
    log(std::string("exchange failed: ") + describe(error));
    if (error == Error::too_many_card_requests || error == Error::wtx_time_exceeded ||
        error == Error::response_too_long || error == Error::chain_too_long) {
        resynch_first_ = true;
    }
    state_ = State::idle;
    command_.clear();
    return Failed{make_error_code(error)};
}

Step Engine::reject(const char* api_event) {
    log(std::string("illegal event '") + api_event + "' in state " + t1::name(state_));
    return Failed{make_error_code(Error::unexpected_event)};
}

void Engine::log(std::string_view text) const {
    if (config_.log) {
        config_.log(text);
    }
}

}  // namespace tessera::t1
