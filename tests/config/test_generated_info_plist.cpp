// The Info.plist generated at build time from readers.conf: it lists exactly the database's
// readers, in equal-length arrays with each <string> on a line of its own, names the
// driver library, and its option keys hold the driver's defaults.
#include <doctest/doctest.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>

#include "config/builtin_database.hpp"
#include "config/driver_options.hpp"
#include "config/info_plist_readers.hpp"
#include "config/reader_name.hpp"

using namespace tessera::config;

namespace {

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    REQUIRE_MESSAGE(value != nullptr, name << " is not set");
    return value;
}

std::string generated_text() {
    std::ifstream file(environment("TESSERA_GENERATED_INFO_PLIST"), std::ios::binary);
    REQUIRE(file.good());
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("the generated Info.plist lists exactly the database's readers, in order") {
    const auto root = parse_plist(generated_text());
    REQUIRE(root.has_value());
    BundleDiagnostics diagnostics;
    const auto readers = listed_readers(*root, diagnostics);
    REQUIRE_MESSAGE(readers.has_value(), diagnostics.message);
    const auto database = builtin_reader_database();
    REQUIRE(database.has_value());
    REQUIRE(readers->size() == database->entries().size());
    for (std::size_t i = 0; i < readers->size(); ++i) {
        const ReaderEntry& entry = database->entries()[i];
        CHECK((*readers)[i] == ListedReader{entry.vendor_id, entry.product_id, entry.name});
    }
    for (std::string_view key : {kVendorIdKey, kProductIdKey, kFriendlyNameKey}) {
        CHECK(root->find(key)->as_array()->size() == database->entries().size());
    }
}

TEST_CASE("every <string> of the generated Info.plist is alone on its line and readable by pcscd") {
    std::istringstream lines(generated_text());
    std::size_t strings = 0;
    for (std::string line; std::getline(lines, line);) {
        const auto open = line.find("<string>");
        if (open == std::string::npos) {
            CHECK(line.find("</string>") == std::string::npos);
            continue;
        }
        ++strings;
        const auto close = line.find("</string>");
        REQUIRE_MESSAGE(close != std::string::npos, line);
        CHECK(line.find("<string>", open + 1) == std::string::npos);
        CHECK(line.find_first_not_of('\t') == open);
        CHECK(close + 9 == line.size());
        for (char c : line.substr(open + 8, close - open - 8)) {
            CHECK_MESSAGE(reader_name_character_allowed(c), line);
        }
    }
    const auto database = builtin_reader_database();
    REQUIRE(database.has_value());
    CHECK(strings > 3 * database->entries().size());
}

TEST_CASE("the generated Info.plist names the library, the version and no capabilities") {
    const auto root = parse_plist(generated_text());
    REQUIRE(root.has_value());
    REQUIRE(root->find("CFBundleExecutable") != nullptr);
    CHECK(*root->find("CFBundleExecutable")->as_string() == environment("TESSERA_IFD_LIBRARY"));
    CHECK(*root->find("CFBundleShortVersionString")->as_string() == environment("TESSERA_VERSION"));
    CHECK(*root->find("ifdCapabilities")->as_string() == "0x00000000");
    CHECK(*root->find("CFBundleName")->as_string() != "CCIDCLASSDRIVER");
    for (const PlistDictEntry& entry : *root->as_dict()) {
        for (char c : entry.key) {
            CHECK_MESSAGE(std::isalnum(static_cast<unsigned char>(c)),
                          entry.key);  // pcscd's key rule
        }
    }
}

TEST_CASE("the generated Info.plist's options are the driver's defaults") {
    OptionsDiagnostics diagnostics;
    const auto options = load_driver_options(generated_text(), {}, diagnostics);
    REQUIRE_MESSAGE(options.has_value(), diagnostics.source << ": " << diagnostics.message);
    CHECK(*options == DriverOptions{});
    const auto root = parse_plist(generated_text());
    REQUIRE(root.has_value());
    for (std::string_view key :
         {kLogLevelKey, kDriverOptionsKey, kPowerOnVoltageKey, kMaxTransferTimeoutKey}) {
        CHECK_MESSAGE(root->find(key) != nullptr, key);
    }
}
