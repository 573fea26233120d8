// The T=1 block engine of the interface device (ISO/IEC 7816-3:2006 section 11), sans-IO.
//
// One Engine serves one card. `start(apdu)` begins a transmission (a command APDU sent in
// one or more I-blocks, the response APDU received in one or more I-blocks) and returns
// the first Step. The driver performs each Transmit (send `bytes`, then receive one block
// of at most `receive_length` bytes within `timeout`) and feeds back the outcome:
// `on_received(block)`, `on_timeout()` when nothing arrived in time, or
// `on_parity_error()` when the reader reports a damaged block. The exchange ends with
// Complete{response APDU} or Failed{t1::Error}.
//
// What it does, rule by rule:
//   - N(S)/N(R) sequencing of I- and R-blocks (11.6.2);
//   - chaining both ways: the command split at IFSC with the M-bit, chained responses
//     acknowledged with R-blocks (11.6.2.3);
//   - S(IFS request) with IFSD first after reset (Config::request_ifsd); an R-block with
//     "other error" (or "error-free") in answer means the card does not support it and
//     the transmission continues with its first I-block, IFSD staying 32;
//   - card requests: S(IFS) changes IFSC, S(WTX) multiplies BWT for the next wait only,
//     S(ABORT) ends the exchange with Error::aborted_by_card;
//   - error handling (11.6.3): a block with a bad EDC or a parity error is answered with
//     R(N(R)) "EDC error", an invalid block or no answer with R(N(R)) "other error"; an
//     R-block asking for a block retransmits it; S-requests left unanswered are repeated;
//     after max_block_attempts sends of the same block without progress the engine sends
//     S(RESYNCH request); a successful RESYNCH sets N(S) = N(R) = 0 and restarts the
//     transmission from its first block (the S(IFS request) if it began with one);
//     after max_resynch_attempts S(RESYNCH request)s in one exchange it fails with
//     Error::resynch_failed: the card must be reset.
//     A chained I-block with the wrong N(S) triggers RESYNCH at once (engine.cpp says
//     why: an R-block would let a desynchronised card skip data).
//   - a delegated I-block (start_delegated): a PIN pad reader sends the one I-block of a
//     PIN command from the engine's prologue; the engine takes the card's answer from
//     there on and fails with Error::delegated_block_lost should the card want the block
//     again (only the reader had its INF).
// Every loop a card can drive is bounded (Config): retransmissions, RESYNCHs, consecutive
// card S-requests, total WTX time, response bytes and response blocks. When a bound ends
// an exchange the card is still in the middle of (or an S(ABORT) is not followed by the
// card's R-block), the next transmission begins with S(RESYNCH request), so that a late
// response is never taken for the answer to the next command.
//
// What it does not do: character-level framing and CWT/BGT enforcement (the reader's job;
// block_length() in t1/block.hpp helps a character-level transport), PPS, ATR parsing,
// and device-initiated S(ABORT).
//
// Timeouts: every Transmit waits at most
//     BWT x m  +  (bytes sent + receive_length) x character time  +  CWT
// where BWT and CWT follow 11.4.3 (iso7816/timing.hpp), m is the WTX multiplier the card
// was granted for this one wait (1 otherwise) and the character time is 12 etu (12 + N
// with TC1 extra guard time N, 11 etu for N = 255). The character terms cover the time to
// send our block and to receive the largest block back to back; they deliberately do not
// allow CWT between every character (at CWI 13 that would be minutes per block): readers
// enforce CWT themselves and report a timeout.
//
// Threading: not thread-safe; one exchange at a time. Ownership: the engine copies the
// command APDU; returned Steps own their bytes.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "iso7816/step.hpp"
#include "iso7816/timing.hpp"
#include "t1/block.hpp"
#include "t1/edc.hpp"
#include "t1/error.hpp"

