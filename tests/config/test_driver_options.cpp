// Driver options: defaults, every Info.plist key (as <string> or <integer>), every
// environment variable overriding it, and a named error for each kind of bad value.
#include <doctest/doctest.h>

#include <ostream>
#include <string>

#include "config/driver_options.hpp"

using namespace tessera::config;

namespace {

std::string info_plist(const std::string& entries) {
    return "<?xml version=\"1.0\"?>\n<plist version=\"1.0\">\n<dict>\n"
           "\t<key>CFBundleExecutable</key>\n\t<string>libtessera_ifd.so</string>\n" +
           entries + "</dict>\n</plist>\n";
}

std::string entry(const std::string& key, const std::string& value_element) {
    return "\t<key>" + key + "</key>\n\t" + value_element + "\n";
}

tessera::Result<DriverOptions> load(const std::string& entries, const Environment& environment,
                                    OptionsDiagnostics& diagnostics) {
    return load_driver_options(info_plist(entries), environment, diagnostics);
}

DriverOptions load_ok(const std::string& entries, const Environment& environment = {}) {
    OptionsDiagnostics diagnostics;
    const auto options = load(entries, environment, diagnostics);
    REQUIRE_MESSAGE(options.has_value(), diagnostics.source << ": " << diagnostics.message);
    return *options;
}

struct Failure {
    std::error_code error;
    OptionsDiagnostics diagnostics;
};

Failure load_error(const std::string& entries, const Environment& environment = {}) {
    OptionsDiagnostics diagnostics;
    const auto options = load(entries, environment, diagnostics);
    REQUIRE_FALSE(options.has_value());
    CHECK_FALSE(diagnostics.message.empty());
    return {options.error(), diagnostics};
}

}  // namespace

TEST_CASE("without settings the options are the defaults") {
    const DriverOptions options = load_ok("");
    CHECK(options == DriverOptions{});
    CHECK(options.log_level.bits == 0x03);
    CHECK(options.log_level.enabled(LogCategory::critical));
    CHECK(options.log_level.enabled(LogCategory::info));
    CHECK_FALSE(options.log_level.enabled(LogCategory::communication));
    CHECK_FALSE(options.log_level.enabled(LogCategory::periodic));
    CHECK_FALSE(options.escape_commands_allowed);
    CHECK(options.power_on_voltage == PowerOnVoltage::automatic);
    CHECK(options.max_transfer_timeout == std::chrono::seconds(120));
}

TEST_CASE("the log level is read as a hex or decimal string or an integer") {
    CHECK(load_ok(entry("ifdLogLevel", "<string>0x000F</string>")).log_level.bits == 0x0F);
    CHECK(load_ok(entry("ifdLogLevel", "<string>5</string>")).log_level.bits == 5);
    CHECK(load_ok(entry("ifdLogLevel", "<integer>4</integer>")).log_level.bits == 4);
    CHECK(load_ok(entry("ifdLogLevel", "<integer>0</integer>")).log_level.bits == 0);
    const LogLevel communication_only{0x04};
    CHECK(communication_only.enabled(LogCategory::communication));
    CHECK_FALSE(communication_only.enabled(LogCategory::critical));
}

TEST_CASE("ifdDriverOptions bit 0x1 allows escape commands") {
    CHECK(load_ok(entry("ifdDriverOptions", "<string>0x0001</string>")).escape_commands_allowed);
    CHECK_FALSE(
        load_ok(entry("ifdDriverOptions", "<string>0x0000</string>")).escape_commands_allowed);
    CHECK(load_ok(entry("ifdDriverOptions", "<integer>1</integer>")).escape_commands_allowed);
}

