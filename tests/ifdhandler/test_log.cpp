// The driver log: categories, sinks, and PIN masking in APDU traces.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "ifdhandler/log.hpp"

using namespace tessera;
using namespace tessera::ifd;

namespace {

struct Captured {
    std::vector<std::pair<LogPriority, std::string>> lines;
    LogSink sink() {
        return [this](LogPriority priority, std::string_view text) {
            lines.emplace_back(priority, std::string(text));
        };
    }
};

}  // namespace

TEST_CASE("VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER: data masked, header kept") {
    CHECK(masked_command_apdu(Bytes{0x00, 0x20, 0x00, 0x01, 0x04, 0x31, 0x32, 0x33, 0x34}) ==
          "00 20 00 01 04 ** ** ** **");
    CHECK(masked_command_apdu(Bytes{0x00, 0x24, 0x00, 0x81, 0x02, 0x12, 0x34, 0x00}) ==
          "00 24 00 81 02 ** ** 00");  // Le stays visible
    CHECK(masked_command_apdu(Bytes{0x00, 0x2C, 0x00, 0x01, 0x01, 0x99}) == "00 2C 00 01 01 **");
    // Extended Lc.
    CHECK(masked_command_apdu(Bytes{0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x02, 0x31, 0x32}) ==
          "00 20 00 01 00 00 02 ** **");
    // A VERIFY without data (retry counter query) has nothing to hide.
    CHECK(masked_command_apdu(Bytes{0x00, 0x20, 0x00, 0x01}) == "00 20 00 01");
    // A lying Lc masks no byte beyond the APDU.
    CHECK(masked_command_apdu(Bytes{0x00, 0x20, 0x00, 0x01, 0x08, 0x31}) == "00 20 00 01 08 **");
}

TEST_CASE("other commands and reader pseudo-APDUs are shown in full") {
    CHECK(masked_command_apdu(Bytes{0x00, 0xA4, 0x04, 0x00, 0x02, 0xA0, 0x00}) ==
          "00 A4 04 00 02 A0 00");
    CHECK(masked_command_apdu(Bytes{0xFF, 0x20, 0x00, 0x00, 0x01, 0x05}) == "FF 20 00 00 01 05");
    CHECK_FALSE(carries_pin(0x00, 0xB0));
    CHECK(carries_pin(0x80, 0x21));
}

TEST_CASE("categories select what reaches the sink, with pcscd priorities") {
    Captured captured;
    const Log log(static_cast<std::uint32_t>(LogCategory::critical) |
                      static_cast<std::uint32_t>(LogCategory::communication),
                  captured.sink());
    log.write(LogCategory::critical, "reader gone");
    log.write(LogCategory::info, "not shown");
    log.write(LogCategory::periodic, "not shown either");
    log.command_apdu("->", Bytes{0x00, 0x20, 0x00, 0x01, 0x01, 0x35});
    log.response_apdu("<-", Bytes{0x90, 0x00});
    REQUIRE(captured.lines.size() == 3);
    CHECK(captured.lines[0] == std::pair{LogPriority::critical, std::string("reader gone")});
    CHECK(captured.lines[1] == std::pair{LogPriority::debug, std::string("-> 00 20 00 01 01 **")});
    CHECK(captured.lines[2] == std::pair{LogPriority::debug, std::string("<- 90 00")});

    const Log quiet(kDefaultLogLevel, captured.sink());
    quiet.command_apdu("->", Bytes{0x00, 0xA4, 0x04, 0x00});
    CHECK(captured.lines.size() == 3);
    CHECK_FALSE(Log().enabled(LogCategory::critical));  // no sink: nothing is enabled
}