namespace tessera::t1 {

/// Longest command APDU accepted: extended case 4, 4 + 3 + 65535 + 2 bytes.
inline constexpr std::size_t kMaxCommandSize = 65544;

struct Config {
    /// Card's information field size from the ATR (first TA for T=1, 11.4.2); values
    /// outside 1..254 are replaced by the default 32.
    std::uint8_t ifsc = kDefaultIfs;
    /// Device's information field size, requested with S(IFS request) (1..254).
    std::uint8_t ifsd = kMaxInfSize;
    /// Longest information field the device sends whatever IFSC is in force (1..254):
    /// what the link below carries (at a CCID reader's TPDU level, a block must fit in
    /// dwMaxCCIDMessageLength). An IFSC the card sets with S(IFS request) above it is
    /// acknowledged as asked (11.6.2.3) and blocks stay within this bound; `ifsc` above
    /// it is lowered to it.
    std::uint8_t max_send_inf = kMaxInfSize;
    /// Send S(IFS request IFSD) first after reset. Turn off when the reader negotiates
    /// IFSD itself; the engine then assumes `ifsd` is in force.
    bool request_ifsd = true;
    EdcType edc = EdcType::lrc;  // first TC for T=1, bit 1 (11.4.4)
    /// NAD of the device's blocks: DAD in bits 7..5, SAD in bits 3..1 (11.3.2.1). The
    /// card's blocks must carry the mirrored addresses.
    std::uint8_t nad = 0x00;
    std::uint8_t bwi = 4;   // first TB for T=1, bits 8..5 (11.4.3)
    std::uint8_t cwi = 13;  // first TB for T=1, bits 4..1 (11.4.3)
    std::uint8_t extra_guard_time = 0;  // N from TC1 (8.3)
    iso7816::LinkRate rate{};

    /// Sends of one block (first send, retransmissions, R-blocks asking for the card's
    /// block) without progress before the engine resynchronises (11.6.3).
    std::uint8_t max_block_attempts = 3;
    /// S(RESYNCH request)s in one exchange before Error::resynch_failed (11.6.3).
    std::uint8_t max_resynch_attempts = 3;
    /// Consecutive S(WTX request) / S(IFS request) from the card without progress.
    std::uint32_t max_card_requests = 250;
    /// Total waiting time granted through WTX in one exchange.
    std::chrono::microseconds max_wtx_time = std::chrono::seconds(600);
    /// Largest response APDU (data + SW1 SW2) accepted from a chain.
    std::size_t max_response_size = 65536 + 2;
    /// Most I-blocks in one chained response (a 64 KiB response needs 259 blocks at IFSD
    /// 254, 2049 at IFSD 32).
    std::size_t max_response_blocks = 4096;

    /// Optional log sink, called synchronously with one line per notable event
    /// (errors, retransmissions, RESYNCH, card requests). Empty: no logging.
    std::function<void(std::string_view)> log;
};

/// The engine's states; each lists the card blocks it accepts in the transition table
/// (engine.cpp).
enum class State {
    idle,                // no exchange; start() is the only legal event
    ifs_requested,       // sent S(IFS request IFSD), awaiting S(IFS response)
    sending_chain,       // sent an I-block with M = 1, awaiting R(N(R)) acknowledgement
    awaiting_response,   // sent the last I-block of the command, awaiting the card's I-block
    receiving_chain,     // acknowledged a chained response block, awaiting the next one
    resynch_requested,   // sent S(RESYNCH request), awaiting S(RESYNCH response)
    abort_acknowledged,  // answered the card's S(ABORT request), awaiting its next block
};

const char* name(State state);

class Engine {
public:
    explicit Engine(Config config);

