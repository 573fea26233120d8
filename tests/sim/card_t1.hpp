// The card side of T=1 (ISO/IEC 7816-3 section 11) at block level, with the simulated
// CardApplication behind it, for driving t1::Engine in tests.
//
// Protocol behaviour:
//   - its own N(S)/N(R); receives chained commands (acknowledging with R-blocks) and
//     chains its responses at the IFSD the device announced with S(IFS request)
//     (32 until then); rejects I-blocks longer than its IFSC;
//   - answers S(IFS request) with S(IFS response) (or R(other error) when
//     CardT1Config::supports_ifs_request is false), S(RESYNCH request) with
//     S(RESYNCH response) after resetting its sequence numbers, IFSD and any exchange in
//     progress, S(ABORT request) with S(ABORT response);
//   - for the SLOW command (80 57 P1 00) sends P1 S(WTX request)s before the response;
//   - answers with the NAD of the device's block, SAD and DAD exchanged;
//   - LRC or CRC as configured.
// Error handling, as the card side of 11.6.3: a damaged block (bad EDC) gets R(N(R)) "EDC
// error", an invalid one R(N(R)) "other error"; an R-block naming the N(S) of its last
// I-block gets that block again, one naming the other N(S) acknowledges a chained block;
// while its own S(request) is unanswered it repeats the request.
//
// Fault injection, two independent settings per T1FaultPlan: what fails (T1Fault) and
// when (`from_block`: device blocks let through after the plan was added before it may
// fire; `times`: how often it fires, 1 = once, N, or kAlways = it never stops). Several
// plans may be active at once. The faults and where each one acts:
//   corrupt_answer    the card's answer arrives with a damaged EDC
//   corrupt_received  the device's block reaches the card with a damaged EDC
//   drop_answer       the card's answer is lost (the card's state has advanced)
//   drop_received     the device's block never reaches the card (no answer)
//   wrong_ns          an I-block answer goes out with the wrong N(S) (a retransmission
//                     is correct)
//   desynchronise     from the next I-block on, the card's N(S) is off by one until a
//                     RESYNCH (forces the device to resynchronise)
//   resynch_request   the card sends S(RESYNCH request), a block only the device may send,
//                     instead of its answer and repeats it (forces the device to RESYNCH)
//   refuse_ifs        S(IFS request) is answered with R(other error)
//   wtx               the card sends S(WTX request) before its answer (kAlways: endless WTX)
//   ifs_request       the card sends S(IFS request `value`) before its answer
//   abort             the card sends S(ABORT request) instead of its answer
//   endless_chaining  the last block of a response goes out with M = 1 and the response
//                     starts over (kAlways: a chain that never ends)
// The pre-empting faults (wtx, ifs_request, abort, resynch_request) act only on I- or
// R-block answers, not on the card's S-blocks.
//
// Not thread-safe; one instance per simulated card, which holds a reference to its
// application (the application must outlive it; a T=0 side may share it, as sim::Card does).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "base/bytes.hpp"
#include "t1/edc.hpp"
#include "tests/sim/application.hpp"
#include "tests/sim/wire/t1_frame.hpp"

namespace tessera::sim {

enum class T1Fault {
    corrupt_answer,
    corrupt_received,
    drop_answer,
    drop_received,
    wrong_ns,
    desynchronise,
    resynch_request,
    refuse_ifs,
    wtx,
    ifs_request,
    abort,
    endless_chaining,
};

const char* name(T1Fault fault);

inline constexpr std::size_t kAlways = std::numeric_limits<std::size_t>::max();

struct T1FaultPlan {
    T1Fault what = T1Fault::corrupt_answer;
    std::size_t from_block = 0;  // device blocks let through before it may fire
    std::size_t times = 1;       // how many times it fires; kAlways: never stops
    std::uint8_t value = 0;      // ifs_request: the IFSC the card asks for (1..254)
};

struct CardT1Config {
    std::uint8_t ifsc = 254;  // the card's IFSC, as its ATR announces it
    /// IFSD after reset and after RESYNCH: 32 (11.4.2), or what a reader that negotiates
    /// IFSD itself would have set.
    std::uint8_t ifsd = wire::kDefaultIfs;
    /// LRC or CRC (the driver's enum names the choice; the card computes it itself).
    t1::EdcType edc = t1::EdcType::lrc;
    bool supports_ifs_request = true;
    std::uint8_t wtx_multiplier = 1;  // multiplier in the S(WTX request)s of SLOW
};

class CardT1 {
public:
    explicit CardT1(CardApplication& application, CardT1Config config = {});

    /// One block from the device; returns the card's answer, or nullopt when no answer
    /// reaches the device (a lost block).
    std::optional<Bytes> receive(ByteView block);

    /// Deactivation and cold reset: protocol state back to after-ATR; the application's
    /// files keep their contents. Fault plans stay.
    void reset();

    void add_fault(T1FaultPlan plan);
    void clear_faults();

    CardApplication& application() { return application_; }
    std::uint8_t ifsc() const { return ifsc_; }
    /// The IFSD the card chains its responses at.
    std::uint8_t ifsd() const { return ifsd_; }
    std::size_t commands_processed() const { return commands_processed_; }
    std::size_t resynchs() const { return resynchs_; }
    std::size_t blocks_received() const { return blocks_received_; }

private:
    struct ActivePlan {
        T1FaultPlan plan;
        std::size_t added_at = 0;
        std::size_t fired = 0;
    };

    bool fire(T1Fault fault);
    wire::Block respond(ByteView bytes);
    wire::Block on_i_block(const wire::Block& block);
    wire::Block on_r_block(const wire::Block& block);
    wire::Block on_s_block(const wire::Block& block);
    wire::Block begin_response();
    wire::Block next_chunk();
    wire::Block request(wire::SKind kind, std::optional<std::uint8_t> value, wire::Block deferred);
    wire::Block preempt(wire::Block answer);
    wire::Block r_block(wire::RCode code) const;
    void abandon_exchange();
    void resynchronise();

    CardT1Config config_;
    wire::Edc edc_ = wire::Edc::lrc;  // config_.edc
    CardApplication& application_;
    std::vector<ActivePlan> plans_;

    std::uint8_t ns_ = 0;  // N(S) of the card's next I-block
    std::uint8_t nr_ = 0;  // N(S) expected on the device's next I-block
    std::uint8_t ifsc_ = 0;
    std::uint8_t ifsd_ = wire::kDefaultIfs;
    std::uint8_t nad_ = 0;
    bool desynchronised_ = false;

    Bytes command_;
    Bytes response_;
    std::size_t response_offset_ = 0;
    std::size_t wtx_left_ = 0;
    std::optional<wire::Block> last_i_block_;  // sent, not yet acknowledged
    std::optional<wire::Block> awaiting_;      // the card's S(request) awaiting a response
    std::optional<wire::Block> deferred_;      // the answer to send once it is answered

    std::size_t blocks_received_ = 0;
    std::size_t current_block_ = 0;
    std::size_t commands_processed_ = 0;
    std::size_t resynchs_ = 0;
};

}  // namespace tessera::sim
