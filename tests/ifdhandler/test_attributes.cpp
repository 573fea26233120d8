// IFDHGetCapabilities data tags and SCARD_ATTR_* values.
#include <doctest/doctest.h>

#include <ostream>

#include "ifdhandler/pcsc_api.hpp"
#include <PCSC/reader.h>

#include "ifdhandler/attributes.hpp"

using namespace tessera;
using namespace tessera::ifd;

// Our constants are pcsc-lite's.
static_assert(kTagIfdAtr == TAG_IFD_ATR);
static_assert(kTagIfdSlotNum == TAG_IFD_SLOTNUM);
static_assert(kTagIfdSlotThreadSafe == TAG_IFD_SLOT_THREAD_SAFE);
static_assert(kTagIfdThreadSafe == TAG_IFD_THREAD_SAFE);
static_assert(kTagIfdSlotsNumber == TAG_IFD_SLOTS_NUMBER);
static_assert(kTagIfdSimultaneousAccess == TAG_IFD_SIMULTANEOUS_ACCESS);
static_assert(kTagIfdPollingThread == TAG_IFD_POLLING_THREAD);
static_assert(kTagIfdPollingThreadKillable == TAG_IFD_POLLING_THREAD_KILLABLE);
static_assert(kTagIfdStopPollingThread == TAG_IFD_STOP_POLLING_THREAD);
static_assert(kTagIfdPollingThreadWithTimeout == TAG_IFD_POLLING_THREAD_WITH_TIMEOUT);
static_assert(kTagIfdDeviceRemoved == TAG_IFD_DEVICE_REMOVED);
static_assert(kAttrVendorName == SCARD_ATTR_VENDOR_NAME);
static_assert(kAttrVendorIfdType == SCARD_ATTR_VENDOR_IFD_TYPE);
static_assert(kAttrVendorIfdVersion == SCARD_ATTR_VENDOR_IFD_VERSION);
static_assert(kAttrVendorIfdSerialNo == SCARD_ATTR_VENDOR_IFD_SERIAL_NO);
static_assert(kAttrChannelId == SCARD_ATTR_CHANNEL_ID);
static_assert(kAttrProtocolTypes == SCARD_ATTR_ASYNC_PROTOCOL_TYPES);
static_assert(kAttrDefaultClk == SCARD_ATTR_DEFAULT_CLK);
static_assert(kAttrMaxClk == SCARD_ATTR_MAX_CLK);
static_assert(kAttrDefaultDataRate == SCARD_ATTR_DEFAULT_DATA_RATE);
static_assert(kAttrMaxDataRate == SCARD_ATTR_MAX_DATA_RATE);
static_assert(kAttrMaxIfsd == SCARD_ATTR_MAX_IFSD);
static_assert(kAttrCurrentProtocolType == SCARD_ATTR_CURRENT_PROTOCOL_TYPE);
static_assert(kAttrIccPresence == SCARD_ATTR_ICC_PRESENCE);
static_assert(kAttrIccInterfaceStatus == SCARD_ATTR_ICC_INTERFACE_STATUS);
static_assert(kAttrAtrString == SCARD_ATTR_ATR_STRING);
static_assert(kAttrMaxInput == SCARD_ATTR_MAXINPUT);

namespace {

ReaderFacts reader() {
    ReaderFacts facts;
    facts.vendor_name = "Tessera";
    facts.product_name = "Emulated reader";
    facts.serial = "0042";
    facts.bcd_device = 0x0102;
    facts.bus = 1;
    facts.address = 2;
    facts.slots = 2;
    facts.dwProtocols = 0x0003;
    facts.dwDefaultClock = 4000;
    facts.dwMaximumClock = 12000;
    facts.dwDataRate = 10752;
    facts.dwMaxDataRate = 344086;
    facts.dwMaxIFSD = 254;
    facts.max_apdu = 65544;
    return facts;
}

SlotFacts powered_t1() {
    return SlotFacts{true, true, Bytes{0x3B, 0x02, 0x14, 0x50}, std::uint8_t{1}};
}

Bytes get(std::uint32_t tag, const SlotFacts& slot = powered_t1()) {
    auto value = attribute(tag, reader(), slot);
    REQUIRE(value);
    return *value;
}

}  // namespace