    /// Begins a transmission of `apdu` (copied). Legal only in State::idle.
    Step start(ByteView apdu);
    /// Begins a transmission whose one I-block another party sends: a PIN pad reader at
    /// TPDU level builds it around the PIN APDU it completes, from this prologue (CCID
    /// 6.1.11.7 bTeoPrologue: NAD, PCB with N(S) and M = 0, LEN = inf_length), and
    /// hands back the card's first block, which goes to on_received(); the rest of the
    /// exchange (WTX, chained response) runs as usual. Legal in State::idle; a pending
    /// S(IFS request) waits for the next start(), a pending RESYNCH fails it (the
    /// caller sends an ordinary command first). The block can not be sent again: a card
    /// asking for it ends the exchange with Error::delegated_block_lost.
    /// Errors: delegated_too_long (inf_length 0 or above IFSC), card_reset_required,
    /// unexpected_event (not idle, or RESYNCH due).
    Result<std::array<std::uint8_t, 3>> start_delegated(std::size_t inf_length);
    /// The other party did not send the delegated I-block after all (PIN entry
    /// cancelled or timed out at the reader, the command refused): back to idle with
    /// N(S) unchanged. Only between start_delegated() and the first on_received(),
    /// on_timeout() or on_parity_error(); otherwise it does nothing.
    void abandon_delegated();
    /// One block received from the card (untrusted; any bytes are accepted).
    Step on_received(ByteView block);
    /// No block arrived within the last Transmit's timeout.
    Step on_timeout();
    /// The reader reported a parity error (or another character-level defect) in the block.
    Step on_parity_error();

    /// The card was reset (new ATR): N(S) = N(R) = 0, IFSC from the configuration, IFSD
    /// back to 32, and the next transmission begins with S(IFS request) when configured.
    /// Abandons any exchange in progress.
    void reset();

    State state() const { return state_; }
    std::uint8_t ifsc() const { return ifsc_; }
    /// IFSD in force: the largest INF accepted from the card.
    std::uint8_t ifsd() const { return ifsd_; }
    /// N(S) of the device's next (or in-flight) I-block.
    std::uint8_t send_sequence() const { return ns_; }
    /// N(S) expected on the card's next I-block.
    std::uint8_t receive_sequence() const { return nr_; }
    /// The largest block the card may send under the current IFSD.
    std::size_t max_receive_length() const;
    /// The Transmit timeout for a block of `sent_bytes` with WTX multiplier `multiplier`.
    std::chrono::microseconds wait_time(std::size_t sent_bytes, unsigned multiplier = 1) const;

private:
    enum class Event;
    enum class Action;
    struct Transition;
    static const Transition* find_transition(State state, Event event);
    static const char* name(Event event);
    static const char* name(Action action);

    Step dispatch(Event event, const Block& block);
    Event classify(ByteView bytes, Block& block) const;

    void prepare_exchange(Bytes command, bool delegated);
    Step begin_transmission();
    Step finish_ifs_negotiation(const Block& block);
    Step ifs_refused(const Block& block);
    Block current_i_block() const;
    Step send_chunk();
    Step send_next_chunk();
    Step retransmit_i_block();
    Step accept_i_block(const Block& block);
    Step answer_card_request(const Block& block);
    Step end_aborted(const Block& block);
    Step report_error(RCode code);
    Step repeat_request();
    Step start_resynch();
    Step finish_resynch();

    Step transmit_fresh(const Block& block);
    Step transmit_again(const Block& block);
    Step transmit(const Block& block);
    Step fail(Error error);
    Step reject(const char* api_event);
    void log(std::string_view text) const;

    Config config_;
    std::chrono::microseconds bwt_{0};
    std::chrono::microseconds cwt_{0};

    State state_ = State::idle;
    std::uint8_t ns_ = 0;
    std::uint8_t nr_ = 0;
    std::uint8_t ifsc_ = kDefaultIfs;
    std::uint8_t ifsd_ = kDefaultIfs;
    bool ifs_request_pending_ = false;
    bool needs_card_reset_ = false;
    bool resynch_first_ = false;

    Bytes command_;
    std::size_t command_offset_ = 0;
    std::size_t chunk_size_ = 0;
    bool began_with_ifs_request_ = false;
    bool delegated_ = false;  // the I-block was sent by another party (start_delegated)
    bool delegated_unanswered_ = false;  // ... and no card event has come since
    Bytes response_;
    std::size_t response_blocks_ = 0;

    Block last_sent_;
    unsigned attempts_ = 0;
    unsigned resynch_requests_ = 0;
    std::uint32_t card_requests_ = 0;
    unsigned next_wtx_multiplier_ = 1;
    std::chrono::microseconds wtx_granted_{0};
};

}  // namespace tessera::t1
