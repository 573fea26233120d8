// `tessera`: command-line tools for people. Each subcommand is one entry of kCommands.
#include <iomanip>
#include <iostream>
#include <span>
#include <string_view>
#include <vector>

#include "tools/command.hpp"
#include "tools/command_atr.hpp"
#include "tools/command_bundle.hpp"
#include "tools/command_descriptor.hpp"
#include "tools/command_emulate.hpp"

namespace {

using tessera::tools::CommandFunction;

struct Command {
    std::string_view name;
    std::string_view summary;
    CommandFunction run;
};

constexpr Command kCommands[] = {
    {"atr", "decode an Answer-to-Reset: tessera atr [--json] HEX...",
     tessera::tools::run_atr_command},
    {"descriptor", "decode a CCID class descriptor: tessera descriptor [--json] HEX...|FILE",
     tessera::tools::run_descriptor_command},
    {"bundle", "list or add readers of the driver bundle: tessera bundle list|add-reader ...",
     tessera::tools::run_bundle_command},
    {"emulate", "run the emulated USB CCID reader: tessera emulate [ARGS...] (--help)",
     tessera::tools::run_emulate_command},
};

void print_usage(std::ostream& out) {
    out << "usage: tessera COMMAND [ARGS...]\n"
           "       tessera COMMAND --help\n\n"
           "commands:\n";
    for (const Command& command : kCommands) {
        out << "  " << std::left << std::setw(12) << command.name << command.summary << '\n';
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    if (args.empty()) {
        print_usage(std::cerr);
        return tessera::tools::kExitUsage;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_usage(std::cout);
        return tessera::tools::kExitOk;
    }
    for (const Command& command : kCommands) {
        if (command.name == args[0]) {
            return command.run(std::span(args).subspan(1), std::cout, std::cerr);
        }
    }
    std::cerr << "tessera: unknown command '" << args[0] << "'\n";
    print_usage(std::cerr);
    return tessera::tools::kExitUsage;
}
