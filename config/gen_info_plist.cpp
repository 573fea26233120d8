// gen_info_plist: the build-time program that writes the bundle's Info.plist from
// readers.conf, with the driver's own parser (reader_database.hpp) and writer
// (info_plist_writer.hpp), so the database has one parser and one list of flags.
//
// usage: gen_info_plist DATABASE OUTPUT --executable FILE --version VERSION
//                       [--identifier ID] [--log-level N] [--driver-options N]
//
// N is decimal or 0x hex, at most 0xFFFF. Every problem of the database is printed as
// "DATABASE:LINE: message" and stops the build. Exit status: 0 written, 1 the database or
// a file failed, 2 usage error.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/file_io.hpp"
#include "config/info_plist_writer.hpp"
#include "config/reader_database.hpp"

namespace {

using namespace tessera::config;

constexpr std::size_t kMaxDatabaseBytes = 16 * 1024 * 1024;

constexpr const char* kUsage =
    "usage: gen_info_plist DATABASE OUTPUT --executable FILE --version VERSION\n"
    "                      [--identifier ID] [--log-level N] [--driver-options N]\n";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "gen_info_plist: %s\n%s", message.c_str(), kUsage);
    return 2;
}

std::optional<std::uint16_t> parse_number(const std::string& text) {
    if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    errno = 0;
    char* end = nullptr;
    const unsigned long value = std::strtoul(text.c_str(), &end, hex ? 16 : 10);
    if (errno != 0 || end != text.c_str() + text.size() || value > 0xFFFF) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

struct Arguments {
    std::string database;
    std::string output;
    InfoPlistSettings settings;
};

/// The arguments, or the exit status of a usage error (already reported).
std::optional<Arguments> parse_arguments(int argc, char** argv, int& status) {
    Arguments args;
    std::vector<std::string> positional;
    bool have_executable = false, have_version = false;
    status = 2;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (!arg.starts_with("--")) {
            positional.emplace_back(arg);
            continue;
        }
        if (i + 1 >= argc) {
            usage_error(std::string(arg) + " needs a value");
            return std::nullopt;
        }
        const std::string value = argv[++i];
        if (arg == "--executable") {
            args.settings.executable = value;
            have_executable = true;
        } else if (arg == "--version") {
            args.settings.version = value;
            have_version = true;
        } else if (arg == "--identifier") {
            args.settings.identifier = value;
        } else if (arg == "--log-level" || arg == "--driver-options") {
            const auto number = parse_number(value);
            if (!number) {
                usage_error(std::string(arg) + ": expected a number up to 0xFFFF, found '" + value + "'");
                return std::nullopt;
            }
            (arg == "--log-level" ? args.settings.log_level : args.settings.driver_options) = *number;
        } else {
            usage_error("unknown option " + std::string(arg));
            return std::nullopt;
        }
    }
    if (positional.size() != 2 || !have_executable || !have_version) {
        usage_error("expected DATABASE, OUTPUT, --executable and --version");
        return std::nullopt;
    }
    args.database = positional[0];
    args.output = positional[1];
    status = 0;
    return args;
}

}  // namespace

int main(int argc, char** argv) {
    int status = 0;
    const auto args = parse_arguments(argc, argv, status);
    if (!args) return status;

    const auto text = read_text_file(args->database, kMaxDatabaseBytes);
    if (!text) {
        std::fprintf(stderr, "gen_info_plist: %s: %s\n", args->database.c_str(),
                     text.error().message().c_str());
        return 1;
    }
    DatabaseDiagnostics diagnostics;
    const auto database = ReaderDatabase::parse(*text, diagnostics);
    if (!database) {
        for (const DatabaseIssue& issue : diagnostics.issues) {
            std::fprintf(stderr, "%s:%zu: %s\n", args->database.c_str(), issue.line,
                         issue.message.c_str());
        }
        if (diagnostics.issues.empty()) {
            std::fprintf(stderr, "%s: %s\n", args->database.c_str(), database.error().message().c_str());
        }
        return 1;
    }
    const auto plist = info_plist_text(*database, args->settings);
    if (!plist) {
        std::fprintf(stderr,
                     "gen_info_plist: --executable, --version and --identifier must be non-empty "
                     "and use only the characters pcscd keeps in a reader name\n");
        return 2;
    }
    if (const auto error = write_file_atomically(args->output, *plist)) {
        std::fprintf(stderr, "gen_info_plist: %s: %s\n", args->output.c_str(), error.message().c_str());
        return 1;
    }
    return 0;
}
