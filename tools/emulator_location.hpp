// Finding the tessera-emulator executable (tests/emulator/serve) for `tessera emulate`.
//
// A `tessera` run from the build tree uses the emulator of the same build tree; any other
// (installed, copied) `tessera` uses <prefix>/<libexecdir>/tessera/tessera-emulator. The
// build does not install the emulator yet, so today only the build-tree case finds one.
// Reads the file system only; no state.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

namespace tessera::tools {

/// The running executable (Linux: /proc/self/exe, resolved), or an empty path when the
/// system does not say.
std::filesystem::path running_executable();

/// Where the emulator may be, in the order to try, for a `tessera` at `self` (empty:
/// unknown, then both places are tried). `built_tool` is the build tree's `tessera`.
std::vector<std::filesystem::path> emulator_candidates(const std::filesystem::path& self,
                                                       const std::filesystem::path& built_tool,
                                                       const std::filesystem::path& built_emulator,
                                                       const std::filesystem::path& installed_emulator);

/// The first candidate that is an executable regular file, or nullopt.
std::optional<std::filesystem::path> first_executable(
    const std::vector<std::filesystem::path>& candidates);

}  // namespace tessera::tools
