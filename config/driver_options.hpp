// Driver options: what an administrator may change without a rebuild, read from the
// bundle's Info.plist and overridden by environment variables (pcscd's environment).
//
//   Info.plist key          environment variable          meaning
//   ifdLogLevel             TESSERA_LOG_LEVEL             LogCategory bits (default 0x3)
//   ifdDriverOptions        TESSERA_ESCAPE (0/1, on/off)  bit 0x1: escape commands allowed
//   tesseraPowerOnVoltage   TESSERA_POWER_ON_VOLTAGE      auto, 5V, 3V or 1.8V
//   tesseraMaxTransferTimeout TESSERA_MAX_TRANSFER_TIMEOUT  seconds, 1..3600 (default 120)
//
// Numbers are decimal or 0x hex, in a <string> (as pcscd-style Info.plists write them) or
// an <integer>. A missing key keeps the default; a value of the wrong type, out of range
// or with unknown bits is an error naming the key or variable (the caller logs it and
// runs with defaults). The environment is passed in as a map: nothing here reads the
// process environment. Pure code, no state.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <system_error>

#include "config/plist.hpp"
#include "base/error.hpp"
#include "base/result.hpp"

namespace tessera::config {

/// Log categories, the bits of ifdLogLevel. The meanings are those libccid gives the same
/// key, so an administrator's settings carry over.
enum class LogCategory : std::uint8_t {
    critical = 0x01,       // errors that stop a reader or a command
    info = 0x02,           // what was found and chosen (reader, slots, protocol, rates)
    communication = 0x04,  // every message exchanged with the reader (PIN blocks masked)
    periodic = 0x08,       // the card presence polling
};

struct LogLevel {
    std::uint8_t bits = 0x03;  // critical + info
    bool enabled(LogCategory category) const {
        return (bits & static_cast<std::uint8_t>(category)) != 0;
    }
    bool operator==(const LogLevel&) const = default;
};
inline constexpr std::uint8_t kAllLogCategories = 0x0F;

/// bit of ifdDriverOptions (the meaning libccid gives that bit too).
inline constexpr std::uint32_t kDriverOptionEscapeAllowed = 0x0001;
inline constexpr std::uint32_t kKnownDriverOptions = kDriverOptionEscapeAllowed;

/// The voltage of the first power-on attempt (CCID 6.1.1 bPowerSelect).
enum class PowerOnVoltage {
    automatic,  // the driver decides from bVoltageSupport and the reader's features
    v5_0,
    v3_0,
    v1_8,
};

struct DriverOptions {
    LogLevel log_level;
    /// Whether IFDHControl may pass raw CCID escape commands (PC_to_RDR_Escape) to the
    /// reader. Off by default: an escape command can reprogram or brick a reader.
    bool escape_commands_allowed = false;
    PowerOnVoltage power_on_voltage = PowerOnVoltage::automatic;
    /// Upper bound on any single wait for the reader, time extensions included.
    std::chrono::seconds max_transfer_timeout{120};

    bool operator==(const DriverOptions&) const = default;
};

inline constexpr std::string_view kLogLevelKey = "ifdLogLevel";
inline constexpr std::string_view kDriverOptionsKey = "ifdDriverOptions";
inline constexpr std::string_view kPowerOnVoltageKey = "tesseraPowerOnVoltage";
inline constexpr std::string_view kMaxTransferTimeoutKey = "tesseraMaxTransferTimeout";
inline constexpr std::string_view kLogLevelVariable = "TESSERA_LOG_LEVEL";
inline constexpr std::string_view kEscapeVariable = "TESSERA_ESCAPE";
inline constexpr std::string_view kPowerOnVoltageVariable = "TESSERA_POWER_ON_VOLTAGE";
inline constexpr std::string_view kMaxTransferTimeoutVariable = "TESSERA_MAX_TRANSFER_TIMEOUT";
inline constexpr std::chrono::seconds kMaxTransferTimeoutLimit{3600};

enum class OptionsError {
    ok_is_never_used = 0,
    not_a_dict = 1,  // the Info.plist's root value is not a dict
    wrong_type,      // a key holds an array, dict or boolean where a value is expected
    bad_number,      // not a decimal or 0x hex number
    out_of_range,    // a number outside the option's range
    unknown_bits,    // log level or driver option bits this driver does not define
    bad_word,        // not one of the words the option accepts (voltage, on/off)
};

const char* describe(OptionsError error);

/// Which setting was wrong ("Info.plist key ifdLogLevel", "environment TESSERA_ESCAPE")
/// and why, in words.
struct OptionsDiagnostics {
    std::string source;
    std::string message;
};

/// Environment variables, name -> value.
using Environment = std::map<std::string, std::string, std::less<>>;

/// The TESSERA_* entries of an envp-style array ("NAME=value", null-terminated), e.g.
/// `environ` at the pcscd edge. Other variables are left out.
Environment tessera_environment(const char* const* envp);

/// `defaults` with every option the Info.plist's root dict sets.
Result<DriverOptions> options_from_info_plist(const PlistValue& root,
                                              OptionsDiagnostics& diagnostics,
                                              const DriverOptions& defaults = {});

/// `options` with every option the environment sets (variables set to "" are ignored).
Result<DriverOptions> apply_environment(const DriverOptions& options,
                                        const Environment& environment,
                                        OptionsDiagnostics& diagnostics);

/// Parses the Info.plist text, then applies the environment. Plist syntax errors come
/// back as PlistError codes (the message and line in diagnostics).
Result<DriverOptions> load_driver_options(std::string_view info_plist_text,
                                          const Environment& environment,
                                          OptionsDiagnostics& diagnostics);

}  // namespace tessera::config

TESSERA_ERROR_ENUM(tessera::config, OptionsError, "driver options");
