#include "tools/emulator_location.hpp"

#include <unistd.h>

#include <system_error>

namespace tessera::tools {

namespace {

/// The canonical form of `path`, or `path` itself when it does not exist.
std::filesystem::path canonical_or_same(const std::filesystem::path& path) {
    std::error_code error;
    std::filesystem::path resolved = std::filesystem::canonical(path, error);
    return error ? path : resolved;
}

}  // namespace

std::filesystem::path running_executable() {
    std::error_code error;
    std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::filesystem::path() : self;
}

std::vector<std::filesystem::path> emulator_candidates(const std::filesystem::path& self,
                                                       const std::filesystem::path& built_tool,
                                                       const std::filesystem::path& built_emulator,
                                                       const std::filesystem::path& installed_emulator) {
    if (self.empty()) {
        return {built_emulator, installed_emulator};
    }
    if (canonical_or_same(self) == canonical_or_same(built_tool)) {
        return {built_emulator};
    }
    return {installed_emulator};
}

std::optional<std::filesystem::path> first_executable(
    const std::vector<std::filesystem::path>& candidates) {
    for (const std::filesystem::path& candidate : candidates) {
        std::error_code error;
        if (std::filesystem::is_regular_file(candidate, error) &&
            access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    return std::nullopt;
}

}  // namespace tessera::tools
