// Fault injection for the emulated CCID reader, on two independent axes: what fails
// (FaultKind) and when it starts and stops (FaultPlan::after, FaultPlan::times), as in
// the simulated card's T1FaultPlan.
//
// Every plan counts the commands (PC_to_RDR messages received whole) that match its
// filters (slot, message type). The first `after` matching commands pass untouched; the
// plan then fires on each following matching command until it has fired `times` times
// (kPersistent: forever). Several plans may be active at once; each fires at most once
// per command.
//
// Plain value; no I/O. CcidDevice asks it once per command and carries the faults out.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "tests/emulator/wire/ccid_wire.hpp"

namespace tessera::emulator {

enum class FaultKind {
    bulk_out_stall,   // the command's bulk OUT transfer stalls and the message is lost;
                      // the endpoint stays halted until clear_halt()
    bulk_in_stall,    // the bulk IN transfer that would carry the answer stalls; the
                      // answer stays queued and the endpoint halted until clear_halt()
    no_answer,        // the command is carried out but never answered: in() stays
                      // pending and the slot busy until the ABORT sequence (CCID 5.3.1)
    short_reply,      // the answer loses its last byte: fewer bytes than 10 + dwLength
    trailing_bytes,   // the answer carries one byte more than 10 + dwLength
    oversized_reply,  // the answer's dwLength and data exceed dwMaxCCIDMessageLength - 10:
                      // more than the host asks for
    wrong_bseq,       // the answer's bSeq is the command's + 1
    wrong_bslot,      // the answer's bSlot is the command's + 1
    endless_time_extension,  // time extensions (CCID 6.2.6) forever instead of the answer
    hardware_error,   // the command fails with HW_ERROR and RDR_to_PC_HardwareError
                      // (CCID 6.3.2, overcurrent) goes out on the interrupt pipe
    unplug,           // the device is unplugged after receiving the command: the next
                      // in() or bulk_out() answers `gone`
};

inline constexpr std::size_t kFaultKindCount = static_cast<std::size_t>(FaultKind::unplug) + 1;

const char* to_string(FaultKind kind) noexcept;

inline constexpr std::size_t kPersistent = std::numeric_limits<std::size_t>::max();

struct FaultPlan {
    FaultKind what = FaultKind::no_answer;
    std::size_t after = 0;  // matching commands that pass before the first fault
    std::size_t times = 1;  // 1 = one-shot, N, kPersistent = never stops
    std::optional<std::uint8_t> slot;                    // only commands to this bSlot
    std::optional<wire::MessageType> message_type;       // only this command
};

class FaultSchedule {
public:
    void add(FaultPlan plan);
    void clear() noexcept { plans_.clear(); }

    /// One command arrived: the faults that hit it, in the order the plans were added,
    /// without duplicates.
    std::vector<FaultKind> on_command(std::uint8_t bMessageType, std::uint8_t bSlot);

    /// How often faults of `kind` fired since construction.
    std::size_t fired(FaultKind kind) const noexcept;

private:
    struct ActivePlan {
        FaultPlan plan;
        std::size_t seen = 0;
        std::size_t fired = 0;
    };

    std::vector<ActivePlan> plans_;
    std::array<std::size_t, kFaultKindCount> fired_by_kind_{};
};

}  // namespace tessera::emulator
