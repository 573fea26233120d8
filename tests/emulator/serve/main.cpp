// tessera-emulator: emulated USB CCID readers in a process of their own, for an
// unmodified pcscd (with tessera's driver or Debian's libccid), end-to-end tests and the
// benchmark. Options: command_line.hpp (or --help); command protocol: serve.hpp.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

#include "command_line.hpp"
#include "serve.hpp"
#include "signal_aware_input.hpp"
#include "umockdev_preload.hpp"

namespace serve = tessera::emulator::serve;

int main(int argc, char** argv) {
    // First: the testbed needs umockdev's preload in this very process.
    const auto preload = tessera::emulator::run_under_umockdev_preload(argv);
    if (!preload.active) {
        std::fprintf(stderr,
                     "tessera-emulator: umockdev is not available (%s); install the Debian "
                     "packages umockdev and libumockdev0\n",
                     preload.reason.c_str());
        return tessera::emulator::kExitSkipped;
    }
    const std::vector<std::string_view> arguments(argv + (argc > 0 ? 1 : 0), argv + argc);
    auto command_line = serve::parse_command_line(arguments);
    if (!command_line) {
        std::fprintf(stderr, "tessera-emulator: %s\n", command_line.error().c_str());
        return 2;
    }
    switch (command_line->action) {
        case serve::CliAction::help:
            std::fputs(serve::usage_text().c_str(), stdout);
            return 0;
        case serve::CliAction::list_profiles:
            std::fputs(serve::profile_list_text().c_str(), stdout);
            return 0;
        case serve::CliAction::serve:
            break;
    }
    auto setup = serve::make_setup(command_line.value());
    if (!setup) {
        std::fprintf(stderr, "tessera-emulator: %s\n", setup.error().c_str());
        return 2;
    }
    // A client that stops reading our answers must not kill us before the cleanup.
    signal(SIGPIPE, SIG_IGN);
    try {
        serve::SignalAwareInput input_buffer(STDIN_FILENO);  // before any thread starts
        std::istream commands(&input_buffer);
        const int status = serve::serve(setup.value(), commands, std::cout);
        if (input_buffer.signal_received() != 0) {
            return 128 + input_buffer.signal_received();
        }
        return status;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "tessera-emulator: %s\n", error.what());
        return 1;
    }
}
