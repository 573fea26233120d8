// What every `tessera` subcommand shares: its signature and the exit codes.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace tessera::tools {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalidInput = 1;  // the input was read but is not valid (bad ATR)
inline constexpr int kExitUsage = 2;         // wrong arguments: nothing was processed

/// A subcommand: receives the arguments after its name, writes results to `out` and
/// diagnostics to `err`, returns the process exit code.
using CommandFunction = int (*)(std::span<const std::string_view> args, std::ostream& out,
                                std::ostream& err);

}  // namespace tessera::tools
