#include "tools/command_descriptor.hpp"

#include <charconv>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tools/command.hpp"
#include "tools/descriptor_input.hpp"
#include "tools/descriptor_listing.hpp"
#include "transport/class_descriptor.hpp"

namespace tessera::tools {

namespace {

constexpr std::string_view kUsage =
    "usage: tessera descriptor [--json] [--proprietary] [--interface N] HEX...|FILE\n"
    "  Decodes a USB CCID class descriptor (CCID rev 1.1 section 5.1): 54 bytes from\n"
    "  bLength and bDescriptorType 21. HEX may hold spaces or colons and may be split over\n"
    "  several arguments. FILE holds the descriptor (binary or hex) or is a reader dump\n"
    "  (as tests/data/readers/*.txt).\n"
    "  --json         print one JSON object (the specification's field names)\n"
    "  --proprietary  also accept bDescriptorType FF (early readers)\n"
    "  --interface N  in a reader dump, the interface with bInterfaceNumber N\n"
    "exit status: 0 valid descriptor, 1 invalid descriptor, 2 usage error\n";

constexpr std::string_view kName = "tessera descriptor: ";

std::optional<std::uint8_t> parse_interface_number(std::string_view text) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value > 0xFF) {
        return std::nullopt;
    }
    return static_cast<std::uint8_t>(value);
}

struct Options {
    bool json = false;
    bool proprietary = false;
    std::optional<std::uint8_t> interface;
    std::vector<std::string_view> operands;
};

}  // namespace

int run_descriptor_command(std::span<const std::string_view> args, std::ostream& out,
                           std::ostream& err) {
    Options options;
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (options_done || !arg.starts_with("-")) {
            options.operands.push_back(arg);
        } else if (arg == "--help" || arg == "-h") {
            out << kUsage;
            return kExitOk;
        } else if (arg == "--json") {
            options.json = true;
        } else if (arg == "--proprietary") {
            options.proprietary = true;
        } else if (arg == "--interface") {
            options.interface = i + 1 < args.size() ? parse_interface_number(args[++i])
                                                    : std::nullopt;
            if (!options.interface) {
                err << kName << "--interface needs a number from 0 to 255\n" << kUsage;
                return kExitUsage;
            }
        } else if (arg == "--") {
            options_done = true;
        } else {
            err << kName << "unknown option '" << arg << "'\n" << kUsage;
            return kExitUsage;
        }
    }

    auto input = read_descriptor_source(options.operands, options.interface);
    if (const auto* problem = std::get_if<InputProblem>(&input)) {
        err << kName << problem->message << '\n';
        if (problem->exit_code == kExitUsage) {
            err << kUsage;
        }
        return problem->exit_code;
    }
    const DescriptorSource& source = std::get<DescriptorSource>(input);
    transport::DescriptorOptions parse_options;
    parse_options.accept_proprietary_type = options.proprietary || source.vendor_interface;
    const auto descriptor = transport::parse_class_descriptor(source.bytes, parse_options);
    if (!descriptor) {
        err << kName << "invalid class descriptor (" << source.bytes.size()
            << " bytes from " << source.origin << "): " << descriptor.error().message() << '\n';
        return kExitInvalidInput;
    }
    if (options.json) {
        write_descriptor_json(*descriptor, out);
    } else {
        write_descriptor_text(*descriptor, source.origin, out);
        if (source.ccid_interfaces.size() > 1) {
            out << "\nThe dump holds " << source.ccid_interfaces.size()
                << " class descriptors (interfaces";
            for (const std::uint8_t number : source.ccid_interfaces) {
                out << ' ' << int(number);
            }
            out << "); choose one with --interface N\n";
        }
    }
    return kExitOk;
}

}  // namespace tessera::tools
