// The command line of tessera-emulator: parsing the options (parse_command_line, pure)
// and turning them into an EmulatorSetup (make_setup, which reads the dump file, if any).
//
// Options (each takes its value as the next argument or after '='):
//   --profile NAME      a built-in reader (reader_profiles.hpp); default extended_apdu
//   --dump FILE         a real reader's dump (tests/data/readers/*.txt) instead
//   --interface N       which CCID interface of the dump (0 = the first; default 0)
//   --readers N         N identical readers, 1..16 (default 1)
//   --card SPEC         repeatable: slot 0, slot 1, ... (card_spec.hpp); default: an
//                       `auto` card in every slot (a T=1 card in the default reader)
//   --no-card-at-start  every slot starts empty (`insert` still uses the specs)
//   --serial TEXT       iSerialNumber (with several readers, reader R gets TEXT-R)
//   --product TEXT      iProduct
//   --vid HEX --pid HEX idVendor / idProduct
//   --list-profiles, --help
// Profiles are plugged as VID 0x1209 PID 0x0001 (pid.codes test IDs), manufacturer
// "tessera", product "tessera emulated CCID reader (NAME)", serial "EMU-NAME"; a dump
// keeps the identity of the reader it describes. --vid, --pid, --serial and --product
// override either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "card_spec.hpp"
#include "emulator_setup.hpp"
#include "parsed.hpp"
#include "tests/emulator/model/reader_profiles.hpp"

namespace tessera::emulator::serve {

inline constexpr std::uint16_t kDefaultVendorId = 0x1209;   // pid.codes
inline constexpr std::uint16_t kDefaultProductId = 0x0001;  // pid.codes test PID
inline constexpr Profile kDefaultProfile = Profile::extended_apdu;
inline constexpr std::size_t kMaxReaders = 16;

enum class CliAction { serve, help, list_profiles };

/// The options as given, checked for form and consistency (not yet for the dump).
struct CommandLine {
    CliAction action = CliAction::serve;
    std::optional<Profile> profile;
    std::optional<std::string> dump_path;
    std::optional<std::size_t> dump_interface;
    std::size_t readers = 1;
    std::vector<CardSpec> cards;
    bool no_card_at_start = false;
    bool pin_pad = false;  // --pinpad
    std::optional<std::string> serial;
    std::optional<std::string> product;
    std::optional<std::uint16_t> vendor_id;
    std::optional<std::uint16_t> product_id;
};

/// Parses the arguments after the program name. Errors say which option and why.
Parsed<CommandLine> parse_command_line(std::span<const std::string_view> arguments);

/// The readers the command line describes. Reads the dump file. Errors: the dump cannot
/// be read or parsed, has no such CCID interface, more card specs than slots.
Parsed<EmulatorSetup> make_setup(const CommandLine& command_line);

/// --help text (several lines, ends with a newline).
std::string usage_text();
/// --list-profiles text: one profile per line, "NAME  description".
std::string profile_list_text();

}  // namespace tessera::emulator::serve
