// USB IDs as text (config/usb_id.hpp): what the command line, Info.plist and readers.conf
// accept and how they are written.
#include <doctest/doctest.h>

#include "config/usb_id.hpp"

using tessera::config::parse_usb_id;
using tessera::config::usb_id_text;

TEST_CASE("USB IDs: 1 to 4 hex digits, an optional 0x, nothing else") {
    CHECK(parse_usb_id("1209") == 0x1209);
    CHECK(parse_usb_id("0x08e6") == 0x08E6);
    CHECK(parse_usb_id("0XFFFF") == 0xFFFF);
    CHECK(parse_usb_id("8") == 0x0008);
    for (const char* bad : {"", "0x", "12345", "0x12345", "-1", "+1", " 12", "12 ", "g1", "0x0x1"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_usb_id(bad).has_value());
    }
    CHECK(usb_id_text(0x08E6) == "08E6");
    CHECK(usb_id_text(0) == "0000");
    CHECK(usb_id_text(0xABCD) == "ABCD");
}
