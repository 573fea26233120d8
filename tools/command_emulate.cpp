#include "tools/command_emulate.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "tools/command.hpp"
#include "tools/emulator_location.hpp"
#include "tools/install_paths.hpp"

namespace tessera::tools {

namespace {

constexpr std::string_view kName = "tessera emulate: ";

}  // namespace

int run_emulate_command(std::span<const std::string_view> args, std::ostream& out,
                        std::ostream& err) {
    const std::vector<std::filesystem::path> candidates =
        emulator_candidates(running_executable(), built_tool_path(), built_emulator_path(),
                            installed_emulator_path());
    const auto emulator = first_executable(candidates);
    if (!emulator) {
        err << kName << "the emulator (tessera-emulator) was not built: it needs umockdev "
               "(Debian packages umockdev and libumockdev-dev) when the build is configured, "
               "and is not installed by `meson install` yet; run tessera from the build "
               "tree. Looked for:";
        for (const std::filesystem::path& candidate : candidates) {
            err << ' ' << candidate.string();
        }
        err << '\n';
        return kExitInvalidInput;
    }

    const std::string program = emulator->string();
    std::vector<std::string> strings{program};
    strings.insert(strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& text : strings) {
        argv.push_back(text.data());
    }
    argv.push_back(nullptr);
    out.flush();
    err.flush();
    execv(program.c_str(), argv.data());
    const int error = errno;
    err << kName << "cannot run " << program << ": " << std::strerror(error) << '\n';
    return kExitInvalidInput;
}

}  // namespace tessera::tools
