#include "serve_command.hpp"

#include <array>
#include <cctype>
#include <span>
#include <vector>

#include "number_text.hpp"
#include "transport/class_descriptor.hpp"

namespace tessera::emulator::serve {
namespace {

struct VerbName {
    std::string_view word;
    Verb verb;
    std::size_t max_arguments;
};

constexpr std::array<VerbName, 8> kVerbs{{
    {"insert", Verb::insert, 3},
    {"remove", Verb::remove, 2},
    {"unplug", Verb::unplug, 1},
    {"plug", Verb::plug, 1},
    {"hwerror", Verb::hwerror, 2},
    {"stats", Verb::stats, 1},
    {"fault", Verb::fault, 6},
    {"quit", Verb::quit, 0},
}};

constexpr const char* kUsage =
    "commands: insert [R [S [SPEC]]], remove [R [S]], unplug [R], plug [R], "
    "hwerror [R [S]], stats [R], fault R KIND|clear [options], quit";

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t at = 0;
    while (at < line.size()) {
        const auto start = line.find_first_not_of(" \t\r", at);
        if (start == std::string_view::npos) {
            break;
        }
        const auto end = line.find_first_of(" \t\r", start);
        words.push_back(line.substr(start, end == std::string_view::npos ? end : end - start));
        at = end == std::string_view::npos ? line.size() : end;
    }
    return words;
}

std::string quoted(std::string_view text) {
    constexpr std::size_t kShown = 40;
    std::string shown(text.substr(0, kShown));
    for (char& c : shown) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
            c = '?';
        }
    }
    return "'" + shown + (text.size() > kShown ? "...'" : "'");
}

Parsed<std::size_t> parse_reader(std::string_view word, std::string_view command,
                                 const EmulatorSetup& setup) {
    const auto number = parse_decimal(word, 1'000'000);
    const std::size_t count = setup.readers.size();
    if (!number) {
        return fail(std::string(command) + ": reader " + quoted(word) + " is not a number");
    }
    if (*number >= count) {
        return fail(
            std::string(command) + ": no reader " + std::to_string(*number) + " (" +
            std::to_string(count) +
            (count == 1 ? " reader: 0)" : " readers: 0.." + std::to_string(count - 1) + ")"));
    }
    return static_cast<std::size_t>(*number);
}

Parsed<std::uint8_t> parse_slot(std::string_view word, std::string_view command,
                                const ReaderSetup& reader, std::size_t reader_index) {
    const auto number = parse_decimal(word, 1'000'000);
    const std::size_t count = transport::slot_count(reader.config.descriptor);
    if (!number) {
        return fail(std::string(command) + ": slot " + quoted(word) + " is not a number");
    }
    if (*number >= count) {
        return fail(std::string(command) + ": reader " + std::to_string(reader_index) +
                    " has no slot " + std::to_string(*number) + " (" + std::to_string(count) +
                    (count == 1 ? " slot: 0)" : " slots: 0.." + std::to_string(count - 1) + ")"));
    }
    return static_cast<std::uint8_t>(*number);
}

std::optional<FaultKind> fault_kind_from_name(std::string_view name) {
    for (std::size_t value = 0; value < kFaultKindCount; ++value) {
        const auto kind = static_cast<FaultKind>(value);
        if (name == fault_kind_name(kind)) {
            return kind;
        }
    }
    return std::nullopt;
}

