#include "serve.hpp"

#include <exception>
#include <istream>
#include <memory>
#include <ostream>
#include <string>

#include "emulated_readers.hpp"
#include "monotonic_clock.hpp"
#include "serve_command.hpp"

namespace tessera::emulator::serve {
namespace {

enum class LineStatus { line, too_long, end };

// One line of at most kMaxCommandLine bytes; a longer one is read to its end and dropped,
// so that a runaway client cannot make the emulator hold unbounded memory.
LineStatus read_line(std::istream& in, std::string& line) {
    line.clear();
    bool too_long = false;
    for (;;) {
        const auto c = in.get();
        if (c == std::char_traits<char>::eof()) {
            if (line.empty() && !too_long) {
                return LineStatus::end;
            }
            break;
        }
        if (c == '\n') {
            break;
        }
        if (line.size() < kMaxCommandLine) {
            line.push_back(static_cast<char>(c));
        } else {
            too_long = true;
        }
    }
    return too_long ? LineStatus::too_long : LineStatus::line;
}

void say(std::ostream& out, const std::string& line) {
    out << line << '\n';
    out.flush();
}

std::string stats_line(std::size_t reader, const ReaderStats& stats) {
    return "STATS reader=" + std::to_string(reader) +
           " urbs=" + std::to_string(stats.usb.urbs_submitted) +
           " reaped=" + std::to_string(stats.usb.urbs_reaped) +
           " ioctls=" + std::to_string(stats.usb.ioctls) +
           " bulk_out=" + std::to_string(stats.usb.bulk_out_transfers) +
           " in=" + std::to_string(stats.usb.in_transfers) +
           " control=" + std::to_string(stats.usb.control_transfers) +
           " interrupts=" + std::to_string(stats.interrupts) +
           " messages=" + std::to_string(stats.messages) +
           " plugged=" + (stats.plugged ? "1" : "0");
}

// Carries out one parsed command; returns the change (or refusal) to report.
Change execute(const ServeCommand& command, const EmulatorSetup& setup, EmulatedReaders& readers,
               std::ostream& out) {
    switch (command.verb) {
        case Verb::insert:
            return readers.insert(
                command.reader, command.slot,
                command.card ? *command.card
                             : setup.readers.at(command.reader).card_for_slot(command.slot));
        case Verb::remove:
            return readers.remove(command.reader, command.slot);
        case Verb::unplug:
            return readers.unplug(command.reader);
        case Verb::plug:
            return readers.plug(command.reader);
        case Verb::hwerror:
            return readers.hardware_error(command.reader, command.slot);
        case Verb::fault:
            return readers.add_fault(command.reader, command.fault);
        case Verb::fault_clear:
            return readers.clear_faults(command.reader);
        case Verb::stats: {
            const std::uint64_t at = monotonic_ns();
            say(out, stats_line(command.reader, readers.stats(command.reader)));
            return Change{at, {}};
        }
        case Verb::quit:
        case Verb::nothing:
            break;
    }
    return Change{monotonic_ns(), {}};
}

}  // namespace

int serve(const EmulatorSetup& setup, std::istream& commands, std::ostream& out) {
    std::unique_ptr<EmulatedReaders> readers;
    try {
        readers = std::make_unique<EmulatedReaders>(setup);
    } catch (const std::exception& error) {
        say(out, std::string("ERROR cannot start: ") + error.what());
        return 1;
    }
    say(out, "UMOCKDEV_DIR=" + readers->root_dir());
    say(out, "READY");

    std::string line;
    for (;;) {
        const LineStatus status = read_line(commands, line);
        if (status == LineStatus::end || !out) {
            break;
        }
        if (status == LineStatus::too_long) {
            say(out,
                "ERROR command line longer than " + std::to_string(kMaxCommandLine) + " bytes");
            continue;
        }
        auto command = parse_serve_command(line, setup);
        if (!command) {
            say(out, "ERROR " + command.error());
            continue;
        }
        if (command->verb == Verb::nothing) {
            continue;
        }
        Change change;
        try {
            change = execute(command.value(), setup, *readers, out);
        } catch (const std::exception& error) {
            change.refused = std::string(command_word(command->verb)) + " failed: " + error.what();
        }
        if (!change.done()) {
            say(out, "ERROR " + change.refused);
            continue;
        }
        say(out,
            std::string("OK ") + command_word(command->verb) + " " + std::to_string(change.at_ns));
        if (command->verb == Verb::quit) {
            break;
        }
    }
    return 0;
}

}  // namespace tessera::emulator::serve
