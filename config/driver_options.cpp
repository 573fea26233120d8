#include "config/driver_options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <utility>

namespace tessera::config {

const char* describe(OptionsError error) {
    switch (error) {
        case OptionsError::ok_is_never_used:
            return "no error";
        case OptionsError::not_a_dict:
            return "the Info.plist does not hold a dict";
        case OptionsError::wrong_type:
            return "option value of the wrong type";
        case OptionsError::bad_number:
            return "option value is not a number";
        case OptionsError::out_of_range:
            return "option value out of range";
        case OptionsError::unknown_bits:
            return "option sets bits this driver does not define";
        case OptionsError::bad_word:
            return "option value is not one of the accepted words";
    }
    return "unknown driver options error";
}

namespace {

/// A setting as given: text (environment, <string>) or an <integer>.
struct RawValue {
    std::string text;
    std::optional<std::int64_t> integer;
};

std::optional<std::uint64_t> parse_number(std::string_view text) {
    const bool hex = text.starts_with("0x") || text.starts_with("0X");
    if (hex) {
        text.remove_prefix(2);
    }
    std::uint64_t value = 0;
    const auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), value, hex ? 16 : 10);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string hex(std::uint64_t value) {
    constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    do {
        out.insert(out.begin(), kDigits[value & 0xF]);
        value >>= 4;
    } while (value != 0);
    return "0x" + out;
}

/// Applies one setting to DriverOptions; records what went wrong.
class Setter {
  public:
    Setter(DriverOptions& options, OptionsDiagnostics& diagnostics)
        : options_(options), diagnostics_(diagnostics) {}

    std::error_code log_level(std::string source, const RawValue& value) {
        source_ = std::move(source);
        const auto number = unsigned_number(value);
        if (!number) {
            return error_;
        }
        if ((*number & ~std::uint64_t{kAllLogCategories}) != 0) {
            return fail(OptionsError::unknown_bits, "log level " + hex(*number) +
                                                        " sets bits beyond 0x0F (1 critical, "
                                                        "2 info, 4 communication, 8 periodic)");
        }
        options_.log_level.bits = static_cast<std::uint8_t>(*number);
        return {};
    }

    std::error_code driver_options(std::string source, const RawValue& value) {
        source_ = std::move(source);
        const auto number = unsigned_number(value);
        if (!number) {
            return error_;
        }
        if ((*number & ~std::uint64_t{kKnownDriverOptions}) != 0) {
            return fail(OptionsError::unknown_bits,
                        "driver options " + hex(*number) +
                            " set bits this driver does not define (only 0x1, escape commands)");
        }
        options_.escape_commands_allowed = (*number & kDriverOptionEscapeAllowed) != 0;
        return {};
    }

    std::error_code escape(std::string source, const RawValue& value) {
        source_ = std::move(source);
        const std::string word = lowercase(value.text);
        if (word == "1" || word == "yes" || word == "true" || word == "on") {
            options_.escape_commands_allowed = true;
        } else if (word == "0" || word == "no" || word == "false" || word == "off") {
            options_.escape_commands_allowed = false;
        } else {
            return fail(OptionsError::bad_word, "'" + value.text.substr(0, 40) +
                                                    "' is not one of 1, 0, yes, no, on, off, "
                                                    "true, false");
        }
        return {};
    }

    std::error_code power_on_voltage(std::string source, const RawValue& value) {
        source_ = std::move(source);
        if (value.integer) {
            return fail(OptionsError::wrong_type, "expected a <string>: auto, 5V, 3V or 1.8V");
        }
        const std::string word = lowercase(value.text);
        if (word == "auto") {
            options_.power_on_voltage = PowerOnVoltage::automatic;
        } else if (word == "5v" || word == "5.0v") {
            options_.power_on_voltage = PowerOnVoltage::v5_0;
        } else if (word == "3v" || word == "3.0v") {
            options_.power_on_voltage = PowerOnVoltage::v3_0;
        } else if (word == "1.8v") {
            options_.power_on_voltage = PowerOnVoltage::v1_8;
        } else {
            return fail(OptionsError::bad_word,
                        "'" + value.text.substr(0, 40) + "' is not one of auto, 5V, 3V, 1.8V");
        }
        return {};
    }

    std::error_code max_transfer_timeout(std::string source, const RawValue& value) {
        source_ = std::move(source);
        const auto number = unsigned_number(value);
        if (!number) {
            return error_;
        }
        if (*number < 1 || *number > static_cast<std::uint64_t>(kMaxTransferTimeoutLimit.count())) {
            return fail(OptionsError::out_of_range,
                        std::to_string(*number) + " s is outside 1..3600 s");
        }
        options_.max_transfer_timeout = std::chrono::seconds(*number);
        return {};
    }

