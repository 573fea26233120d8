// serve(): one emulator session. Plugs the setup's readers into a fresh umockdev testbed,
// announces it, then carries out commands (serve_command.hpp) until `quit` or the end of
// `commands`.
//
// Output on `out`, each line flushed at once:
//   UMOCKDEV_DIR=<dir>        the testbed clients join (with LD_PRELOAD and UMOCKDEV_DIR)
//   READY                     the readers are plugged
//   then exactly one answer line per command:
//   OK <command word> <ns>    done; <ns> is CLOCK_MONOTONIC taken immediately before the
//                             change was applied (for `stats` and `quit`: when the
//                             command ran)
//   ERROR <reason>            refused or malformed; nothing changed
//   `stats` first prints "STATS reader=R urbs=N reaped=N ioctls=N bulk_out=N in=N
//   control=N interrupts=N messages=N plugged=0|1", then its OK line.
// If the testbed or a reader cannot be set up, it prints "ERROR cannot start: <why>"
// instead of READY and returns 1.
//
// Returns 0 after quit or end of input. Blocks on `commands` only; every change it makes
// is short and bounded. Preconditions: the process runs under the umockdev preload
// (run_under_umockdev_preload()); only one serve() at a time per process (umockdev sets
// $UMOCKDEV_DIR for the whole process).
#pragma once

#include <iosfwd>

#include "emulator_setup.hpp"

namespace tessera::emulator::serve {

int serve(const EmulatorSetup& setup, std::istream& commands, std::ostream& out);

}  // namespace tessera::emulator::serve