TEST_CASE("the power-on voltage and the transfer timeout cap are read") {
    CHECK(load_ok(entry("tesseraPowerOnVoltage", "<string>5V</string>")).power_on_voltage ==
          PowerOnVoltage::v5_0);
    CHECK(load_ok(entry("tesseraPowerOnVoltage", "<string>3.0v</string>")).power_on_voltage ==
          PowerOnVoltage::v3_0);
    CHECK(load_ok(entry("tesseraPowerOnVoltage", "<string>1.8V</string>")).power_on_voltage ==
          PowerOnVoltage::v1_8);
    CHECK(load_ok(entry("tesseraPowerOnVoltage", "<string>AUTO</string>")).power_on_voltage ==
          PowerOnVoltage::automatic);
    CHECK(load_ok(entry("tesseraMaxTransferTimeout", "<string>1</string>")).max_transfer_timeout ==
          std::chrono::seconds(1));
    CHECK(load_ok(entry("tesseraMaxTransferTimeout", "<integer>3600</integer>"))
              .max_transfer_timeout == std::chrono::seconds(3600));
}

TEST_CASE("values of the wrong type are errors naming the key") {
    for (const char* element : {"<array><string>3</string></array>", "<dict/>", "<true/>"}) {
        INFO(element);
        const Failure failure = load_error(entry("ifdLogLevel", element));
        CHECK(failure.error == OptionsError::wrong_type);
        CHECK(failure.diagnostics.source == "Info.plist key ifdLogLevel");
    }
    CHECK(load_error(entry("tesseraPowerOnVoltage", "<integer>5</integer>")).error ==
          OptionsError::wrong_type);
    CHECK(load_error(entry("ifdDriverOptions", "<false/>")).error == OptionsError::wrong_type);
}

TEST_CASE("bad numbers, ranges, bits and words are errors") {
    CHECK(load_error(entry("ifdLogLevel", "<string>three</string>")).error ==
          OptionsError::bad_number);
    CHECK(load_error(entry("ifdLogLevel", "<string>0x</string>")).error ==
          OptionsError::bad_number);
    CHECK(load_error(entry("ifdLogLevel", "<string></string>")).error == OptionsError::bad_number);
    CHECK(load_error(entry("ifdLogLevel", "<string> 3</string>")).error ==
          OptionsError::bad_number);
    CHECK(load_error(entry("ifdLogLevel", "<integer>-1</integer>")).error ==
          OptionsError::out_of_range);
    CHECK(load_error(entry("ifdLogLevel", "<string>0x0010</string>")).error ==
          OptionsError::unknown_bits);
    CHECK(load_error(entry("ifdDriverOptions", "<string>0x0004</string>")).error ==
          OptionsError::unknown_bits);
    CHECK(load_error(entry("tesseraMaxTransferTimeout", "<string>0</string>")).error ==
          OptionsError::out_of_range);
    CHECK(load_error(entry("tesseraMaxTransferTimeout", "<string>3601</string>")).error ==
          OptionsError::out_of_range);
    CHECK(load_error(entry("tesseraMaxTransferTimeout", "<string>99999999999999999999999</string>"))
              .error == OptionsError::bad_number);
    const Failure voltage = load_error(entry("tesseraPowerOnVoltage", "<string>12V</string>"));
    CHECK(voltage.error == OptionsError::bad_word);
    CHECK(voltage.diagnostics.source == "Info.plist key tesseraPowerOnVoltage");
}

TEST_CASE("the environment overrides the Info.plist") {
    const std::string plist = entry("ifdLogLevel", "<string>0x0001</string>") +
                              entry("ifdDriverOptions", "<string>0x0001</string>") +
                              entry("tesseraPowerOnVoltage", "<string>5V</string>") +
                              entry("tesseraMaxTransferTimeout", "<string>30</string>");
    const DriverOptions from_plist = load_ok(plist);
    CHECK(from_plist.log_level.bits == 1);
    CHECK(from_plist.escape_commands_allowed);
    CHECK(from_plist.power_on_voltage == PowerOnVoltage::v5_0);
    CHECK(from_plist.max_transfer_timeout == std::chrono::seconds(30));

    const DriverOptions overridden = load_ok(plist, {{"TESSERA_LOG_LEVEL", "0x0F"},
                                                     {"TESSERA_ESCAPE", "off"},
                                                     {"TESSERA_POWER_ON_VOLTAGE", "1.8V"},
                                                     {"TESSERA_MAX_TRANSFER_TIMEOUT", "600"}});
    CHECK(overridden.log_level.bits == 0x0F);
    CHECK_FALSE(overridden.escape_commands_allowed);
    CHECK(overridden.power_on_voltage == PowerOnVoltage::v1_8);
    CHECK(overridden.max_transfer_timeout == std::chrono::seconds(600));

    const DriverOptions partly = load_ok(plist, {{"TESSERA_LOG_LEVEL", "2"}, {"OTHER", "x"}});
    CHECK(partly.log_level.bits == 2);
    CHECK(partly.escape_commands_allowed);
    CHECK(partly.max_transfer_timeout == std::chrono::seconds(30));

    CHECK(load_ok(plist, {{"TESSERA_LOG_LEVEL", ""}}).log_level.bits == 1);
}