  private:
    std::optional<std::uint64_t> unsigned_number(const RawValue& value) {
        if (value.integer) {
            if (*value.integer < 0) {
                fail(OptionsError::out_of_range, "a negative number");
                return std::nullopt;
            }
            return static_cast<std::uint64_t>(*value.integer);
        }
        const auto number = parse_number(value.text);
        if (!number) {
            fail(OptionsError::bad_number,
                 "'" + value.text.substr(0, 40) + "' is not a decimal or 0x hex number");
        }
        return number;
    }

    std::error_code fail(OptionsError error, std::string message) {
        diagnostics_.source = source_;
        diagnostics_.message = std::move(message);
        error_ = make_error_code(error);
        return error_;
    }

    DriverOptions& options_;
    OptionsDiagnostics& diagnostics_;
    std::string source_;
    std::error_code error_;
};

using SetterMethod = std::error_code (Setter::*)(std::string, const RawValue&);

struct PlistOption {
    std::string_view key;
    SetterMethod set;
};
constexpr PlistOption kPlistOptions[] = {
    {kLogLevelKey, &Setter::log_level},
    {kDriverOptionsKey, &Setter::driver_options},
    {kPowerOnVoltageKey, &Setter::power_on_voltage},
    {kMaxTransferTimeoutKey, &Setter::max_transfer_timeout},
};

struct EnvironmentOption {
    std::string_view variable;
    SetterMethod set;
};
constexpr EnvironmentOption kEnvironmentOptions[] = {
    {kLogLevelVariable, &Setter::log_level},
    {kEscapeVariable, &Setter::escape},
    {kPowerOnVoltageVariable, &Setter::power_on_voltage},
    {kMaxTransferTimeoutVariable, &Setter::max_transfer_timeout},
};

}  // namespace

Environment tessera_environment(const char* const* envp) {
    Environment environment;
    for (; envp != nullptr && *envp != nullptr; ++envp) {
        const std::string_view entry = *envp;
        const auto equals = entry.find('=');
        if (entry.starts_with("TESSERA_") && equals != std::string_view::npos) {
            environment.insert_or_assign(std::string(entry.substr(0, equals)),
                                         std::string(entry.substr(equals + 1)));
        }
    }
    return environment;
}

Result<DriverOptions> options_from_info_plist(const PlistValue& root,
                                              OptionsDiagnostics& diagnostics,
                                              const DriverOptions& defaults) {
    diagnostics = {};
    if (root.as_dict() == nullptr) {
        diagnostics.source = "Info.plist";
        diagnostics.message = "the <plist> element does not hold a <dict>";
        return OptionsError::not_a_dict;
    }
    DriverOptions options = defaults;
    Setter setter(options, diagnostics);
    for (const PlistOption& option : kPlistOptions) {
        const PlistValue* value = root.find(option.key);
        if (value == nullptr) {
            continue;
        }
        std::string source = "Info.plist key " + std::string(option.key);
        RawValue raw;
        if (const std::string* text = value->as_string()) {
            raw.text = *text;
        } else if (const std::int64_t* number = value->as_integer()) {
            raw.integer = *number;
        } else {
            diagnostics.source = std::move(source);
            diagnostics.message =
                "expected a <string> or an <integer> (line " + std::to_string(value->line) + ")";
            return OptionsError::wrong_type;
        }
        if (const std::error_code error = (setter.*option.set)(std::move(source), raw)) {
            return error;
        }
    }
    return options;
}

Result<DriverOptions> apply_environment(const DriverOptions& options,
                                        const Environment& environment,
                                        OptionsDiagnostics& diagnostics) {
    diagnostics = {};
    DriverOptions result = options;
    Setter setter(result, diagnostics);
    for (const EnvironmentOption& option : kEnvironmentOptions) {
        const auto found = environment.find(option.variable);
        if (found == environment.end() || found->second.empty()) {
            continue;
        }
        const std::error_code error = (setter.*option.set)(
            "environment " + std::string(option.variable), RawValue{found->second, std::nullopt});
        if (error) {
            return error;
        }
    }
    return result;
}

Result<DriverOptions> load_driver_options(std::string_view info_plist_text,
                                          const Environment& environment,
                                          OptionsDiagnostics& diagnostics) {
    diagnostics = {};
    PlistDiagnostics plist_diagnostics;
    const auto root = parse_plist(info_plist_text, plist_diagnostics);
    if (!root) {
        diagnostics.source = "Info.plist line " + std::to_string(plist_diagnostics.line) +
                             " column " + std::to_string(plist_diagnostics.column);
        diagnostics.message = plist_diagnostics.message;
        return root.error();
    }
    const auto from_plist = options_from_info_plist(*root, diagnostics);
    if (!from_plist) {
        return from_plist.error();
    }
    return apply_environment(*from_plist, environment, diagnostics);
}

}  // namespace tessera::config
