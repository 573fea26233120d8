// info_plist_text(): the Info.plist the build writes from a database lists its readers in
// order, reads back with the driver's own plist and option readers, and refuses settings
// pcscd's lexer would mangle.
#include <doctest/doctest.h>

#include <ostream>
#include <string>

#include "config/driver_options.hpp"
#include "config/info_plist_readers.hpp"
#include "config/info_plist_writer.hpp"
#include "config/plist.hpp"

using namespace tessera::config;

namespace {

ReaderDatabase two_readers() {
    auto database = ReaderDatabase::parse(
        "reader 0B0C:0001 Second reader (in file order)\n"
        "    quirk zero_length_packet: flags do not reach the Info.plist\n"
        "[other]\n"
        "reader 0A0B:00FF First-listed? No: file order\n");
    REQUIRE(database.has_value());
    return std::move(*database);
}

InfoPlistSettings settings() {
    InfoPlistSettings s;
    s.executable = "libexample.so";
    s.version = "1.2.3";
    return s;
}

}  // namespace

TEST_CASE("the written Info.plist lists the database's readers in file order") {
    const auto text = info_plist_text(two_readers(), settings());
    REQUIRE(text.has_value());
    const auto root = parse_plist(*text);
    REQUIRE(root.has_value());
    BundleDiagnostics diagnostics;
    const auto readers = listed_readers(*root, diagnostics);
    REQUIRE_MESSAGE(readers.has_value(), diagnostics.message);
    REQUIRE(readers->size() == 2);
    CHECK((*readers)[0] == ListedReader{0x0B0C, 0x0001, "Second reader (in file order)"});
    CHECK((*readers)[1] == ListedReader{0x0A0B, 0x00FF, "First-listed? No: file order"});
    CHECK(text->find("\t\t<string>0x0A0B</string>\n") != std::string::npos);
    CHECK(text->find("zero_length_packet") == std::string::npos);
    CHECK(text->ends_with("</plist>\n"));
}

TEST_CASE("the written settings read back: executable, version, identifier, log level, options") {
    InfoPlistSettings s = settings();
    s.identifier = "org.example.driver";
    s.log_level = 0x000F;
    s.driver_options = kDriverOptionEscapeAllowed;
    const auto text = info_plist_text(two_readers(), s);
    REQUIRE(text.has_value());
    const auto root = parse_plist(*text);
    REQUIRE(root.has_value());
    CHECK(*root->find("CFBundleExecutable")->as_string() == "libexample.so");
    CHECK(*root->find("CFBundleShortVersionString")->as_string() == "1.2.3");
    CHECK(*root->find("CFBundleVersion")->as_string() == "1.2.3");
    CHECK(*root->find("CFBundleIdentifier")->as_string() == "org.example.driver");
    CHECK(*root->find(kLogLevelKey)->as_string() == "0x000F");
    OptionsDiagnostics diagnostics;
    const auto options = load_driver_options(*text, {}, diagnostics);
    REQUIRE_MESSAGE(options.has_value(), diagnostics.message);
    CHECK(options->log_level.bits == 0x0F);
    CHECK(options->escape_commands_allowed);
    CHECK(options->power_on_voltage == DriverOptions{}.power_on_voltage);
    CHECK(options->max_transfer_timeout == DriverOptions{}.max_transfer_timeout);
}

TEST_CASE("settings that are empty or that pcscd's lexer would mangle are refused") {
    for (const auto& entry :
         {std::pair{0, ""}, std::pair{0, "lib<x>.so"}, std::pair{1, "1.0&2"}, std::pair{2, "a\nb"},
          std::pair{2, ""}}) {
        const int field = entry.first;
        const char* const value = entry.second;  // a plain variable: CAPTURE's lambda takes it
        InfoPlistSettings s = settings();
        (field == 0 ? s.executable : field == 1 ? s.version : s.identifier) = value;
        CAPTURE(value);
        CHECK(info_plist_text(two_readers(), s).error() == std::errc::invalid_argument);
    }
}
