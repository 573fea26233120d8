// Listing and adding readers in an Info.plist's ifdVendorID / ifdProductID /
// ifdFriendlyName arrays: the arrays stay of equal length, each new <string> goes on a
// line of its own, the rest of the text is untouched, duplicates and bad input are refused.
#include <doctest/doctest.h>

#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "config/info_plist_readers.hpp"

using namespace tessera::config;

namespace {

const std::string kTabbed =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<plist version=\"1.0\">\n"
    "<dict>\n"
    "\t<key>CFBundleExecutable</key>\n"
    "\t<string>libtessera_ifd.so</string>\n"
    "\t<!-- the readers -->\n"
    "\t<key>ifdVendorID</key>\n"
    "\t<array>\n"
    "\t\t<string>0x072F</string>\n"
    "\t\t<string>0x04E6</string>\n"
    "\t</array>\n"
    "\t<key>ifdProductID</key>\n"
    "\t<array>\n"
    "\t\t<string>0x90CC</string>\n"
    "\t\t<string>0x5111</string>\n"
    "\t</array>\n"
    "\t<key>ifdFriendlyName</key>\n"
    "\t<array>\n"
    "\t\t<string>ACS ACR38 USB Reader</string>\n"
    "\t\t<string>SCM SCR331-DI</string>\n"
    "\t</array>\n"
    "</dict>\n"
    "</plist>\n";

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        lines.push_back(line);
    }
    return lines;
}

/// pcscd's rule: a <string> element never spans lines. Here also: at most one per line.
void check_one_string_per_line(const std::string& text) {
    for (const std::string& line : lines_of(text)) {
        std::size_t opens = 0;
        for (std::size_t at = line.find("<string>"); at != std::string::npos;
             at = line.find("<string>", at + 1)) {
            ++opens;
        }
        const std::size_t closes = line.find("</string>") == std::string::npos ? 0 : 1;
        CHECK_MESSAGE(opens == closes, line);
        CHECK_MESSAGE(opens <= 1, line);
    }
}

std::vector<ListedReader> readers_of(const std::string& text) {
    const auto root = parse_plist(text);
    REQUIRE(root.has_value());
    BundleDiagnostics diagnostics;
    const auto readers = listed_readers(*root, diagnostics);
    REQUIRE_MESSAGE(readers.has_value(), diagnostics.message);
    return *readers;
}

std::string add(const std::string& text, std::uint16_t vendor, std::uint16_t product,
                const std::string& name) {
    BundleDiagnostics diagnostics;
    const auto edited = add_reader_to_info_plist(text, vendor, product, name, diagnostics);
    REQUIRE_MESSAGE(edited.has_value(), diagnostics.message);
    return *edited;
}

std::error_code add_error(const std::string& text, std::uint16_t vendor, std::uint16_t product,
                          const std::string& name) {
    BundleDiagnostics diagnostics;
    const auto edited = add_reader_to_info_plist(text, vendor, product, name, diagnostics);
    REQUIRE_FALSE(edited.has_value());
    CHECK_FALSE(diagnostics.message.empty());
    return edited.error();
}

std::string lists_plist(const std::string& vendors, const std::string& products,
                        const std::string& names) {
    return "<plist><dict>\n<key>ifdVendorID</key>" + vendors + "\n<key>ifdProductID</key>" +
           products + "\n<key>ifdFriendlyName</key>" + names + "\n</dict></plist>\n";
}

}  // namespace

TEST_CASE("the listed readers are read index by index") {
    const std::vector<ListedReader> readers = readers_of(kTabbed);
    REQUIRE(readers.size() == 2);
    CHECK(readers[0] == ListedReader{0x072F, 0x90CC, "ACS ACR38 USB Reader"});
    CHECK(readers[1] == ListedReader{0x04E6, 0x5111, "SCM SCR331-DI"});
    const auto without_prefix = readers_of(lists_plist("<array><string>72f</string></array>",
                                                       "<array><string>90CC</string></array>",
                                                       "<array><string>X</string></array>"));
    CHECK(without_prefix.front() == ListedReader{0x072F, 0x90CC, "X"});
}

TEST_CASE("an added reader goes at the end of the three lists, one line each") {
    const std::string edited = add(kTabbed, 0x1209, 0x0001, "tessera emulated reader");
    const std::vector<ListedReader> readers = readers_of(edited);
    REQUIRE(readers.size() == 3);
    CHECK(readers[2] == ListedReader{0x1209, 0x0001, "tessera emulated reader"});
    CHECK(edited.find("\t\t<string>0x1209</string>\n\t</array>") != std::string::npos);
    CHECK(edited.find("\t\t<string>0x0001</string>\n\t</array>") != std::string::npos);
    CHECK(edited.find("\t\t<string>tessera emulated reader</string>\n\t</array>") !=
          std::string::npos);
    check_one_string_per_line(edited);
}

