// The CCID class descriptor (CCID 5.1), the configuration walk that finds it, the
// GET_CLOCK_FREQUENCIES / GET_DATA_RATES answers (CCID 5.3) and ReaderCapabilities.
#include <doctest/doctest.h>

#include <array>
#include <ostream>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "feature_bits.hpp"
#include "tests/support/hex.hpp"
#include "transport/class_descriptor.hpp"

using tessera::Bytes;
using namespace tessera::transport;

namespace {

using tessera::test::hex;

// SCM SCR3310 (04E6:5116), written by hand from CCID 5.1 Table 5.1-1, field by field.
const char* const kScr3310 =
    "36 21 10 01"   // bLength 54, bDescriptorType 0x21, bcdCCID 1.10
    " 00 01"        // bMaxSlotIndex 0, bVoltageSupport 5V
    " 03 00 00 00"  // dwProtocols T=0 and T=1
    " A0 0F 00 00"  // dwDefaultClock 4000 kHz
    " 40 1F 00 00"  // dwMaximumClock 8000 kHz
    " 00"           // bNumClockSupported
    " 01 2A 00 00"  // dwDataRate 10753 bps
    " 29 40 05 00"  // dwMaxDataRate 344105 bps
    " 00"           // bNumDataRatesSupported
    " FC 00 00 00"  // dwMaxIFSD 252
    " 00 00 00 00"  // dwSynchProtocols
    " 00 00 00 00"  // dwMechanical
    " BA 00 01 00"  // dwFeatures: TPDU level, auto config/voltage/clock/baud/PPS
    " 0F 01 00 00"  // dwMaxCCIDMessageLength 271
    " FF FF"        // bClassGetResponse, bClassEnvelope: echo
    " 00 00"        // wLcdLayout: none
    " 00 01";       // bPINSupport none, bMaxCCIDBusySlots 1

// Every field a different value, so that two swapped offsets cannot go unnoticed.
ClassDescriptor distinct_descriptor() {
    ClassDescriptor d;
    d.bLength = 54;
    d.bDescriptorType = 0x21;
    d.bcdCCID = 0x0110;
    d.bMaxSlotIndex = 0x03;
    d.bVoltageSupport = 0x07;
    d.dwProtocols = 0x00000003;
    d.dwDefaultClock = 0x11223344;
    d.dwMaximumClock = 0x55667788;
    d.bNumClockSupported = 0x99;
    d.dwDataRate = 0xAABBCCDD;
    d.dwMaxDataRate = 0xEEFF0102;
    d.bNumDataRatesSupported = 0x0B;
    d.dwMaxIFSD = 0x0C0D0E0F;
    d.dwSynchProtocols = 0x10203040;
    d.dwMechanical = 0x50607080;
    d.dwFeatures = 0x90A0B0C0;
    d.dwMaxCCIDMessageLength = 0xD0E0F001;
    d.bClassGetResponse = 0x12;
    d.bClassEnvelope = 0x34;
    d.wLcdLayout = 0x5678;
    d.bPINSupport = 0x9A;
    d.bMaxCCIDBusySlots = 0xBC;
    return d;
}

// USB 2.0 9.6: a configuration of the given body, wTotalLength set.
Bytes configuration(const Bytes& body) {
    const auto total = static_cast<std::uint16_t>(9 + body.size());
    Bytes bytes{0x09,
                0x02,
                static_cast<std::uint8_t>(total),
                static_cast<std::uint8_t>(total >> 8),
                0x01,
                0x01,
                0x00,
                0x80,
                0x32};
    bytes.insert(bytes.end(), body.begin(), body.end());
    return bytes;
}

Bytes interface_descriptor(std::uint8_t number, std::uint8_t interface_class,
                           std::uint8_t protocol = 0, std::uint8_t endpoints = 3,
                           std::uint8_t alternate = 0) {
    return {0x09, 0x04, number, alternate, endpoints, interface_class, 0x00, protocol, 0x00};
}

Bytes endpoint_descriptor(std::uint8_t address, std::uint8_t attributes) {
    return {0x07, 0x05, address, attributes, 0x40, 0x00, 0x00};
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes all;
    for (const auto& part : parts) {
        all.insert(all.end(), part.begin(), part.end());
    }
    return all;
}

}  // namespace

