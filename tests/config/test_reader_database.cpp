// readers.conf parsing: the format's every construct, every kind of error with its line,
// and lookup by VID/PID and bcdDevice.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <ostream>
#include <random>
#include <sstream>
#include <string>

#include "config/builtin_database.hpp"
#include "config/reader_database.hpp"

using namespace tessera::config;

namespace {

constexpr const char* kSample =
    "# a comment\n"
    "\n"
    "[corpus]\n"
    "reader 072F:90CC ACS ACR38 USB Reader\n"
    "reader 04e6:5111 SCM Microsystems Inc. SCR331-DI USB Smart Card Reader\n"
    "    quirk vendor_interface_class: class 0xFF interface (SCR331-DI.txt)\n"
    "\t# a comment between quirks\n"
    "\tquirk data_rate_request_refused bcdDevice 0100-01FF: GET_DATA_RATES stalls\n"
    "  quirk data_rate_request_refused bcdDevice 0300: and on 3.00\n"
    "[emulated]\r\n"
    "reader 1209:0001 tessera emulated reader\r\n";

struct Failure {
    DatabaseError error;
    std::size_t line;
    std::string message;
};

Failure failure_of(const std::string& text) {
    DatabaseDiagnostics diagnostics;
    const auto database = ReaderDatabase::parse(text, diagnostics);
    REQUIRE_FALSE(database.has_value());
    REQUIRE_FALSE(diagnostics.issues.empty());
    CHECK(database.error() == make_error_code(diagnostics.issues.front().error));
    return {diagnostics.issues.front().error, diagnostics.issues.front().line,
            diagnostics.issues.front().message};
}

const std::string kHeader = "[corpus]\nreader 1234:5678 First Reader\n";  // lines 1-2

}  // namespace

TEST_CASE("a database with sections, quirks, ranges, comments and CRLF parses") {
    const auto database = ReaderDatabase::parse(kSample);
    REQUIRE(database.has_value());
    REQUIRE(database->entries().size() == 3);

    const ReaderEntry& acr38 = database->entries()[0];
    CHECK(acr38.vendor_id == 0x072F);
    CHECK(acr38.product_id == 0x90CC);
    CHECK(acr38.name == "ACS ACR38 USB Reader");
    CHECK(acr38.section == "corpus");
    CHECK(acr38.line == 4);
    CHECK(acr38.quirks.empty());

    const ReaderEntry& scr331 = database->entries()[1];
    CHECK(scr331.vendor_id == 0x04E6);
    CHECK(scr331.product_id == 0x5111);
    REQUIRE(scr331.quirks.size() == 3);
    CHECK(scr331.quirks[0].quirk == Quirk::vendor_interface_class);
    CHECK_FALSE(scr331.quirks[0].bcd_device.has_value());
    CHECK(scr331.quirks[0].reason == "class 0xFF interface (SCR331-DI.txt)");
    CHECK(scr331.quirks[0].line == 6);
    CHECK(scr331.quirks[1].bcd_device == BcdDeviceRange{0x0100, 0x01FF});
    CHECK(scr331.quirks[2].bcd_device == BcdDeviceRange{0x0300, 0x0300});
    CHECK(scr331.quirks[2].reason == "and on 3.00");

    const ReaderEntry& emulated = database->entries()[2];
    CHECK(emulated.name == "tessera emulated reader");
    CHECK(emulated.section == "emulated");
}

TEST_CASE("lookup finds readers by VID/PID and applies bcdDevice ranges") {
    const auto database = ReaderDatabase::parse(kSample);
    REQUIRE(database.has_value());
    REQUIRE(database->find(0x04E6, 0x5111) != nullptr);
    CHECK(database->find(0x04E6, 0x5111)->name.starts_with("SCM"));
    CHECK(database->find(0x5111, 0x04E6) == nullptr);
    CHECK(database->find(0x1209, 0x0002) == nullptr);

    QuirkSet class_only;
    class_only.add(Quirk::vendor_interface_class);
    QuirkSet with_rates = class_only;
    with_rates.add(Quirk::data_rate_request_refused);
    CHECK(database->quirks(0x04E6, 0x5111, 0x00FF) == class_only);
    CHECK(database->quirks(0x04E6, 0x5111, 0x0100) == with_rates);
    CHECK(database->quirks(0x04E6, 0x5111, 0x01FF) == with_rates);
    CHECK(database->quirks(0x04E6, 0x5111, 0x0200) == class_only);
    CHECK(database->quirks(0x04E6, 0x5111, 0x0300) == with_rates);
    CHECK(database->find(0x04E6, 0x5111)->all_quirks() == with_rates);
    CHECK(database->quirks(0x072F, 0x90CC, 0x0100).empty());
    CHECK(database->quirks(0xFFFF, 0xFFFF, 0x0100).empty());
}

