#include "command_line.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "number_text.hpp"
#include "serve_command.hpp"
#include "tests/emulator/model/config_from_dump.hpp"
#include "tools/reader_dump.hpp"

namespace tessera::emulator::serve {
namespace {

constexpr std::size_t kMaxDumpBytes = 1 << 20;  // the corpus' largest dump is ~10 KiB

// Every profile reader_profiles.hpp knows, in enum order (to_string says "unknown" past
// the last), so a profile added there shows up here without an edit.
std::vector<Profile> all_profiles() {
    std::vector<Profile> profiles;
    for (int value = 0; value < 256; ++value) {
        const auto profile = static_cast<Profile>(value);
        if (std::string_view(to_string(profile)) == "unknown") {
            break;
        }
        profiles.push_back(profile);
    }
    return profiles;
}

std::string profile_names() {
    std::string names;
    for (const Profile profile : all_profiles()) {
        names += names.empty() ? "" : ", ";
        names += to_string(profile);
    }
    return names;
}

// What the profile is, from its config (so the text never disagrees with the model).
std::string describe_profile(Profile profile) {
    const ReaderConfig config = make_profile(profile);
    const auto& d = config.descriptor;
    const auto protocols = transport::decode_protocols(d.dwProtocols);
    const auto features = transport::decode_features(d.dwFeatures);
    std::ostringstream text;
    text << transport::to_string(transport::exchange_level(d.dwFeatures)) << " level, "
         << transport::slot_count(d) << (transport::slot_count(d) == 1 ? " slot" : " slots") << ", "
         << (protocols.t0 ? "T=0" : "") << (protocols.t0 && protocols.t1 ? " and " : "")
         << (protocols.t1 ? "T=1" : "") << ", dwMaxCCIDMessageLength " << d.dwMaxCCIDMessageLength;
    if (config.answers_beyond_max_message_length) {
        text << " (whole answers beyond it)";
    }
    if (features.automatic_parameter_negotiation || features.automatic_pps) {
        text << ", automatic PPS";
    }
    if (!config.clocks_khz.empty() || !config.data_rates_bps.empty()) {
        text << ", clock and data-rate lists";
    }
    return text.str();
}

// One option and its value: "--name value" or "--name=value".
class ArgumentCursor {
  public:
    explicit ArgumentCursor(std::span<const std::string_view> arguments) : arguments_(arguments) {}

    bool done() const { return next_ >= arguments_.size(); }

    /// The next option's name; its inline value ("--x=v") is kept for value().
    std::string_view option() {
        std::string_view argument = arguments_[next_++];
        inline_value_.reset();
        if (argument.starts_with("--")) {
            const auto equals = argument.find('=');
            if (equals != std::string_view::npos) {
                inline_value_ = argument.substr(equals + 1);
                argument = argument.substr(0, equals);
            }
        }
        return argument;
    }
    bool has_inline_value() const { return inline_value_.has_value(); }

    /// The current option's value; nullopt when the arguments end.
    std::optional<std::string_view> value() {
        if (inline_value_) {
            return std::exchange(inline_value_, std::nullopt);
        }
        if (done()) {
            return std::nullopt;
        }
        return arguments_[next_++];
    }

  private:
    std::span<const std::string_view> arguments_;
    std::size_t next_ = 0;
    std::optional<std::string_view> inline_value_;
};

std::optional<std::string> read_file(const std::string& path, std::string& error) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        error = "cannot open dump '" + path + "': " + std::strerror(errno);
        return std::nullopt;
    }
    std::string text;
    char buffer[4096];
    while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(file.gcount()));
        if (text.size() > kMaxDumpBytes) {
            error = "dump '" + path + "' is larger than 1 MiB: not a reader dump";
            return std::nullopt;
        }
    }
    if (file.bad()) {
        error = "cannot read dump '" + path + "'";
        return std::nullopt;
    }
    return text;
}

Parsed<ReaderConfig> config_from_dump_file(const CommandLine& line) {
    const std::string& path = *line.dump_path;
    std::string error;
    const auto text = read_file(path, error);
    if (!text) {
        return fail(error);
    }
    corpus::DumpDiagnostics diagnostics;
    auto dumps = corpus::parse_reader_dumps(*text, diagnostics);
    if (!dumps) {
        return fail("dump '" + path + "' line " + std::to_string(diagnostics.line) + ": " +
                    dumps.error().message() +
                    (diagnostics.text.empty() ? "" : " ('" + diagnostics.text + "')"));
    }
    if (dumps->empty()) {
        return fail("dump '" + path + "' describes no device");
    }
    const corpus::ReaderDump& dump = dumps->front();
    std::size_t ccid_interfaces = 0;
    for (const auto& interface : dump.interfaces) {
        ccid_interfaces += interface.ccid.has_value() ? 1 : 0;
    }
    DumpModelOptions options;
    options.ccid_interface = line.dump_interface.value_or(0);
    options.no_card = true;  // make_setup puts the cards from the specs
    auto config = from_dump(dump, options);
    if (!config) {
        if (config.error() == DumpModelError::interface_out_of_range) {
            return fail("dump '" + path + "' has " + std::to_string(ccid_interfaces) +
                        " CCID interface(s): --interface " +
                        std::to_string(options.ccid_interface) + " is out of range (0.." +
                        std::to_string(ccid_interfaces == 0 ? 0 : ccid_interfaces - 1) + ")");
        }
        return fail("dump '" + path + "' cannot be emulated: " + config.error().message());
    }
    return std::move(config).value();
}