TEST_CASE("parse_class_descriptor decodes every field of a hand-built descriptor (CCID 5.1)") {
    auto d = parse_class_descriptor(hex(kScr3310));
    REQUIRE(d);
    CHECK(d->bLength == 54);
    CHECK(d->bDescriptorType == 0x21);
    CHECK(d->bcdCCID == 0x0110);
    CHECK(d->bMaxSlotIndex == 0);
    CHECK(d->bVoltageSupport == 0x01);
    CHECK(d->dwProtocols == 0x03);
    CHECK(d->dwDefaultClock == 4000);
    CHECK(d->dwMaximumClock == 8000);
    CHECK(d->bNumClockSupported == 0);
    CHECK(d->dwDataRate == 10753);
    CHECK(d->dwMaxDataRate == 344105);
    CHECK(d->bNumDataRatesSupported == 0);
    CHECK(d->dwMaxIFSD == 252);
    CHECK(d->dwSynchProtocols == 0);
    CHECK(d->dwMechanical == 0);
    CHECK(d->dwFeatures == 0x000100BA);
    CHECK(d->dwMaxCCIDMessageLength == 271);
    CHECK(d->bClassGetResponse == 0xFF);
    CHECK(d->bClassEnvelope == 0xFF);
    CHECK(d->wLcdLayout == 0);
    CHECK(d->bPINSupport == 0);
    CHECK(d->bMaxCCIDBusySlots == 1);
    CHECK(exchange_level(d->dwFeatures) == ExchangeLevel::tpdu);
    CHECK(slot_count(*d) == 1);
}

TEST_CASE("encode_class_descriptor gives exactly 54 bytes and round-trips") {
    const Bytes wire = hex(kScr3310);
    auto d = parse_class_descriptor(wire);
    REQUIRE(d);
    CHECK(encode_class_descriptor(*d) == wire);

    const ClassDescriptor distinct = distinct_descriptor();
    const Bytes encoded = encode_class_descriptor(distinct);
    CHECK(encoded.size() == kClassDescriptorSize);
    // Spot-check offsets against the table, independently of the parser.
    CHECK(encoded[4] == 0x03);
    CHECK(encoded[10] == 0x44);
    CHECK(encoded[13] == 0x11);
    CHECK(encoded[18] == 0x99);
    CHECK(encoded[19] == 0xDD);
    CHECK(encoded[27] == 0x0B);
    CHECK(encoded[40] == 0xC0);
    CHECK(encoded[43] == 0x90);
    CHECK(encoded[48] == 0x12);
    CHECK(encoded[50] == 0x78);
    CHECK(encoded[51] == 0x56);
    CHECK(encoded[53] == 0xBC);
    auto back = parse_class_descriptor(encoded);
    REQUIRE(back);
    CHECK(*back == distinct);
}

TEST_CASE("a truncated descriptor is too_short at every length below 54") {
    const Bytes wire = hex(kScr3310);
    for (std::size_t size = 0; size < kClassDescriptorSize; ++size) {
        CAPTURE(size);
        auto d = parse_class_descriptor(tessera::ByteView(wire).first(size));
        CHECK(d.error() == DescriptorError::too_short);
    }
}

TEST_CASE("bDescriptorType other than 0x21 is wrong_descriptor_type; 0xFF only on request") {
    Bytes wire = hex(kScr3310);
    for (std::uint8_t type : {0x00, 0x04, 0x05, 0x22, 0x24, 0xFF}) {
        CAPTURE(int{type});
        wire[1] = type;
        CHECK(parse_class_descriptor(wire).error() == DescriptorError::wrong_descriptor_type);
    }
    wire[1] = 0xFF;
    auto proprietary = parse_class_descriptor(wire, {.accept_proprietary_type = true});
    REQUIRE(proprietary);
    CHECK(proprietary->bDescriptorType == 0xFF);
    CHECK(make_capabilities(*proprietary).has(Diagnostic::proprietary_descriptor_type));
    wire[1] = 0x22;
    CHECK(parse_class_descriptor(wire, {.accept_proprietary_type = true}).error() ==
          DescriptorError::wrong_descriptor_type);
}