TEST_CASE("pcscd's TAG_IFD questions: one byte each") {
    CHECK(get(TAG_IFD_SLOTS_NUMBER) == Bytes{2});
    CHECK(get(TAG_IFD_SIMULTANEOUS_ACCESS) == Bytes{kSimultaneousReaders});
    CHECK(get(TAG_IFD_THREAD_SAFE) == Bytes{1});
    CHECK(get(TAG_IFD_SLOT_THREAD_SAFE) == Bytes{0});
    CHECK(get(TAG_IFD_POLLING_THREAD_KILLABLE) == Bytes{0});
    CHECK(get(TAG_IFD_ATR) == Bytes{0x3B, 0x02, 0x14, 0x50});
}

TEST_CASE("SCARD_ATTR values: DWORDs little-endian, strings NUL-terminated") {
    CHECK(get(SCARD_ATTR_ATR_STRING) == Bytes{0x3B, 0x02, 0x14, 0x50});
    CHECK(get(SCARD_ATTR_VENDOR_NAME) == Bytes{'T', 'e', 's', 's', 'e', 'r', 'a', 0});
    CHECK(get(SCARD_ATTR_VENDOR_IFD_SERIAL_NO) == Bytes{'0', '0', '4', '2', 0});
    CHECK(get(SCARD_ATTR_VENDOR_IFD_VERSION) == Bytes{0x00, 0x00, 0x02, 0x01});
    CHECK(get(SCARD_ATTR_CHANNEL_ID) == Bytes{0x02, 0x01, 0x20, 0x00});
    CHECK(get(SCARD_ATTR_ASYNC_PROTOCOL_TYPES) == Bytes{0x03, 0, 0, 0});
    CHECK(get(SCARD_ATTR_DEFAULT_CLK) == Bytes{0xA0, 0x0F, 0, 0});
    CHECK(get(SCARD_ATTR_MAX_CLK) == Bytes{0xE0, 0x2E, 0, 0});
    CHECK(get(SCARD_ATTR_DEFAULT_DATA_RATE) == Bytes{0x00, 0x2A, 0, 0});
    CHECK(get(SCARD_ATTR_MAX_DATA_RATE) == Bytes{0x16, 0x40, 0x05, 0});
    CHECK(get(SCARD_ATTR_MAX_IFSD) == Bytes{0xFE, 0, 0, 0});
    CHECK(get(SCARD_ATTR_MAXINPUT) == Bytes{0x08, 0x00, 0x01, 0x00});
    CHECK(get(SCARD_ATTR_CURRENT_PROTOCOL_TYPE) == Bytes{0x02, 0, 0, 0});
    CHECK(get(SCARD_ATTR_ICC_PRESENCE) == Bytes{2});
    CHECK(get(SCARD_ATTR_ICC_INTERFACE_STATUS) == Bytes{1});
}

TEST_CASE("slot states change presence, interface status, ATR and protocol") {
    const SlotFacts absent{};
    CHECK(get(SCARD_ATTR_ICC_PRESENCE, absent) == Bytes{0});
    CHECK(get(SCARD_ATTR_ICC_INTERFACE_STATUS, absent) == Bytes{0});
    CHECK(attribute(TAG_IFD_ATR, reader(), absent).error() == AttributeError::not_available);
    CHECK(attribute(SCARD_ATTR_CURRENT_PROTOCOL_TYPE, reader(), absent).error() ==
          AttributeError::not_available);

    const SlotFacts present_unpowered{true, false, {}, std::nullopt};
    CHECK(get(SCARD_ATTR_ICC_PRESENCE, present_unpowered) == Bytes{1});
    CHECK(attribute(SCARD_ATTR_ATR_STRING, reader(), present_unpowered).error() ==
          AttributeError::not_available);

    const SlotFacts t0{true, true, Bytes{0x3B, 0x00}, std::uint8_t{0}};
    CHECK(get(SCARD_ATTR_CURRENT_PROTOCOL_TYPE, t0) == Bytes{0x01, 0, 0, 0});
}

TEST_CASE("unknown tags and missing strings are errors, not empty successes") {
    CHECK(attribute(0x12345678, reader(), powered_t1()).error() == AttributeError::unknown_tag);
    CHECK(attribute(TAG_IFD_POLLING_THREAD_WITH_TIMEOUT, reader(), powered_t1()).error() ==
          AttributeError::unknown_tag);  // a function pointer: the exports layer answers it
    ReaderFacts no_serial = reader();
    no_serial.serial.clear();
    CHECK(attribute(SCARD_ATTR_VENDOR_IFD_SERIAL_NO, no_serial, powered_t1()).error() ==
          AttributeError::not_available);
    CHECK(channel_id(3, 0x7F) == 0x0020037Fu);
}
