// The plist reader: the subset pcscd-style Info.plists use, read exactly; and every kind of
// malformed input (truncated, too deep, too large, wrong markup) refused with an error and
// its place, never a crash.
#include <doctest/doctest.h>

#include <ostream>
#include <random>
#include <string>

#include "config/plist.hpp"

using namespace tessera::config;

namespace {

const std::string kDocument =
    "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
    "<plist version=\"1.0\">\n"
    "<!-- a comment with <string>markup</string> inside -->\n"
    "<dict>\n"
    "\t<key>name</key>\n"
    "\t<string>A &amp; B &lt;&gt; &quot;&apos; &#65;&#x42;&#xE9;</string>\n"
    "\t<key>count</key>\n"
    "\t<integer>-42</integer>\n"
    "\t<key>hex</key>\n"
    "\t<integer>0x0003</integer>\n"
    "\t<key>yes</key> <true/>\n"
    "\t<key>no</key> <false></false>\n"
    "\t<key>empty</key> <string/>\n"
    "\t<key>list</key>\n"
    "\t<array>\n"
    "\t\t<string>one</string>\n"
    "\t\t<array/>\n"
    "\t\t<dict><key>inner</key><string >x</string ></dict>\n"
    "\t</array>\n"
    "\t<key></key><dict/>\n"
    "</dict>\n"
    "</plist>\n"
    "<!-- trailing comment -->\n";

struct Failure {
    std::error_code error;
    PlistDiagnostics diagnostics;
};

Failure failure_of(const std::string& text, const PlistLimits& limits = {}) {
    PlistDiagnostics diagnostics;
    const auto value = parse_plist(text, diagnostics, limits);
    REQUIRE_FALSE(value.has_value());
    CHECK(diagnostics.line >= 1);
    CHECK(diagnostics.column >= 1);
    CHECK_FALSE(diagnostics.message.empty());
    return {value.error(), diagnostics};
}

bool parses(const std::string& text, const PlistLimits& limits) {
    PlistDiagnostics diagnostics;
    return parse_plist(text, diagnostics, limits).has_value();
}

std::string in_plist(const std::string& value) {
    return "<plist version=\"1.0\">" + value + "</plist>";
}

std::string nested_arrays(std::size_t depth) {
    std::string text;
    for (std::size_t i = 0; i < depth; ++i) {
        text += "<array>";
    }
    for (std::size_t i = 0; i < depth; ++i) {
        text += "</array>";
    }
    return in_plist(text);
}

}  // namespace

TEST_CASE("a document of every supported construct reads exactly") {
    PlistDiagnostics diagnostics;
    const auto root = parse_plist(kDocument, diagnostics);
    REQUIRE_MESSAGE(root.has_value(), diagnostics.message);
    REQUIRE(root->type() == PlistValue::Type::dict);
    CHECK(root->as_dict()->size() == 8);
    CHECK(root->line == 5);

    REQUIRE(root->find("name") != nullptr);
    CHECK(*root->find("name")->as_string() == "A & B <> \"' AB\xC3\xA9");
    CHECK(root->find("name")->line == 7);
    CHECK(*root->find("count")->as_integer() == -42);
    CHECK(*root->find("hex")->as_integer() == 3);
    CHECK(*root->find("yes")->as_boolean() == true);
    CHECK(*root->find("no")->as_boolean() == false);
    CHECK(*root->find("empty")->as_string() == "");
    CHECK(root->find("")->as_dict()->empty());
    CHECK(root->find("missing") == nullptr);
    CHECK(root->find("count")->as_string() == nullptr);

    const PlistArray& list = *root->find("list")->as_array();
    REQUIRE(list.size() == 3);
    CHECK(*list[0].as_string() == "one");
    CHECK(list[1].as_array()->empty());
    CHECK(*list[2].find("inner")->as_string() == "x");
    CHECK(list[2].find("inner")->find("x") == nullptr);
}

TEST_CASE("values know where their element is in the text") {
    const auto root = parse_plist(kDocument);
    REQUIRE(root.has_value());
    const PlistValue& count = *root->find("count");
    CHECK(kDocument.substr(count.source_begin, count.source_end - count.source_begin) ==
          "<integer>-42</integer>");
    const PlistValue& list = *root->find("list");
    const std::string list_text =
        kDocument.substr(list.source_begin, list.source_end - list.source_begin);
    CHECK(list_text.starts_with("<array>\n"));
    CHECK(list_text.ends_with("</array>"));
    const PlistValue& empty_array = (*list.as_array())[1];
    CHECK(kDocument.substr(empty_array.source_begin,
                           empty_array.source_end - empty_array.source_begin) == "<array/>");
}

