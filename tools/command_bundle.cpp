#include "tools/command_bundle.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "config/bundle.hpp"
#include "config/file_io.hpp"
#include "config/info_plist_readers.hpp"
#include "config/plist.hpp"
#include "config/reader_name.hpp"
#include "tools/command.hpp"
#include "tools/install_paths.hpp"
#include "config/usb_id.hpp"

namespace tessera::tools {

namespace {

constexpr std::string_view kName = "tessera bundle: ";

std::string usage_text() {
    return "usage: tessera bundle list [--bundle DIR]\n"
           "       tessera bundle add-reader [--bundle DIR] VID PID NAME\n"
           "  list        print the readers the bundle's Info.plist lists for pcscd,\n"
           "              one per line: VVVV:PPPP name\n"
           "  add-reader  add a class-compliant USB CCID reader to that list, so that\n"
           "              pcscd uses tessera for it after a restart. VID and PID in hex\n"
           "              (1209 or 0x1209); NAME in quotes, letters, digits, space and\n"
           "              !#$%()*+,-./:=?@_~' only, at most 100 characters\n"
           "  --bundle DIR  the bundle directory (default: the installed one,\n"
           "              " + installed_bundle_path().string() + ")\n"
           "exit status: 0 done, 1 the bundle cannot be read or written or already lists\n"
           "the reader (nothing changed), 2 usage error\n";
}

/// The arguments after the subcommand: --bundle DIR and the operands.
struct Arguments {
    std::filesystem::path bundle = installed_bundle_path();
    std::vector<std::string_view> operands;
    bool help = false;
};

/// Parses them, or writes the problem to `err` and returns nullopt.
std::optional<Arguments> parse_arguments(std::span<const std::string_view> args,
                                         std::ostream& err) {
    Arguments parsed;
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (options_done || !arg.starts_with("-") || arg == "-") {
            parsed.operands.push_back(arg);
        } else if (arg == "--help" || arg == "-h") {
            parsed.help = true;
        } else if (arg == "--bundle") {
            if (i + 1 >= args.size() || args[i + 1].empty()) {
                err << kName << "--bundle needs a directory\n";
                return std::nullopt;
            }
            parsed.bundle = std::filesystem::path(args[++i]);
        } else if (arg.starts_with("--bundle=") && arg.size() > 9) {
            parsed.bundle = std::filesystem::path(arg.substr(9));
        } else if (arg == "--") {
            options_done = true;
        } else {
            err << kName << "unknown option '" << arg << "'\n";
            return std::nullopt;
        }
    }
    return parsed;
}

int list_readers(const Arguments& arguments, std::ostream& out, std::ostream& err) {
    if (!arguments.operands.empty()) {
        err << kName << "list takes no operands (got '" << arguments.operands.front() << "')\n"
            << usage_text();
        return kExitUsage;
    }
    const std::filesystem::path path = config::info_plist_path(arguments.bundle);
    const auto text = config::read_text_file(path, config::kMaxInfoPlistBytes);
    if (!text) {
        err << kName << "cannot read " << path.string() << ": " << text.error().message()
            << '\n';
        return kExitInvalidInput;
    }
    config::PlistDiagnostics plist_diagnostics;
    const auto root = config::parse_plist(*text, plist_diagnostics);
    if (!root) {
        err << kName << path.string() << ": line " << plist_diagnostics.line << ", column "
            << plist_diagnostics.column << ": " << plist_diagnostics.message << '\n';
        return kExitInvalidInput;
    }
    config::BundleDiagnostics diagnostics;
    const auto readers = config::listed_readers(*root, diagnostics);
    if (!readers) {
        err << kName << path.string() << ": " << readers.error().message() << ": "
            << diagnostics.message << '\n';
        return kExitInvalidInput;
    }
    for (const config::ListedReader& reader : *readers) {
        out << config::usb_id_text(reader.vendor_id) << ':'
            << config::usb_id_text(reader.product_id) << ' '
            << reader.name << '\n';
    }
    return kExitOk;
}

int add_reader(const Arguments& arguments, std::ostream& out, std::ostream& err) {
    const auto& operands = arguments.operands;
    if (operands.size() != 3) {
        err << kName << "add-reader needs VID, PID and NAME (got " << operands.size()
            << " operand" << (operands.size() == 1 ? "" : "s")
            << "; put a NAME with spaces in quotes)\n"
            << usage_text();
        return kExitUsage;
    }
    const auto vendor_id = config::parse_usb_id(operands[0]);
    const auto product_id = config::parse_usb_id(operands[1]);
    if (!vendor_id || !product_id) {
        err << kName << "'" << (vendor_id ? operands[1] : operands[0])
            << "' is not a USB ID: 1 to 4 hex digits, optionally after 0x\n"
            << usage_text();
        return kExitUsage;
    }
    const std::string_view name = operands[2];
    if (const auto problem = config::check_reader_name(name);
        problem != config::ReaderNameProblem::none) {
        err << kName << "cannot list the name '" << name << "': " << config::describe(problem)
            << '\n';
        return kExitUsage;
    }

    config::BundleDiagnostics diagnostics;
    const std::error_code error = config::add_reader_to_bundle(arguments.bundle, *vendor_id,
                                                               *product_id, name, diagnostics);
    const std::string reader =
        config::usb_id_text(*vendor_id) + ":" + config::usb_id_text(*product_id);
    if (error) {
        err << kName << diagnostics.message << '\n';
        if (error == std::errc::permission_denied || error == std::errc::read_only_file_system ||
            error == std::errc::operation_not_permitted) {
            err << kName << "the installed bundle belongs to root: run the command as root\n";
        }
        err << kName << config::info_plist_path(arguments.bundle).string()
            << " was not changed\n";
        return error == config::BundleError::bad_reader_name ? kExitUsage : kExitInvalidInput;
    }
    out << "added " << reader << ' ' << name << " to "
        << config::info_plist_path(arguments.bundle).string() << '\n'
        << "next: restart pcscd so that it reads the new list (e.g. systemctl restart pcscd),\n"
           "then plug the reader in again\n";
    return kExitOk;
}

}  // namespace

int run_bundle_command(std::span<const std::string_view> args, std::ostream& out,
                       std::ostream& err) {
    if (args.empty()) {
        err << kName << "missing subcommand (list or add-reader)\n" << usage_text();
        return kExitUsage;
    }
    const std::string_view subcommand = args[0];
    if (subcommand == "--help" || subcommand == "-h" || subcommand == "help") {
        out << usage_text();
        return kExitOk;
    }
    if (subcommand != "list" && subcommand != "add-reader") {
        err << kName << "unknown subcommand '" << subcommand << "'\n" << usage_text();
        return kExitUsage;
    }
    const auto arguments = parse_arguments(args.subspan(1), err);
    if (!arguments) {
        err << usage_text();
        return kExitUsage;
    }
    if (arguments->help) {
        out << usage_text();
        return kExitOk;
    }
    return subcommand == "list" ? list_readers(*arguments, out, err)
                                : add_reader(*arguments, out, err);
}

}  // namespace tessera::tools
