// `tessera emulate [ARGS...]`: runs the emulated USB CCID reader (tessera-emulator,
// tests/emulator/serve) with the same arguments, in place of this process (execv), so
// that its output, its command protocol on stdin and its exit status are the emulator's
// own (`tessera emulate --help` prints its options; 77 means umockdev is missing at run
// time). Where the emulator is looked for: tools/emulator_location.hpp.
// Exit without running it: 1 when no emulator executable is found (it is built only when
// umockdev was found at configure time, and not installed yet) or when it cannot be
// executed; the message says which and where it looked.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace tessera::tools {

int run_emulate_command(std::span<const std::string_view> args, std::ostream& out,
                        std::ostream& err);

}  // namespace tessera::tools