TEST_CASE("an empty or comment-only database is valid and empty") {
    for (const char* text : {"", "\n\n", "# only a comment\n", "[section]\n"}) {
        const auto database = ReaderDatabase::parse(text);
        REQUIRE(database.has_value());
        CHECK(database->entries().empty());
    }
}

TEST_CASE("malformed lines are errors with their line number") {
    for (const char* line :
         {"foo", "reader", "readers 1234:5679 X", "  reader 1234:5679 Indented",
          "quirk zero_length_packet: not indented", "    quirks x: y", "=== junk ==="}) {
        INFO(line);
        const Failure failure = failure_of(kHeader + line + "\n");
        CHECK(failure.error == DatabaseError::malformed_line);
        CHECK(failure.line == 3);
    }
}

TEST_CASE("bad section names are errors") {
    for (const char* line : {"[]", "[Corpus]", "[two words]", "[open", "[a]b"}) {
        INFO(line);
        const Failure failure = failure_of(std::string("# c\n") + line + "\n");
        CHECK(failure.error == DatabaseError::bad_section_name);
        CHECK(failure.line == 2);
    }
}

TEST_CASE("USB IDs must be two groups of four hex digits") {
    for (const char* line :
         {"reader 123:5679 X", "reader 12345:5679 X", "reader 1234-5679 X", "reader 12G4:5679 X",
          "reader 1234:567 X", "reader 0x1234:5679 X", "reader :5679 X", "reader 1234: X"}) {
        INFO(line);
        const Failure failure = failure_of(kHeader + line + "\n");
        CHECK(failure.error == DatabaseError::bad_usb_id);
        CHECK(failure.line == 3);
    }
}

TEST_CASE("reader names pcscd could not read are errors") {
    const std::string too_long = "reader 1234:5679 " + std::string(101, 'a');
    for (const std::string& line :
         {std::string("reader 1234:5679"), std::string("reader 1234:5679    "),
          std::string("reader 1234:5679 Giesecke & Devrient"), std::string("reader 1234:5679 A<B"),
          std::string("reader 1234:5679 Caf\xC3\xA9 reader"), std::string("reader 1234:5679 a;b"),
          too_long}) {
        INFO(line);
        const Failure failure = failure_of(kHeader + line + "\n");
        CHECK(failure.error == DatabaseError::bad_reader_name);
        CHECK(failure.line == 3);
    }
    CHECK(ReaderDatabase::parse(kHeader + "reader 1234:5679 " + std::string(100, 'a') + "\n"));
}

TEST_CASE("a VID/PID listed twice is an error naming the first line") {
    const Failure failure =
        failure_of(kHeader + "reader 1234:5679 Other\n[x]\nreader 1234:5678 Again\n");
    CHECK(failure.error == DatabaseError::duplicate_reader);
    CHECK(failure.line == 5);
    CHECK(failure.message.find("line 2") != std::string::npos);
    const Failure case_differs = failure_of("reader abcd:ef01 A\nreader ABCD:EF01 B\n");
    CHECK(case_differs.error == DatabaseError::duplicate_reader);
}

TEST_CASE("a quirk line before any reader is an error") {
    const Failure failure = failure_of("# header\n  quirk zero_length_packet: why\n");
    CHECK(failure.error == DatabaseError::quirk_without_reader);
    CHECK(failure.line == 2);
    const Failure after_section = failure_of(kHeader + "[next]\n  quirk zero_length_packet: why\n");
    CHECK(after_section.error == DatabaseError::quirk_without_reader);
    CHECK(after_section.line == 4);
}

TEST_CASE("unknown quirk flags are errors naming the flag") {
    const Failure failure = failure_of(kHeader + "  quirk needs_love: it is sad\n");
    CHECK(failure.error == DatabaseError::unknown_quirk);
    CHECK(failure.line == 3);
    CHECK(failure.message.find("needs_love") != std::string::npos);
}

TEST_CASE("a quirk without a reason is an error") {
    for (const char* line :
         {"  quirk zero_length_packet", "  quirk zero_length_packet:",
          "  quirk zero_length_packet:   ", "  quirk zero_length_packet bcdDevice 0100:"}) {
        INFO(line);
        const Failure failure = failure_of(kHeader + line + "\n");
        CHECK(failure.error == DatabaseError::missing_reason);
        CHECK(failure.line == 3);
    }
}