TEST_CASE("every truncation of a valid document is an error") {
    for (std::size_t size = 0; size < kDocument.size(); ++size) {
        const std::string prefix = kDocument.substr(0, size);
        if (prefix.find("</plist>") != std::string::npos) {
            break;  // what follows </plist> is an optional comment and newline
        }
        INFO("prefix of " << size << " bytes");
        PlistDiagnostics diagnostics;
        const auto value = parse_plist(prefix, diagnostics);
        CHECK_FALSE(value.has_value());
    }
}

TEST_CASE("a cut inside an element reports truncation") {
    CHECK(failure_of(in_plist("<string>abc").substr(0, 30)).error == PlistError::truncated);
    CHECK(failure_of("<plist><dict><key>a</key>").error == PlistError::truncated);
    CHECK(failure_of("<plist><array><string>x</string>").error == PlistError::truncated);
    CHECK(failure_of("<plist><!-- open comment").error == PlistError::truncated);
    CHECK(failure_of("<?xml version").error == PlistError::truncated);
    CHECK(failure_of("").error == PlistError::truncated);
    CHECK(failure_of("<plist><str").error == PlistError::truncated);
}

TEST_CASE("nesting is bounded before recursing") {
    PlistLimits limits;
    CHECK(parses(nested_arrays(limits.max_depth), limits));
    CHECK(failure_of(nested_arrays(limits.max_depth + 1)).error == PlistError::nesting_too_deep);
    CHECK(failure_of(nested_arrays(50000)).error == PlistError::nesting_too_deep);
    limits.max_depth = 2;
    CHECK(parses(in_plist("<dict><key>a</key><array/></dict>"), limits));
    CHECK(failure_of(in_plist("<dict><key>a</key><array><dict/></array></dict>"), limits).error ==
          PlistError::nesting_too_deep);
}

TEST_CASE("strings, documents and value counts are bounded") {
    PlistLimits limits;
    const std::string longest(limits.max_string_bytes, 'x');
    CHECK(parse_plist(in_plist("<string>" + longest + "</string>")).has_value());
    CHECK(failure_of(in_plist("<string>" + longest + "y</string>")).error ==
          PlistError::string_too_long);
    CHECK(failure_of(in_plist("<string>" + std::string(10'000'000, 'x') + "</string>")).error ==
          PlistError::too_large);
    CHECK(failure_of(in_plist("<dict><key>" + longest + "y</key><true/></dict>")).error ==
          PlistError::string_too_long);
    CHECK(failure_of(
              in_plist("<string>" + std::string(limits.max_string_bytes, 'a') + "&amp;</string>"))
              .error == PlistError::string_too_long);
    limits.max_values = 3;
    CHECK(parses(in_plist("<array><true/><true/></array>"), limits));
    CHECK(failure_of(in_plist("<array><true/><true/><true/></array>"), limits).error ==
          PlistError::too_many_values);
    limits.max_bytes = 10;
    CHECK(failure_of(in_plist("<true/>"), limits).error == PlistError::too_large);
}

TEST_CASE("elements outside the subset are refused") {
    for (const char* value : {"<real>1.5</real>", "<data>AAAA</data>",
                              "<date>2024-01-01T00:00:00Z</date>", "<uid>1</uid>", "<html/>"}) {
        INFO(value);
        CHECK(failure_of(in_plist(value)).error == PlistError::unsupported_element);
    }
}

TEST_CASE("malformed markup is refused") {
    for (const char* value :
         {"<string a=\"1\">x</string>", "text<true/>", "<array>text</array>", "<dict>text</dict>",
          "< string>x</string>", "<string>a\x01</string>", "<true/ >", "<![CDATA[x]]>"}) {
        INFO(value);
        CHECK(failure_of(in_plist(value)).error == PlistError::malformed_markup);
    }
    CHECK(failure_of("<!DOCTYPE plist [ <!ENTITY a \"b\"> ]><plist><true/></plist>").error ==
          PlistError::malformed_markup);
}

TEST_CASE("end tags must match") {
    CHECK(failure_of(in_plist("<string>x</key>")).error == PlistError::mismatched_tag);
    CHECK(failure_of(in_plist("<array></dict>")).error == PlistError::mismatched_tag);
    CHECK(failure_of(in_plist("<true></false>")).error == PlistError::mismatched_tag);
    CHECK(failure_of("<plist><true/></plst>").error == PlistError::mismatched_tag);
    CHECK(failure_of(in_plist("<dict><key>a</key></string></dict>")).error ==
          PlistError::missing_value);
}