TEST_CASE("bLength is checked against 54 and against the bytes given") {
    Bytes wire = hex(kScr3310);
    wire[0] = 53;
    CHECK(parse_class_descriptor(wire).error() == DescriptorError::length_too_small);
    wire[0] = 0;
    CHECK(parse_class_descriptor(wire).error() == DescriptorError::length_too_small);
    wire[0] = 55;
    CHECK(parse_class_descriptor(wire).error() == DescriptorError::length_exceeds_buffer);

    SUBCASE("a longer descriptor: the first 54 bytes are parsed, the length is remembered") {
        Bytes longer = hex(kScr3310);
        longer[0] = 60;
        longer.insert(longer.end(), {1, 2, 3, 4, 5, 6});
        auto d = parse_class_descriptor(longer);
        REQUIRE(d);
        CHECK(d->bLength == 60);
        CHECK(d->dwMaxCCIDMessageLength == 271);
        CHECK(make_capabilities(*d).has(Diagnostic::descriptor_longer_than_54));
        // Encoding keeps bLength: the 54 bytes of the CCID 1.1 layout.
        CHECK(encode_class_descriptor(*d) == Bytes(longer.begin(), longer.begin() + 54));
    }
    SUBCASE("bytes after bLength belong to the next descriptor and are ignored") {
        Bytes followed = hex(kScr3310);
        followed.insert(followed.end(), {0x07, 0x05, 0x81, 0x02, 0x40, 0x00, 0x00});
        auto d = parse_class_descriptor(followed);
        REQUIRE(d);
        CHECK(d->bLength == 54);
        CHECK_FALSE(make_capabilities(*d).has(Diagnostic::descriptor_longer_than_54));
    }
}

TEST_CASE("an ICCD descriptor (Gemalto PDT) parses like a CCID one") {
    // From the reader dump Gemalto_PDT.txt: ICCD version B, T=1, short APDU level, 0x0800.
    const Bytes wire =
        hex("36 21 10 01 00 01 02 00 00 00 FC 0D 00 00 FC 0D 00 00 00 80 25 00 00 80 25 00 00"
            " 00 FE 00 00 00 00 00 00 00 00 00 00 00 40 08 02 00 05 01 00 00 FF FF 00 00 00 01");
    const Bytes blob = configuration(concat({interface_descriptor(0, 0x0B, 2, 0), wire}));
    auto found = find_class_descriptor(blob);
    REQUIRE(found);
    CHECK(found->bInterfaceProtocol == 2);
    CHECK(found->bNumEndpoints == 0);
    const ClassDescriptor& d = found->descriptor;
    CHECK(exchange_level(d.dwFeatures) == ExchangeLevel::short_apdu);
    const Features features = decode_features(d.dwFeatures);
    CHECK(features.iccd_token);
    CHECK(features.automatic_parameter_negotiation);
    CHECK(features.unknown_bits == 0);
    CHECK(decode_protocols(d.dwProtocols) == ProtocolSupport{.t0 = false, .t1 = true});
    CHECK(d.dwMaxCCIDMessageLength == 261);
    auto caps = make_capabilities(d);
    CHECK(caps.clocks_khz == std::vector<std::uint32_t>{3580});
    CHECK(caps.data_rates_bps.empty());
    CHECK(caps.supports_data_rate(9600));
    CHECK_FALSE(caps.supports_data_rate(9601));
    CHECK_FALSE(caps.has(Diagnostic::clock_below_minimum));
    CHECK_FALSE(caps.has(Diagnostic::data_rate_below_minimum));
}