TEST_CASE("TESSERA_ESCAPE accepts the usual words for on and off") {
    for (const char* word : {"1", "yes", "TRUE", "On"}) {
        CHECK(load_ok("", {{"TESSERA_ESCAPE", word}}).escape_commands_allowed);
    }
    for (const char* word : {"0", "no", "false", "OFF"}) {
        CHECK_FALSE(
            load_ok(entry("ifdDriverOptions", "<string>1</string>"), {{"TESSERA_ESCAPE", word}})
                .escape_commands_allowed);
    }
    const Failure failure = load_error("", {{"TESSERA_ESCAPE", "maybe"}});
    CHECK(failure.error == OptionsError::bad_word);
    CHECK(failure.diagnostics.source == "environment TESSERA_ESCAPE");
}

TEST_CASE("bad environment values are errors naming the variable") {
    const Failure level = load_error("", {{"TESSERA_LOG_LEVEL", "0x100"}});
    CHECK(level.error == OptionsError::unknown_bits);
    CHECK(level.diagnostics.source == "environment TESSERA_LOG_LEVEL");
    CHECK(load_error("", {{"TESSERA_LOG_LEVEL", "loud"}}).error == OptionsError::bad_number);
    CHECK(load_error("", {{"TESSERA_POWER_ON_VOLTAGE", "0"}}).error == OptionsError::bad_word);
    CHECK(load_error("", {{"TESSERA_MAX_TRANSFER_TIMEOUT", "0"}}).error ==
          OptionsError::out_of_range);
}

TEST_CASE("a malformed or non-dict Info.plist is an error") {
    OptionsDiagnostics diagnostics;
    const auto broken = load_driver_options("<plist><dict><key>ifdLogLevel</key>", {}, diagnostics);
    REQUIRE_FALSE(broken.has_value());
    CHECK(broken.error() == PlistError::truncated);
    CHECK(diagnostics.source.starts_with("Info.plist line 1"));

    const auto array_root = load_driver_options("<plist><array/></plist>", {}, diagnostics);
    REQUIRE_FALSE(array_root.has_value());
    CHECK(array_root.error() == OptionsError::not_a_dict);
}

TEST_CASE("options from a parsed plist start from the given defaults") {
    const auto root = parse_plist(info_plist(entry("ifdLogLevel", "<string>8</string>")));
    REQUIRE(root.has_value());
    DriverOptions defaults;
    defaults.escape_commands_allowed = true;
    OptionsDiagnostics diagnostics;
    const auto options = options_from_info_plist(*root, diagnostics, defaults);
    REQUIRE(options.has_value());
    CHECK(options->log_level.bits == 8);
    CHECK(options->escape_commands_allowed);
}

TEST_CASE("only TESSERA_ variables are taken from an environment block") {
    const char* envp[] = {"PATH=/usr/bin",  "TESSERA_LOG_LEVEL=7",  "TESSERA_ESCAPE=",
                          "TESSERA_BROKEN", "XTESSERA_LOG_LEVEL=1", "TESSERA_POWER_ON_VOLTAGE=3V=x",
                          nullptr};
    const Environment environment = tessera_environment(envp);
    CHECK(environment.size() == 3);
    CHECK(environment.at("TESSERA_LOG_LEVEL") == "7");
    CHECK(environment.at("TESSERA_ESCAPE").empty());
    CHECK(environment.at("TESSERA_POWER_ON_VOLTAGE") == "3V=x");
    CHECK(tessera_environment(nullptr).empty());
}