ReaderConfig config_from_profile(Profile profile) {
    ReaderConfig config = make_profile(profile);
    config.vendor_id = kDefaultVendorId;
    config.product_id = kDefaultProductId;
    config.manufacturer = "tessera";
    config.product = std::string("tessera emulated CCID reader (") + to_string(profile) + ")";
    config.serial = std::string("EMU-") + to_string(profile);
    return config;
}

}  // namespace

Parsed<CommandLine> parse_command_line(std::span<const std::string_view> arguments) {
    CommandLine line;
    ArgumentCursor cursor(arguments);
    while (!cursor.done()) {
        const std::string_view option = cursor.option();
        const std::string name(option);
        // Options without a value.
        if (option == "--help" || option == "-h" || option == "--list-profiles" ||
            option == "--no-card-at-start" || option == "--pinpad") {
            if (cursor.has_inline_value()) {
                return fail("option " + name + " takes no value");
            }
            if (option == "--no-card-at-start") {
                line.no_card_at_start = true;
            } else if (option == "--pinpad") {
                line.pin_pad = true;
            } else if (line.action == CliAction::serve) {
                line.action =
                    option == "--list-profiles" ? CliAction::list_profiles : CliAction::help;
            }
            continue;
        }
        const bool known = option == "--profile" || option == "--dump" || option == "--interface" ||
                           option == "--readers" || option == "--card" || option == "--serial" ||
                           option == "--product" || option == "--vid" || option == "--pid";
        if (!known) {
            return fail("unknown option '" + name + "' (see --help)");
        }
        const auto value = cursor.value();
        if (!value) {
            return fail("option " + name + " needs a value (see --help)");
        }
        const std::string text(*value);
        if (option == "--profile") {
            if (line.profile) {
                return fail("--profile given twice");
            }
            line.profile = profile_from_name(*value);
            if (!line.profile) {
                return fail("unknown profile '" + text + "'; known: " + profile_names());
            }
        } else if (option == "--dump") {
            if (line.dump_path) {
                return fail("--dump given twice");
            }
            if (text.empty()) {
                return fail("--dump needs a file name");
            }
            line.dump_path = text;
        } else if (option == "--interface") {
            const auto number = parse_decimal(*value, 255);
            if (!number) {
                return fail("--interface '" + text + "' is not a number from 0 to 255");
            }
            line.dump_interface = static_cast<std::size_t>(*number);
        } else if (option == "--readers") {
            const auto number = parse_decimal(*value, kMaxReaders);
            if (!number || *number == 0) {
                return fail("--readers '" + text + "' is not a number from 1 to " +
                            std::to_string(kMaxReaders));
            }
            line.readers = static_cast<std::size_t>(*number);
        } else if (option == "--card") {
            auto spec = parse_card_spec(*value);
            if (!spec) {
                return fail("--card: " + spec.error());
            }
            line.cards.push_back(std::move(spec).value());
        } else if (option == "--serial") {
            line.serial = text;
        } else if (option == "--product") {
            if (text.empty()) {
                return fail("--product needs a non-empty name");
            }
            line.product = text;
        } else if (option == "--vid" || option == "--pid") {
            const auto number = parse_hex(*value, 0xFFFF);
            if (!number) {
                return fail(name + " '" + text + "' is not a 16-bit hex number (e.g. 0x1209)");
            }
            (option == "--vid" ? line.vendor_id : line.product_id) =
                static_cast<std::uint16_t>(*number);
        }
    }
    if (line.profile && line.dump_path) {
        return fail("--profile and --dump exclude each other: give one reader description");
    }
    if (line.dump_interface && !line.dump_path) {
        return fail("--interface chooses among the CCID interfaces of a --dump; no --dump given");
    }
    return line;
}