TEST_CASE("find_class_descriptors walks a configuration: interface and endpoint placements") {
    const Bytes ccid = hex(kScr3310);
    const Bytes hid_descriptor{0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x40, 0x00};

    SUBCASE("the descriptor between the interface and its endpoints (CCID 5.1)") {
        const Bytes blob = configuration(
            concat({interface_descriptor(0, 0x0B), ccid, endpoint_descriptor(0x01, 0x02),
                    endpoint_descriptor(0x82, 0x02), endpoint_descriptor(0x83, 0x03)}));
        auto all = find_class_descriptors(blob);
        REQUIRE(all);
        REQUIRE(all->size() == 1);
        CHECK_FALSE((*all)[0].error);
        CHECK((*all)[0].placement == DescriptorPlacement::interface);
        CHECK((*all)[0].offset == 18);
        CHECK((*all)[0].descriptor.dwMaxCCIDMessageLength == 271);
    }
    SUBCASE("the descriptor after the endpoints (libusb: the last endpoint's extra)") {
        const Bytes blob = configuration(
            concat({interface_descriptor(0, 0x0B), endpoint_descriptor(0x01, 0x02),
                    endpoint_descriptor(0x82, 0x02), endpoint_descriptor(0x83, 0x03), ccid}));
        auto found = find_class_descriptor(blob);
        REQUIRE(found);
        CHECK(found->placement == DescriptorPlacement::endpoint);
        CHECK(found->offset == 9 + 9 + 21);
        CHECK(found->descriptor.dwDefaultClock == 4000);
    }
    SUBCASE("a composite device: HID and mass storage are skipped, two CCID interfaces") {
        Bytes second = ccid;
        second[4] = 0x01;  // bMaxSlotIndex: two slots
        const Bytes blob = configuration(concat(
            {interface_descriptor(0, 0x03, 0, 1), hid_descriptor, endpoint_descriptor(0x81, 0x03),
             interface_descriptor(1, 0x0B), ccid, endpoint_descriptor(0x02, 0x02),
             interface_descriptor(2, 0x08, 0x50, 2), endpoint_descriptor(0x03, 0x02),
             interface_descriptor(3, 0x0B), endpoint_descriptor(0x04, 0x02), second}));
        auto all = find_class_descriptors(blob);
        REQUIRE(all);
        REQUIRE(all->size() == 2);
        CHECK((*all)[0].bInterfaceNumber == 1);
        CHECK((*all)[0].placement == DescriptorPlacement::interface);
        CHECK(slot_count((*all)[0].descriptor) == 1);
        CHECK((*all)[1].bInterfaceNumber == 3);
        CHECK((*all)[1].placement == DescriptorPlacement::endpoint);
        CHECK(slot_count((*all)[1].descriptor) == 2);
    }
    SUBCASE("only the first class descriptor of an interface is taken") {
        Bytes other = ccid;
        other[4] = 0x07;
        const Bytes blob = configuration(concat({interface_descriptor(0, 0x0B), ccid, other}));
        auto found = find_class_descriptor(blob);
        REQUIRE(found);
        CHECK(found->descriptor.bMaxSlotIndex == 0);
    }
    SUBCASE("a vendor-class interface only when asked, with its proprietary type") {
        Bytes proprietary = ccid;
        proprietary[1] = 0xFF;
        const Bytes blob = configuration(concat({interface_descriptor(1, 0xFF), proprietary}));
        CHECK(find_class_descriptors(blob).error() == DescriptorError::no_ccid_interface);
        auto wrong_type = find_class_descriptors(blob, {.accept_vendor_interface_class = true});
        REQUIRE(wrong_type);
        CHECK((*wrong_type)[0].error == DescriptorError::no_class_descriptor);
        auto found = find_class_descriptor(
            blob, {.accept_proprietary_type = true, .accept_vendor_interface_class = true});
        REQUIRE(found);
        CHECK(found->bInterfaceClass == 0xFF);
        CHECK(found->descriptor.bDescriptorType == 0xFF);
    }
    SUBCASE("a CCID interface without class descriptor, then a valid one") {
        const Bytes blob =
            configuration(concat({interface_descriptor(0, 0x0B), endpoint_descriptor(0x01, 0x02),
                                  interface_descriptor(1, 0x0B), ccid}));
        auto all = find_class_descriptors(blob);
        REQUIRE(all);
        REQUIRE(all->size() == 2);
        CHECK((*all)[0].error == DescriptorError::no_class_descriptor);
        auto found = find_class_descriptor(blob);
        REQUIRE(found);
        CHECK(found->bInterfaceNumber == 1);
    }
    SUBCASE("alternate settings are separate entries") {
        const Bytes blob = configuration(concat({interface_descriptor(0, 0x0B, 0, 3, 0), ccid,
                                                 interface_descriptor(0, 0x0B, 0, 3, 1), ccid}));
        auto all = find_class_descriptors(blob);
        REQUIRE(all);
        REQUIRE(all->size() == 2);
        CHECK((*all)[1].bAlternateSetting == 1);
    }
}