TEST_CASE("bad bcdDevice ranges are errors") {
    for (const char* line :
         {"  quirk zero_length_packet bcdDevice 100: r",
          "  quirk zero_length_packet bcdDevice 0200-0100: r",
          "  quirk zero_length_packet bcd 0100: r", "  quirk zero_length_packet bcdDevice: r",
          "  quirk zero_length_packet bcdDevice 0100-: r", "  quirk zero_length_packet 0100: r"}) {
        INFO(line);
        const Failure failure = failure_of(kHeader + line + "\n");
        CHECK(failure.error == DatabaseError::bad_bcd_range);
        CHECK(failure.line == 3);
    }
}

TEST_CASE("the same quirk twice for overlapping releases is an error") {
    const Failure twice =
        failure_of(kHeader + "  quirk zero_length_packet: a\n  quirk zero_length_packet: b\n");
    CHECK(twice.error == DatabaseError::duplicate_quirk);
    CHECK(twice.line == 4);
    const Failure overlap = failure_of(kHeader +
                                       "  quirk zero_length_packet bcdDevice 0100-0200: a\n"
                                       "  quirk zero_length_packet bcdDevice 0200-0300: b\n");
    CHECK(overlap.error == DatabaseError::duplicate_quirk);
    const Failure range_and_all = failure_of(
        kHeader + "  quirk zero_length_packet bcdDevice 0100: a\n  quirk zero_length_packet: b\n");
    CHECK(range_and_all.error == DatabaseError::duplicate_quirk);
    CHECK(ReaderDatabase::parse(kHeader + "  quirk zero_length_packet bcdDevice 0100-01FF: a\n"
                                          "  quirk zero_length_packet bcdDevice 0200: b\n"
                                          "  quirk clock_request_refused: c\n"));
}

TEST_CASE("every problem of a text is reported, in line order") {
    DatabaseDiagnostics diagnostics;
    const auto database = ReaderDatabase::parse(
        "reader 1234:5678 A\n"
        "  quirk bogus: x\n"
        "reader 1234:5678 B\n"
        "junk\n"
        "reader 1234:567 C\n",
        diagnostics);
    REQUIRE_FALSE(database.has_value());
    REQUIRE(diagnostics.issues.size() == 4);
    CHECK(diagnostics.issues[0].line == 2);
    CHECK(diagnostics.issues[0].error == DatabaseError::unknown_quirk);
    CHECK(diagnostics.issues[1].line == 3);
    CHECK(diagnostics.issues[1].error == DatabaseError::duplicate_reader);
    CHECK(diagnostics.issues[2].line == 4);
    CHECK(diagnostics.issues[3].line == 5);
    CHECK(database.error() == make_error_code(DatabaseError::unknown_quirk));
}

TEST_CASE("the number of reported problems is bounded") {
    std::string text;
    for (int i = 0; i < 1000; ++i) {
        text += "junk\n";
    }
    DatabaseDiagnostics diagnostics;
    CHECK_FALSE(ReaderDatabase::parse(text, diagnostics).has_value());
    CHECK(diagnostics.issues.size() == DatabaseDiagnostics::kMaxIssues);
}

TEST_CASE("random bytes give an error, never a crash") {
    std::mt19937 random(20240601);
    for (int round = 0; round < 200; ++round) {
        std::string text(static_cast<std::size_t>(random() % 2000), '\0');
        for (char& c : text) {
            c = static_cast<char>(random() % 256);
        }
        text.insert(0, "reader 1234:5678 A\n");
        DatabaseDiagnostics diagnostics;
        const auto database = ReaderDatabase::parse(text, diagnostics);
        CHECK(database.has_value() == diagnostics.issues.empty());
    }
}

TEST_CASE("the built-in database is readers.conf and parses") {
    const char* path = std::getenv("TESSERA_READER_DATABASE");
    REQUIRE(path != nullptr);
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    CHECK(builtin_reader_database_text() == text.str());

    DatabaseDiagnostics diagnostics;
    const auto database = ReaderDatabase::parse(builtin_reader_database_text(), diagnostics);
    for (const DatabaseIssue& issue : diagnostics.issues) {
        FAIL_CHECK("readers.conf:" << issue.line << ": " << issue.message);
    }
    REQUIRE(database.has_value());
    CHECK(builtin_reader_database().has_value());
}