// "after=N", "times=N|forever", "slot=S", "message=0xNN" after the fault kind.
Parsed<FaultPlan> parse_fault_options(FaultPlan plan, std::span<const std::string_view> options,
                                      const ReaderSetup& reader, std::size_t reader_index) {
    for (const std::string_view option : options) {
        const auto equals = option.find('=');
        const std::string_view name = option.substr(0, equals);
        const std::string_view value =
            equals == std::string_view::npos ? std::string_view() : option.substr(equals + 1);
        if (equals == std::string_view::npos || value.empty()) {
            return fail("fault: option " + quoted(option) +
                        " needs a value (after=N, times=N|forever, slot=S, message=0xNN)");
        }
        if (name == "after") {
            const auto after = parse_decimal(value, 1'000'000'000);
            if (!after) {
                return fail("fault: after=" + quoted(value) + " is not a number");
            }
            plan.after = static_cast<std::size_t>(*after);
        } else if (name == "times") {
            if (value == "forever") {
                plan.times = kPersistent;
            } else {
                const auto times = parse_decimal(value, 1'000'000'000);
                if (!times || *times == 0) {
                    return fail("fault: times=" + quoted(value) +
                                " is not a positive number or 'forever'");
                }
                plan.times = static_cast<std::size_t>(*times);
            }
        } else if (name == "slot") {
            auto slot = parse_slot(value, "fault", reader, reader_index);
            if (!slot) {
                return fail(slot.error());
            }
            plan.slot = slot.value();
        } else if (name == "message") {
            const auto type = parse_hex(value, 0xFF);
            if (!type) {
                return fail("fault: message=" + quoted(value) +
                            " is not a bMessageType in hex (e.g. 0x6F for XfrBlock)");
            }
            plan.message_type = static_cast<wire::MessageType>(*type);
        } else {
            return fail("fault: unknown option " + quoted(name) +
                        " (after=N, times=N|forever, slot=S, message=0xNN)");
        }
    }
    return plan;
}

}  // namespace

std::string fault_kind_name(FaultKind kind) {
    // to_string() says "bulk OUT stall", "wrong bSeq": one word, lower case.
    std::string name = to_string(kind);
    for (char& c : name) {
        c = c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return name;
}

const char* command_word(Verb verb) noexcept {
    if (verb == Verb::fault_clear) {
        return "fault";
    }
    for (const auto& entry : kVerbs) {
        if (entry.verb == verb) {
            return entry.word.data();
        }
    }
    return "";
}

std::string fault_kind_names() {
    std::string names;
    for (std::size_t value = 0; value < kFaultKindCount; ++value) {
        names += names.empty() ? "" : ", ";
        names += fault_kind_name(static_cast<FaultKind>(value));
    }
    return names;
}

Parsed<ServeCommand> parse_serve_command(std::string_view line, const EmulatorSetup& setup) {
    ServeCommand command;
    const auto words = split_words(line);
    if (words.empty() || words.front().starts_with('#')) {
        return command;  // Verb::nothing
    }
    const VerbName* verb = nullptr;
    for (const auto& entry : kVerbs) {
        if (entry.word == words.front()) {
            verb = &entry;
        }
    }
    if (verb == nullptr) {
        return fail("unknown command " + quoted(words.front()) + "; " + kUsage);
    }
    const std::string word(verb->word);
    const std::span<const std::string_view> arguments(words.data() + 1, words.size() - 1);
    if (arguments.size() > verb->max_arguments) {
        return fail(word + ": too many arguments (" + std::to_string(arguments.size()) + "); " +
                    kUsage);
    }
    command.verb = verb->verb;
    if (command.verb == Verb::quit) {
        return command;
    }
    if (command.verb == Verb::fault && arguments.size() < 2) {
        return fail(
            "fault needs a reader and a fault kind: fault R KIND [after=N] "
            "[times=N|forever] [slot=S] [message=0xNN] | fault R clear; kinds: " +
            fault_kind_names());
    }
    if (!arguments.empty()) {
        auto reader = parse_reader(arguments[0], word, setup);
        if (!reader) {
            return fail(reader.error());
        }
        command.reader = reader.value();
    }
    const ReaderSetup& reader = setup.readers.at(command.reader);
    const bool has_slot = command.verb == Verb::insert || command.verb == Verb::remove ||
                          command.verb == Verb::hwerror;
    if (has_slot && arguments.size() >= 2) {
        auto slot = parse_slot(arguments[1], word, reader, command.reader);
        if (!slot) {
            return fail(slot.error());
        }
        command.slot = slot.value();
    }
    if (command.verb == Verb::insert && arguments.size() == 3) {
        auto spec = parse_card_spec(arguments[2]);
        if (!spec) {
            return fail("insert: " + spec.error());
        }
        if (spec->empty_slot()) {
            return fail("insert: card spec 'none' inserts nothing; use remove");
        }
        command.card = std::move(spec).value();
    }
    if (command.verb == Verb::fault) {
        if (arguments[1] == "clear") {
            if (arguments.size() > 2) {
                return fail("fault R clear takes nothing more");
            }
            command.verb = Verb::fault_clear;
            return command;
        }
        const auto kind = fault_kind_from_name(arguments[1]);
        if (!kind) {
            return fail("fault: unknown fault kind " + quoted(arguments[1]) +
                        "; kinds: " + fault_kind_names() + ", or clear");
        }
        FaultPlan plan;
        plan.what = *kind;
        auto parsed = parse_fault_options(plan, arguments.subspan(2), reader, command.reader);
        if (!parsed) {
            return fail(parsed.error());
        }
        command.fault = parsed.value();
    }
    return command;
}

}  // namespace tessera::emulator::serve
