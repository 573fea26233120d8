// The emulator's command protocol, one command per line (parse_serve_command; pure).
//
//   insert [R [S [SPEC]]]   a card into reader R slot S (default 0 0): SPEC, else the
//                           slot's spec from the setup (card_spec.hpp)
//   remove [R [S]]          the card out of reader R slot S
//   unplug [R]              reader R unplugged
//   plug [R]                reader R plugged in again (unplugged first if it is plugged)
//   hwerror [R [S]]         overcurrent in reader R slot S (CCID 6.3.2)
//   stats [R]               counters of reader R
//   fault R KIND [after=N] [times=N|forever] [slot=S] [message=0xNN]
//                           a fault plan for reader R's model (fault_schedule.hpp); KIND
//                           is a fault_kind_name(): bulk_out_stall, bulk_in_stall,
//                           no_answer, short_reply, trailing_bytes, oversized_reply,
//                           wrong_bseq, wrong_bslot, endless_time_extension,
//                           hardware_error, unplug
//   fault R clear           removes every fault plan of reader R
//   quit                    ends the session
// Words are separated by spaces or tabs; blank lines and lines starting with '#' are no
// command (they get no answer). Reader numbers are checked against the setup here, slot
// numbers too (against the reader's bMaxSlotIndex).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "card_spec.hpp"
#include "emulator_setup.hpp"
#include "parsed.hpp"
#include "tests/emulator/model/fault_schedule.hpp"

namespace tessera::emulator::serve {

enum class Verb { nothing, insert, remove, unplug, plug, hwerror, stats, fault, fault_clear, quit };

/// The command word of a verb, as the OK line repeats it ("fault" for fault_clear).
const char* command_word(Verb verb) noexcept;

struct ServeCommand {
    Verb verb = Verb::nothing;
    std::size_t reader = 0;
    std::uint8_t slot = 0;
    std::optional<CardSpec> card;  // insert with SPEC
    FaultPlan fault{};             // fault
};

/// Longest accepted command line (bytes, without the newline).
inline constexpr std::size_t kMaxCommandLine = 4096;

/// Parses one line (without its newline). Errors name the command and what was wrong.
Parsed<ServeCommand> parse_serve_command(std::string_view line, const EmulatorSetup& setup);

/// A FaultKind's name in commands: its to_string() in lower case with '_' for spaces
/// (bulk_out_stall, no_answer, wrong_bseq, unplug, ...).
std::string fault_kind_name(FaultKind kind);

/// The FaultKind names, comma-separated, for messages and help.
std::string fault_kind_names();

}  // namespace tessera::emulator::serve