TEST_CASE("find_class_descriptors: malformed configurations give distinct errors") {
    const Bytes ccid = hex(kScr3310);
    CHECK(find_class_descriptors(Bytes{}).error() == DescriptorError::not_a_configuration);
    CHECK(find_class_descriptors(ccid).error() == DescriptorError::not_a_configuration);
    CHECK(find_class_descriptors(interface_descriptor(0, 0x0B)).error() ==
          DescriptorError::not_a_configuration);

    Bytes short_header = configuration(concat({interface_descriptor(0, 0x0B), ccid}));
    short_header[0] = 4;
    CHECK(find_class_descriptors(short_header).error() == DescriptorError::malformed_configuration);

    // A zero bLength would make a naive walk loop forever.
    const Bytes zero_length =
        configuration(concat({interface_descriptor(0, 0x0B), Bytes{0x00, 0x24, 0x00}, ccid}));
    CHECK(find_class_descriptors(zero_length).error() == DescriptorError::malformed_configuration);

    Bytes short_interface = configuration(concat({Bytes{0x05, 0x04, 0x00, 0x00, 0x03}, ccid}));
    CHECK(find_class_descriptors(short_interface).error() ==
          DescriptorError::malformed_configuration);

    CHECK(find_class_descriptors(configuration(concat({interface_descriptor(0, 0x03)}))).error() ==
          DescriptorError::no_ccid_interface);

    SUBCASE("a class descriptor cut by the end of the configuration") {
        Bytes blob = configuration(concat({interface_descriptor(0, 0x0B), ccid}));
        blob.resize(blob.size() - 10);
        blob[2] = static_cast<std::uint8_t>(blob.size());
        auto all = find_class_descriptors(blob);
        REQUIRE(all);
        CHECK((*all)[0].error == DescriptorError::too_short);
        CHECK(find_class_descriptor(blob).error() == DescriptorError::too_short);
    }
    SUBCASE("a class descriptor whose bLength runs past the end") {
        Bytes blob = configuration(concat({interface_descriptor(0, 0x0B), ccid}));
        blob[18] = 60;
        auto all = find_class_descriptors(blob);
        REQUIRE(all);
        CHECK((*all)[0].error == DescriptorError::length_exceeds_buffer);
    }
    SUBCASE("wTotalLength shorter than the bytes: the walk stops there") {
        Bytes blob = configuration(concat({interface_descriptor(0, 0x0B), ccid}));
        blob[2] = 18;  // only the configuration and interface descriptors
        auto all = find_class_descriptors(blob);
        REQUIRE(all);
        CHECK((*all)[0].error == DescriptorError::no_class_descriptor);
    }
    SUBCASE("wTotalLength longer than the bytes: the walk stops at the end") {
        Bytes blob = configuration(concat({interface_descriptor(0, 0x0B), ccid}));
        blob[3] = 0x10;
        auto found = find_class_descriptor(blob);
        REQUIRE(found);
        CHECK(found->descriptor.dwMaxIFSD == 252);
    }
}

TEST_CASE("exchange level from dwFeatures bits 16..18 (CCID 5.1)") {
    CHECK(exchange_level(0x00000000) == ExchangeLevel::character);
    CHECK(exchange_level(0x000000FE) == ExchangeLevel::character);
    CHECK(exchange_level(0x00010000) == ExchangeLevel::tpdu);
    CHECK(exchange_level(0x00020000) == ExchangeLevel::short_apdu);
    CHECK(exchange_level(0x00040000) == ExchangeLevel::extended_apdu);
    CHECK(exchange_level(0x00030000) == ExchangeLevel::short_apdu);
    CHECK(exchange_level(0x00100000) == ExchangeLevel::character);
    CHECK(std::string(to_string(ExchangeLevel::tpdu)) == "TPDU");

    ClassDescriptor d = distinct_descriptor();
    d.dwFeatures = 0x00030000;
    CHECK(make_capabilities(d).has(Diagnostic::several_exchange_levels));
    d.dwFeatures = 0x00040000;
    CHECK_FALSE(make_capabilities(d).has(Diagnostic::several_exchange_levels));
}

TEST_CASE("every dwFeatures bit maps to its named boolean and to nothing else") {
    CHECK(decode_features(0) == Features{});
    for (const tessera::test::FeatureBit& bit : tessera::test::kNamedFeatureBits) {
        CAPTURE(bit.value);
        const Features features = decode_features(bit.value);
        Features expected;
        expected.*bit.member = true;
        CHECK(features == expected);
    }
    for (std::uint32_t bit :
         {0x00000001u, 0x00001000u, 0x00008000u, 0x00080000u, 0x00200000u, 0x80000000u}) {
        CAPTURE(bit);
        CHECK(decode_features(bit).unknown_bits == bit);
    }
    for (std::uint32_t level : {0x00010000u, 0x00020000u, 0x00040000u}) {
        CHECK(decode_features(level) == Features{});
    }
}