TEST_CASE("the edit adds three lines and changes nothing else") {
    const std::string edited = add(kTabbed, 0x1209, 0x0001, "tessera emulated reader");
    std::vector<std::string> remaining;
    for (const std::string& line : lines_of(edited)) {
        if (line != "\t\t<string>0x1209</string>" && line != "\t\t<string>0x0001</string>" &&
            line != "\t\t<string>tessera emulated reader</string>") {
            remaining.push_back(line);
        }
    }
    CHECK(lines_of(edited).size() == lines_of(kTabbed).size() + 3);
    CHECK(remaining == lines_of(kTabbed));
}

TEST_CASE("readers can be added one after another") {
    std::string text = kTabbed;
    for (std::uint16_t product = 1; product <= 20; ++product) {
        text = add(text, 0x1209, product, "Reader " + std::to_string(product));
    }
    const std::vector<ListedReader> readers = readers_of(text);
    REQUIRE(readers.size() == 22);
    CHECK(readers.back() == ListedReader{0x1209, 20, "Reader 20"});
    check_one_string_per_line(text);
}

TEST_CASE("lists written on one line or empty get the reader on a line of its own") {
    const std::vector<std::string> layouts = {
        lists_plist("<array><string>0x0001</string></array>",
                    "<array><string>0x0002</string></array>",
                    "<array><string>One</string></array>"),
        lists_plist("<array/>", "<array/>", "<array/>"),
        lists_plist("<array></array>", "<array></array>", "<array></array>"),
        lists_plist("\n  <array>\n  </array>", "\n  <array>\n  </array>",
                    "\n  <array>\n  </array>"),
    };
    for (const std::string& layout : layouts) {
        INFO(layout);
        const std::size_t before = readers_of(layout).size();
        const std::string edited = add(layout, 0xABCD, 0x1234, "New Reader");
        const std::vector<ListedReader> readers = readers_of(edited);
        REQUIRE(readers.size() == before + 1);
        CHECK(readers.back() == ListedReader{0xABCD, 0x1234, "New Reader"});
        check_one_string_per_line(edited);
        for (const std::string& line : lines_of(edited)) {
            if (line.find("New Reader") != std::string::npos) {
                CHECK(line.find_first_not_of(" \t") == line.find("<string>"));
            }
        }
    }
}

TEST_CASE("a reader already listed is refused, however its IDs are written") {
    CHECK(add_error(kTabbed, 0x072F, 0x90CC, "Again") == BundleError::reader_already_listed);
    const std::string other_spelling =
        lists_plist("<array><string>72f</string></array>", "<array><string>0X90cc</string></array>",
                    "<array><string>X</string></array>");
    CHECK(add_error(other_spelling, 0x072F, 0x90CC, "Again") == BundleError::reader_already_listed);
    CHECK(add(kTabbed, 0x072F, 0x90CD, "Same vendor, other product").size() > kTabbed.size());
}

TEST_CASE("names pcscd would not read are refused") {
    for (const char* name : {"", "A & B", "a<b", "Caf\xC3\xA9", " padded"}) {
        INFO(name);
        CHECK(add_error(kTabbed, 0x1209, 0x0002, name) == BundleError::bad_reader_name);
    }
}

TEST_CASE("an Info.plist whose lists are broken is not edited") {
    CHECK(add_error(lists_plist("<array><string>1</string></array>", "<array/>", "<array/>"), 1, 2,
                    "X") == BundleError::lists_differ_in_length);
    CHECK(add_error("<plist><dict><key>ifdVendorID</key><array/></dict></plist>", 1, 2, "X") ==
          BundleError::missing_reader_list);
    CHECK(add_error(lists_plist("<string>1</string>", "<array/>", "<array/>"), 1, 2, "X") ==
          BundleError::not_a_string_array);
    CHECK(add_error(
              lists_plist("<array><integer>1</integer></array>",
                          "<array><string>1</string></array>", "<array><string>1</string></array>"),
              1, 2, "X") == BundleError::not_a_string_array);
    CHECK(add_error(
              lists_plist("<array><string>0x12345</string></array>",
                          "<array><string>1</string></array>", "<array><string>X</string></array>"),
              1, 2, "X") == BundleError::bad_listed_id);
    CHECK(add_error(
              lists_plist("<array><string>zz</string></array>", "<array><string>1</string></array>",
                          "<array><string>X</string></array>"),
              1, 2, "X") == BundleError::bad_listed_id);
    CHECK(add_error(
              lists_plist("<array><string>1</string></array>", "<array><string>1</string></array>",
                          "<array><string>Two\nlines</string></array>"),
              1, 2, "X") == BundleError::string_spans_lines);
    CHECK(add_error("<plist><array/></plist>", 1, 2, "X") == BundleError::not_a_dict);
    CHECK(add_error("<plist><dict>", 1, 2, "X") == PlistError::truncated);
}