TEST_CASE("dicts need key and value pairs with unique keys") {
    CHECK(failure_of(in_plist("<dict><key>a</key></dict>")).error == PlistError::missing_value);
    CHECK(failure_of(in_plist("<dict><key>a</key><key>b</key><true/></dict>")).error ==
          PlistError::missing_value);
    CHECK(failure_of(in_plist("<dict><true/></dict>")).error == PlistError::missing_key);
    CHECK(failure_of(in_plist("<key>a</key>")).error == PlistError::missing_key);
    CHECK(failure_of(in_plist("<array><key>a</key></array>")).error == PlistError::missing_key);
    CHECK(failure_of(in_plist("<dict><key>a</key><true/><key>a</key><false/></dict>")).error ==
          PlistError::duplicate_key);
}

TEST_CASE("entities and character references are checked") {
    for (const char* value :
         {"<string>&nbsp;</string>", "<string>a & b</string>", "<string>&#0;</string>",
          "<string>&#xD800;</string>", "<string>&#x110000;</string>", "<string>&#;</string>",
          "<string>&#x;</string>", "<string>&#12a;</string>", "<string>&amp</string>"}) {
        INFO(value);
        CHECK(failure_of(in_plist(value)).error == PlistError::bad_entity);
    }
    CHECK(*parse_plist(in_plist("<string>&#x10FFFF;</string>"))->as_string() == "\xF4\x8F\xBF\xBF");
}

TEST_CASE("integers are 64-bit decimal or 0x hex numbers") {
    CHECK(*parse_plist(in_plist("<integer>9223372036854775807</integer>"))->as_integer() ==
          INT64_MAX);
    CHECK(*parse_plist(in_plist("<integer>-9223372036854775808</integer>"))->as_integer() ==
          INT64_MIN);
    CHECK(*parse_plist(in_plist("<integer>+7</integer>"))->as_integer() == 7);
    CHECK(*parse_plist(in_plist("<integer>0XfF</integer>"))->as_integer() == 255);
    for (const char* value :
         {"<integer/>", "<integer></integer>", "<integer>12a</integer>", "<integer> 1</integer>",
          "<integer>9223372036854775808</integer>", "<integer>-9223372036854775809</integer>",
          "<integer>0x</integer>", "<integer>1.0</integer>", "<integer>--1</integer>"}) {
        INFO(value);
        CHECK(failure_of(in_plist(value)).error == PlistError::bad_integer);
    }
}

TEST_CASE("the root must be one plist element holding one value") {
    CHECK(failure_of("<dict></dict>").error == PlistError::not_a_plist);
    CHECK(failure_of("hello").error == PlistError::not_a_plist);
    CHECK(failure_of("<plist></plist>").error == PlistError::not_a_plist);
    CHECK(failure_of("<plist/>").error == PlistError::not_a_plist);
    CHECK(failure_of("<plist><true/><false/></plist>").error == PlistError::not_a_plist);
    CHECK(failure_of("<plist><true/></plist><plist><true/></plist>").error ==
          PlistError::trailing_content);
    CHECK(failure_of("<plist><true/></plist>x").error == PlistError::trailing_content);
    CHECK(parse_plist("<plist><true/></plist>").has_value());
}

TEST_CASE("the diagnostics give the line and column of the problem") {
    const Failure failure =
        failure_of("<plist>\n<dict>\n  <key>a</key>\n  <real>1</real>\n</dict>\n</plist>\n");
    CHECK(failure.error == PlistError::unsupported_element);
    CHECK(failure.diagnostics.line == 4);
    CHECK(failure.diagnostics.column == 3);
    CHECK(failure.diagnostics.message.find("real") != std::string::npos);
}

TEST_CASE("random damage to a valid document gives a value or an error, never a crash") {
    std::mt19937 random(7);
    for (int round = 0; round < 3000; ++round) {
        std::string text = kDocument;
        const int changes = 1 + static_cast<int>(random() % 4);
        for (int i = 0; i < changes; ++i) {
            const std::size_t at = random() % text.size();
            switch (random() % 3) {
                case 0:
                    text[at] = static_cast<char>(random() % 256);
                    break;
                case 1:
                    text.erase(at, 1 + random() % 8);
                    break;
                default:
                    text.insert(at, 1, "<>/&;!-?\"x"[random() % 10]);
                    break;
            }
            if (text.empty()) {
                text = "<";
            }
        }
        PlistDiagnostics diagnostics;
        const auto value = parse_plist(text, diagnostics);
        CHECK(value.has_value() == diagnostics.message.empty());
    }
}