TEST_CASE("protocols, voltages, PIN support, LCD, mechanical, synchronous protocols, slots") {
    CHECK(decode_protocols(0x01) == ProtocolSupport{.t0 = true, .t1 = false});
    CHECK(decode_protocols(0x02) == ProtocolSupport{.t0 = false, .t1 = true});
    CHECK(decode_protocols(0x03) == ProtocolSupport{.t0 = true, .t1 = true});
    CHECK(decode_voltages(0x01) == VoltageSupport{.v5_0 = true});
    CHECK(decode_voltages(0x02) == VoltageSupport{.v3_0 = true});
    CHECK(decode_voltages(0x04) == VoltageSupport{.v1_8 = true});
    CHECK(decode_voltages(0x07) == VoltageSupport{true, true, true});
    CHECK(decode_pin_support(0x01) == PinSupport{.verification = true});
    CHECK(decode_pin_support(0x02) == PinSupport{.modification = true});
    CHECK(decode_pin_support(0x03) == PinSupport{true, true});
    CHECK(decode_lcd_layout(0x0210) == LcdLayout{.lines = 2, .characters_per_line = 16});
    CHECK_FALSE(decode_lcd_layout(0).present());
    CHECK(decode_lcd_layout(0x0410).present());
    CHECK(decode_mechanical(0x01) == MechanicalSupport{.card_accept = true});
    CHECK(decode_mechanical(0x0F) == MechanicalSupport{true, true, true, true});
    CHECK(decode_mechanical(0x03000000) == MechanicalSupport{});
    CHECK(decode_synch_protocols(0x07) == SynchProtocolSupport{true, true, true});
    CHECK(decode_synch_protocols(0x04) == SynchProtocolSupport{.i2c = true});

    ClassDescriptor d;
    d.bMaxSlotIndex = 0;
    CHECK(slot_count(d) == 1);
    d.bMaxSlotIndex = 3;
    CHECK(slot_count(d) == 4);
    d.bMaxSlotIndex = 0xFF;
    CHECK(slot_count(d) == 256);
}

TEST_CASE("GET_CLOCK_FREQUENCIES / GET_DATA_RATES setup packets (CCID 5.3)") {
    ClassDescriptor d;
    d.bNumClockSupported = 4;
    d.bNumDataRatesSupported = 106;
    CHECK(get_clock_frequencies_request(d, 1) ==
          ClassRequest{
              .bmRequestType = 0xA1, .bRequest = 0x02, .wValue = 0, .wIndex = 1, .wLength = 16});
    CHECK(get_clock_frequencies_request(d, 1).bytes() ==
          std::array<std::uint8_t, 8>{0xA1, 0x02, 0, 0, 0x01, 0, 0x10, 0});
    CHECK(get_data_rates_request(d, 0) ==
          ClassRequest{
              .bmRequestType = 0xA1, .bRequest = 0x03, .wValue = 0, .wIndex = 0, .wLength = 424});
    d.bNumDataRatesSupported = 0xFF;
    CHECK(get_data_rates_request(d, 0).wLength == 1020);
    d.bNumClockSupported = 0;
    CHECK(get_clock_frequencies_request(d, 0).wLength == 0);
}

TEST_CASE("parse_rate_list keeps whole little-endian dwords, at most the declared count") {
    SUBCASE("exactly the declared count") {
        const RateList list = parse_rate_list(hex("A00F0000 C0120000 70170000 401F0000"), 4);
        CHECK(list.values == std::vector<std::uint32_t>{4000, 4800, 6000, 8000});
        CHECK(list.dwords_received == 4);
        CHECK(list.trailing_bytes == 0);
    }
    SUBCASE("longer than declared (a reader padding to 256 entries): the first kept") {
        Bytes answer = hex("A00F0000 C0120000");
        answer.resize(1024, 0x00);
        const RateList list = parse_rate_list(answer, 2);
        CHECK(list.values == std::vector<std::uint32_t>{4000, 4800});
        CHECK(list.dwords_received == 256);
        auto caps = make_capabilities(
            ClassDescriptor{
                .dwDefaultClock = 4000, .dwMaximumClock = 4800, .bNumClockSupported = 2},
            list);
        CHECK(caps.has(Diagnostic::clock_list_longer));
        CHECK_FALSE(caps.has(Diagnostic::clock_list_values_dropped));
    }
    SUBCASE("a length that is not a multiple of 4: the tail is counted, not used") {
        const RateList list = parse_rate_list(hex("80250000 00"), 0);
        CHECK(list.values == std::vector<std::uint32_t>{9600});
        CHECK(list.trailing_bytes == 1);
        const RateList one_byte = parse_rate_list(hex("01"), 0);
        CHECK(one_byte.values.empty());
        CHECK(one_byte.trailing_bytes == 1);
    }
    SUBCASE("shorter than declared: what came is kept") {
        const RateList list = parse_rate_list(hex("80250000"), 3);
        CHECK(list.values == std::vector<std::uint32_t>{9600});
        CHECK(list.dwords_received == 1);
    }
    SUBCASE("declared 0: everything, capped at 256 entries") {
        Bytes answer(4 * 300, 0x01);
        const RateList list = parse_rate_list(answer, 0);
        CHECK(list.values.size() == kMaxRateListEntries);
        CHECK(list.values[0] == 0x01010101);
        CHECK(list.dwords_received == 300);
    }
    SUBCASE("empty answer") {
        const RateList list = parse_rate_list({}, 5);
        CHECK(list.values.empty());
        CHECK(list.declared == 5);
    }
    CHECK(make_rate_list({1, 2, 3}, 2).values == std::vector<std::uint32_t>{1, 2});
    CHECK(make_rate_list({1, 2, 3}, 2).dwords_received == 3);
}

