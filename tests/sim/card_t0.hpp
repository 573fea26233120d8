// The card side of T=0 (ISO/IEC 7816-3:2006 section 10), at character level, with the
// CardApplication behind it. Test-only.
//
// The card consumes the bytes the interface device sends (receive()) and produces what it
// sends back as bursts (next_burst()): a burst is a run of characters the card sends back to
// back before it pauses or waits: one procedure byte, one data run, SW1, SW2. A faithful
// character-level reader asks for exactly one burst at a time; tests/sim/t0_harness.hpp
// also delivers them as a byte stream.
//
// Command handling (the card knows each INS's direction, as real cards do):
//   outgoing (P3 = Le, 00 = 256): 00 B0 READ BINARY, 00 84 GET CHALLENGE, 00 C0 GET RESPONSE
//     -> ACK, Le data bytes, SW1 SW2; if the application returns a different number of
//        bytes than Le: 6C La (La = what is available, 00 for 256), no data.
//   incoming (P3 = Lc): 00 A4 SELECT, 00 D6 UPDATE BINARY (case 3), 80 EE ECHO (case 4)
//     -> ACK(s), the card receives Lc bytes, then SW1 SW2. When the application answers
//        with data (case 4) the card keeps it pending and answers 61 La; GET RESPONSE
//        (00 C0 00 00 Le) serves it: Le = La -> data + status; Le < La -> Le bytes + 61 xx
//        (the rest stays pending); Le > La -> 6C La. Any other command drops the pending
//        response; GET RESPONSE with none pending -> 6985.
//   none: 80 57 SLOW (case 1, P3 = 00) -> P1 NULL bytes (time_units_needed()), then 90 00.
//   anything else: the application's status for CLA INS P1 P2, without ACK.
// ACKs (10.3.3): the first `single_byte_acks` data bytes of a transfer move one at a time
// with ACK = INS ^ FF, the rest with one ACK = INS ("mixtures": 0 = whole ACK, SIZE_MAX =
// all one at a time). `nulls_before_procedure` NULL bytes precede every procedure byte.
//
// Fault knobs (two axes: what fails, and from which burst on):
//   fault      what goes wrong (CardFault below)
//   fault_at   1-based index of the first burst the fault may affect, counted over all
//              bursts the card sent since construction (NULLs included). Faults that name a
//              kind of burst (ACK, data, SW1, SW2) hit every such burst from fault_at on.
//   fault_byte the byte used where a fault needs one (default 42: not NULL, not 6X / 9X,
//              not an INS or INS ^ FF of the commands above).
// extra_byte and truncate alter one burst; every other fault, once triggered, never stops.
// The wire convention (direct or inverse) applies to every byte in both directions: an
// inverse card decodes what it receives with invert_convention() and encodes what it sends
// the same way.
//
// Not thread-safe; one instance per simulated card, which holds a reference to its
// application (the application must outlive it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>

#include "base/bytes.hpp"
#include "iso7816/convention.hpp"
#include "tests/sim/application.hpp"

namespace tessera::sim {

enum class CardFault {
    none,
    mute,                    // from fault_at on the card sends nothing (a dead card)
    truncate,                // burst fault_at loses its last character, then mute
    extra_byte,              // burst fault_at carries one more character (fault_byte)
    endless_null,            // from fault_at on the card sends only NULL bytes, forever
    invalid_procedure_byte,  // procedure bytes (ACK or SW1) are replaced by fault_byte
    wrong_ins_ack,           // ACKs carry INS ^ 01 (and (INS ^ 01) ^ FF)
    extra_data,              // data runs the card sends carry one more byte (fault_byte)
                             // than its ACK moved: more data than P3 allows
    extra_ack,               // after a data transfer the card sends one more ACK (INS)
                             // before SW1: an ACK after all data moved
    no_sw2,                  // SW1 is sent, then the card falls silent (truncated status)
};

const char* to_string(CardFault fault);

struct CardT0Options {
    std::size_t single_byte_acks = 0;
    std::size_t nulls_before_procedure = 0;
    iso7816::Convention convention = iso7816::Convention::direct;
    CardFault fault = CardFault::none;
    std::size_t fault_at = 1;
    std::uint8_t fault_byte = 0x42;
};

inline constexpr std::size_t kAllSingleByteAcks = std::numeric_limits<std::size_t>::max();
inline constexpr std::uint8_t kInsGetResponse = 0xC0;

class CardT0 {
  public:
    explicit CardT0(CardApplication& application, CardT0Options options = {});

    /// Characters from the interface device, as on the wire.
    void receive(ByteView wire_bytes);

    /// The next burst the card sends (as on the wire), or nullopt when the card is silent:
    /// waiting for the interface device, or mute.
    std::optional<Bytes> next_burst();

    /// Bursts sent so far (the fault_at counter).
    std::size_t bursts_sent() const { return bursts_sent_; }
    const CardT0Options& options() const { return options_; }

  private:
    enum class Phase { header, data_in };
    enum class BurstKind { null, ack, data, sw1, sw2 };
    struct Burst {
        BurstKind kind;
        Bytes bytes;
        std::uint8_t ins = 0;     // INS of the command being answered
        bool after_data = false;  // SW1 that follows a data transfer
    };

    void on_byte(std::uint8_t byte);
    void on_header();
    void on_data_complete();
    void answer_outgoing(const Bytes& response, std::size_t le);
    void answer_get_response(std::uint8_t p3);
    void answer_incoming(Bytes response);
    void send_status(ByteView sw);
    void send_outgoing_data(ByteView data);
    std::uint8_t ins() const { return command_[1]; }
    void ack_next_incoming();
    void push(BurstKind kind, Bytes bytes);
    void push_procedure(BurstKind kind, std::uint8_t byte);
    std::optional<Burst> apply_fault(Burst burst);

    CardApplication& application_;
    CardT0Options options_;
    Phase phase_ = Phase::header;
    Bytes header_;
    Bytes command_;  // CLA INS P1 P2 of the command being served
    Bytes command_data_;
    std::size_t lc_ = 0;
    std::size_t awaited_ = 0;       // incoming bytes the last ACK asked for
    std::optional<Bytes> pending_;  // response (data + SW) kept for GET RESPONSE
    std::deque<Burst> outbox_;
    bool moved_data_ = false;  // the current command moved data bytes
    std::size_t bursts_sent_ = 0;
    bool fault_fired_ = false;
    bool silenced_ = false;
    bool nulls_forever_ = false;
};

}  // namespace tessera::sim