Parsed<EmulatorSetup> make_setup(const CommandLine& line) {
    ReaderConfig base;
    if (line.dump_path) {
        auto config = config_from_dump_file(line);
        if (!config) {
            return fail(config.error());
        }
        base = std::move(config).value();
    } else {
        base = config_from_profile(line.profile.value_or(kDefaultProfile));
    }
    if (line.vendor_id) {
        base.vendor_id = *line.vendor_id;
    }
    if (line.product_id) {
        base.product_id = *line.product_id;
    }
    if (line.product) {
        base.product = *line.product;
    }
    if (line.serial) {
        base.serial = *line.serial;
    }
    if (line.pin_pad && !base.pin_pad) {  // the pinpad profile's keypad and 2 x 16 display
        base.pin_pad = make_profile(Profile::pinpad).pin_pad;
        base.descriptor.bPINSupport = base.pin_pad->bPINSupport();
        base.descriptor.wLcdLayout = base.pin_pad->wLcdLayout;
    }

    const std::size_t slots = transport::slot_count(base.descriptor);
    std::vector<CardSpec> specs = line.cards;
    if (specs.size() > slots) {
        return fail(std::to_string(specs.size()) + " --card specs given, but the reader has " +
                    std::to_string(slots) + (slots == 1 ? " slot" : " slots"));
    }
    if (specs.empty()) {
        specs.assign(slots, parse_card_spec("auto").value());
    }
    base.cards.clear();
    if (!line.no_card_at_start) {
        for (const CardSpec& spec : specs) {
            base.cards.push_back(make_card(spec, base.descriptor));
        }
    }

    EmulatorSetup setup;
    for (std::size_t index = 0; index < line.readers; ++index) {
        ReaderSetup reader{base, specs};
        if (line.readers > 1 && !reader.config.serial.empty()) {
            reader.config.serial += "-" + std::to_string(index);
        }
        setup.readers.push_back(std::move(reader));
    }
    return setup;
}

std::string usage_text() {
    std::string text =
        "usage: tessera-emulator [OPTIONS]\n"
        "Serves emulated USB CCID readers to libusb through umockdev, for other processes\n"
        "(pcscd, tests) that run under libumockdev-preload.so.0 with UMOCKDEV_DIR.\n"
        "Prints UMOCKDEV_DIR=<dir> and READY, then reads one command per line on stdin.\n"
        "\n"
        "Options:\n"
        "  --profile NAME      a built-in reader (default extended_apdu); see --list-profiles\n"
        "  --dump FILE         a real reader's dump (tests/data/readers/*.txt) instead\n"
        "  --interface N       which CCID interface of the dump (default 0, the first)\n"
        "  --readers N         N identical readers, 1 to 16 (default 1)\n"
        "  --card SPEC         the card of slot 0, then slot 1, ... (repeatable); default:\n"
        "                      'auto' in every slot (T=1 if the reader has it, else T=0)\n"
        "  --no-card-at-start  every slot starts empty\n"
        "  --pinpad            add a PIN pad (verification, modification, 2 x 16 display;\n"
        "                      the user types 1234) to the profile or dump\n"
        "  --serial TEXT       serial number string (several readers: TEXT-0, TEXT-1, ...)\n"
        "  --product TEXT      product string\n"
        "  --vid HEX, --pid HEX  USB vendor / product ID (profiles: 0x1209 / 0x0001)\n"
        "  --list-profiles     list the built-in readers and exit\n"
        "  --help              this text\n"
        "\n"
        "Card SPEC: ";
    text += card_spec_grammar();
    text +=
        ".\n"
        "\n"
        "Commands (R reader, S slot, both default 0; one answer line each:\n"
        "'OK <command> <CLOCK_MONOTONIC ns before the change>' or 'ERROR <reason>'):\n"
        "  insert [R [S [SPEC]]]   put the slot's card (or SPEC) in\n"
        "  remove [R [S]]          take the card out\n"
        "  unplug [R]              unplug the reader\n"
        "  plug [R]                plug it in again (a replug when plugged)\n"
        "  hwerror [R [S]]         overcurrent: card power cut, RDR_to_PC_HardwareError\n"
        "  stats [R]               a 'STATS reader=R urbs=.. ...' line, then OK\n"
        "  fault R KIND [after=N] [times=N|forever] [slot=S] [message=0xNN]\n"
        "  fault R clear           inject a model fault / remove all faults\n"
        "  quit                    stop (also on end of input, SIGINT, SIGTERM)\n"
        "Fault KIND: ";
    text += fault_kind_names();
    text +=
        "\n"
        "\n"
        "Exit status: 0 after quit or end of input, 2 for bad options, 1 when the\n"
        "emulator cannot start, 77 when umockdev is not available, 128+N on signal N.\n";
    return text;
}

std::string profile_list_text() {
    std::string text;
    for (const Profile profile : all_profiles()) {
        std::string name = to_string(profile);
        name.resize(16, ' ');
        text += name + describe_profile(profile) + "\n";
    }
    return text;
}

}  // namespace tessera::emulator::serve