TEST_CASE("ReaderCapabilities: lists, fallbacks and cleaning") {
    ClassDescriptor d = *parse_class_descriptor(hex(kScr3310));

    SUBCASE("no lists, counts 0: default and maximum clocks, any rate in range") {
        auto caps = make_capabilities(d);
        CHECK(caps.exchange_level == ExchangeLevel::tpdu);
        CHECK(caps.slots == 1);
        CHECK(caps.max_busy_slots == 1);
        CHECK(caps.default_clock_khz == 4000);
        CHECK(caps.max_clock_khz == 8000);
        CHECK(caps.clocks_khz == std::vector<std::uint32_t>{4000, 8000});
        CHECK(caps.default_data_rate_bps == 10753);
        CHECK(caps.max_data_rate_bps == 344105);
        CHECK(caps.data_rates_bps.empty());
        CHECK(caps.supports_data_rate(10753));
        CHECK(caps.supports_data_rate(344105));
        CHECK_FALSE(caps.supports_data_rate(344106));
        CHECK_FALSE(caps.supports_data_rate(9600));
        CHECK(caps.max_ifsd == 252);
        CHECK(caps.max_message_length == 271);
        CHECK(caps.protocols == ProtocolSupport{true, true});
        CHECK(caps.voltages == VoltageSupport{.v5_0 = true});
        CHECK(caps.features.automatic_pps);
        CHECK_FALSE(caps.features.automatic_activation);
        CHECK(caps.diagnostics.empty());
    }
    SUBCASE("a list replaces the fallback; zeros, repeats and values above maximum go") {
        d.bNumClockSupported = 5;
        d.bNumDataRatesSupported = 4;
        const RateList clocks = make_rate_list({4000, 0, 8000, 4000, 9000}, 5);
        const RateList rates = make_rate_list({10753, 21505, 0xFFFFFFFF, 344105}, 4);
        auto caps = make_capabilities(d, clocks, rates);
        CHECK(caps.clocks_khz == std::vector<std::uint32_t>{4000, 8000});
        CHECK(caps.data_rates_bps == std::vector<std::uint32_t>{10753, 21505, 344105});
        CHECK(caps.has(Diagnostic::clock_list_values_dropped));
        CHECK(caps.has(Diagnostic::data_rate_list_values_dropped));
        CHECK(caps.supports_data_rate(21505));
        CHECK_FALSE(caps.supports_data_rate(20000));
    }
    SUBCASE("a list of nothing but zeros falls back to the descriptor") {
        d.bNumClockSupported = 2;
        auto caps = make_capabilities(d, make_rate_list({0, 0}, 2));
        CHECK(caps.clocks_khz == std::vector<std::uint32_t>{4000, 8000});
        CHECK(caps.has(Diagnostic::clock_list_values_dropped));
    }
    SUBCASE("declared lists that could not be read") {
        d.bNumClockSupported = 4;
        d.bNumDataRatesSupported = 10;
        auto caps = make_capabilities(d);
        CHECK(caps.has(Diagnostic::clock_list_unavailable));
        CHECK(caps.has(Diagnostic::data_rate_list_unavailable));
        CHECK(caps.clocks_khz == std::vector<std::uint32_t>{4000, 8000});
    }
    SUBCASE("short lists and trailing bytes are reported") {
        d.bNumClockSupported = 4;
        d.bNumDataRatesSupported = 2;
        auto caps = make_capabilities(d, parse_rate_list(hex("A00F0000 40"), 4),
                                      parse_rate_list(hex("012A0000 29400500 2940"), 2));
        CHECK(caps.clocks_khz == std::vector<std::uint32_t>{4000});
        CHECK(caps.has(Diagnostic::clock_list_shorter));
        CHECK(caps.has(Diagnostic::clock_list_trailing_bytes));
        CHECK(caps.has(Diagnostic::data_rate_list_trailing_bytes));
        CHECK_FALSE(caps.has(Diagnostic::data_rate_list_shorter));
        CHECK_FALSE(caps.has(Diagnostic::data_rate_list_longer));
    }
    SUBCASE("default clock 0 and a same default and maximum give one clock") {
        d.dwDefaultClock = 0;
        CHECK(make_capabilities(d).clocks_khz == std::vector<std::uint32_t>{8000});
        d.dwDefaultClock = 8000;
        CHECK(make_capabilities(d).clocks_khz == std::vector<std::uint32_t>{8000});
    }
}

TEST_CASE("certification minimums are flagged, not rejected: 3579.5 kHz and 9600 bps") {
    ClassDescriptor d = *parse_class_descriptor(hex(kScr3310));
    d.dwDefaultClock = 3579;
    d.dwMaximumClock = 3579;
    d.dwDataRate = 9599;
    d.dwMaxDataRate = 9599;
    auto low = make_capabilities(d);
    CHECK(low.has(Diagnostic::clock_below_minimum));
    CHECK(low.has(Diagnostic::data_rate_below_minimum));
    CHECK(low.max_clock_khz == 3579);

    d.dwMaximumClock = 3580;
    d.dwMaxDataRate = 9600;
    auto enough = make_capabilities(d);
    CHECK_FALSE(enough.has(Diagnostic::clock_below_minimum));
    CHECK_FALSE(enough.has(Diagnostic::data_rate_below_minimum));

    d.dwMaximumClock = 0;
    d.dwMaxDataRate = 0;
    auto zero = make_capabilities(d);
    CHECK(zero.has(Diagnostic::clock_below_minimum));
    CHECK(zero.has(Diagnostic::data_rate_below_minimum));
    CHECK(zero.has(Diagnostic::default_clock_above_maximum));
    CHECK(zero.has(Diagnostic::default_rate_above_maximum));
}

TEST_CASE("ReaderCapabilities clamps what the protocol layers cannot use") {
    ClassDescriptor d = *parse_class_descriptor(hex(kScr3310));
    d.dwMaxIFSD = 506;
    CHECK(make_capabilities(d).max_ifsd == 254);
    CHECK(make_capabilities(d).has(Diagnostic::max_ifsd_above_254));
    d.dwMaxIFSD = 0;
    CHECK(make_capabilities(d).max_ifsd == 32);
    CHECK(make_capabilities(d).has(Diagnostic::max_ifsd_zero));
    d.dwProtocols = 0x01;
    CHECK_FALSE(make_capabilities(d).has(Diagnostic::max_ifsd_zero));
    d.dwProtocols = 0x00;
    CHECK(make_capabilities(d).has(Diagnostic::no_protocol));
    d.dwProtocols = 0x07;
    CHECK(make_capabilities(d).has(Diagnostic::unknown_protocol_bits));

    d.bMaxSlotIndex = 1;
    d.bMaxCCIDBusySlots = 0;
    auto caps = make_capabilities(d);
    CHECK(caps.slots == 2);
    CHECK(caps.max_busy_slots == 1);
    CHECK(caps.has(Diagnostic::busy_slots_out_of_range));
    d.bMaxCCIDBusySlots = 5;
    CHECK(make_capabilities(d).max_busy_slots == 2);
    d.bMaxCCIDBusySlots = 2;
    CHECK_FALSE(make_capabilities(d).has(Diagnostic::busy_slots_out_of_range));

    d.dwFeatures = 0x00040000;
    d.dwMaxCCIDMessageLength = 270;
    CHECK(make_capabilities(d).has(Diagnostic::message_length_too_small));
    d.dwMaxCCIDMessageLength = 271;
    CHECK_FALSE(make_capabilities(d).has(Diagnostic::message_length_too_small));
    d.dwFeatures = 0x00040001;
    CHECK(make_capabilities(d).has(Diagnostic::unknown_feature_bits));
    d.bVoltageSupport = 0;
    CHECK(make_capabilities(d).has(Diagnostic::no_voltage));
    d.bcdCCID = 0x1000;
    CHECK(make_capabilities(d).has(Diagnostic::unknown_ccid_release));
}

TEST_CASE("diagnostics are sorted and unique; every enum value has a description") {
    ClassDescriptor d = distinct_descriptor();
    auto caps = make_capabilities(d, make_rate_list({0, 0}, 5), std::nullopt);
    for (std::size_t i = 1; i < caps.diagnostics.size(); ++i) {
        CHECK(caps.diagnostics[i - 1] < caps.diagnostics[i]);
    }
    for (int i = 0; i <= static_cast<int>(Diagnostic::data_rate_list_values_dropped); ++i) {
        CHECK(std::string(describe(static_cast<Diagnostic>(i))) != "unknown diagnostic");
    }
    for (int i = 1; i <= static_cast<int>(DescriptorError::no_class_descriptor); ++i) {
        const std::error_code error = static_cast<DescriptorError>(i);
        CHECK(std::string(error.category().name()) == "ccid descriptor");
        CHECK(error.message() != "unknown CCID descriptor error");
    }
}
