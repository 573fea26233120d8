#include "tools/descriptor_listing.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tools/json_writer.hpp"

namespace tessera::tools {

namespace {

using transport::ClassDescriptor;
using transport::ExchangeLevel;

std::string hex_value(std::uint32_t value, int digits) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%0*X", digits, static_cast<unsigned>(value));
    return text;
}

// kHz as MHz with three decimals: 4000 -> "4.000 MHz".
std::string mhz(std::uint32_t khz) {
    char text[32];
    std::snprintf(text, sizeof text, "%u.%03u MHz", static_cast<unsigned>(khz / 1000),
                  static_cast<unsigned>(khz % 1000));
    return text;
}

std::string join(const std::vector<std::string>& parts, const char* separator,
                 const char* when_empty) {
    std::string text;
    for (const std::string& part : parts) {
        text += (text.empty() ? "" : separator) + part;
    }
    return text.empty() ? when_empty : text;
}

struct Listing {
    std::ostream& out;

    void field(const char* name, std::uint32_t value, int digits, const std::string& meaning) {
        char head[64];
        std::snprintf(head, sizeof head, "%-24s %-11s", name, hex_value(value, digits).c_str());
        out << head << "  " << meaning << '\n';
    }
    // One line per set bit, under the field: "  0x00000010  automatic clock change".
    void bit(std::uint32_t mask, int digits, const std::string& meaning) {
        out << std::string(27, ' ') << hex_value(mask, digits) << "  " << meaning << '\n';
    }
};

std::string voltages(std::uint8_t bVoltageSupport) {  // CCID 5.1, bVoltageSupport
    const auto v = transport::decode_voltages(bVoltageSupport);
    std::vector<std::string> parts;
    if (v.v5_0) parts.emplace_back("5.0V");
    if (v.v3_0) parts.emplace_back("3.0V");
    if (v.v1_8) parts.emplace_back("1.8V");
    if ((bVoltageSupport & ~0x07u) != 0) parts.emplace_back("reserved bits set");
    return join(parts, ", ", "no voltage");
}

std::string protocols(std::uint32_t dwProtocols) {  // CCID 5.1, dwProtocols
    std::vector<std::string> parts;
    if (dwProtocols & 0x1) parts.emplace_back("T=0");
    if (dwProtocols & 0x2) parts.emplace_back("T=1");
    if ((dwProtocols & ~0x3u) != 0) parts.emplace_back("reserved bits " + hex_value(dwProtocols & ~0x3u, 8));
    return join(parts, ", ", "no protocol");
}

std::string synch_protocols(std::uint32_t dwSynchProtocols) {  // CCID 5.1 (ICCD 1.0)
    const auto s = transport::decode_synch_protocols(dwSynchProtocols);
    std::vector<std::string> parts;
    if (s.two_wire) parts.emplace_back("2-wire");
    if (s.three_wire) parts.emplace_back("3-wire");
    if (s.i2c) parts.emplace_back("I2C");
    return join(parts, ", ", "none");
}

std::string mechanical(std::uint32_t dwMechanical) {  // CCID 5.1, dwMechanical
    const auto m = transport::decode_mechanical(dwMechanical);
    std::vector<std::string> parts;
    if (m.card_accept) parts.emplace_back("card accept");
    if (m.card_ejection) parts.emplace_back("card ejection");
    if (m.card_capture) parts.emplace_back("card capture");
    if (m.card_lock) parts.emplace_back("card lock/unlock");
    return join(parts, ", ", "no special characteristics");
}

std::string pin_support(std::uint8_t bPINSupport) {  // CCID 5.1, bPINSupport
    const auto p = transport::decode_pin_support(bPINSupport);
    std::vector<std::string> parts;
    if (p.verification) parts.emplace_back("PIN verification");
    if (p.modification) parts.emplace_back("PIN modification");
    return join(parts, ", ", "no PIN pad");
}

std::string lcd_layout(std::uint16_t wLcdLayout) {  // CCID 5.1, wLcdLayout
    const auto lcd = transport::decode_lcd_layout(wLcdLayout);
    if (!lcd.present()) {
        return "no LCD";
    }
    return std::to_string(lcd.lines) + " lines of " + std::to_string(lcd.characters_per_line) +
           " characters";
}

std::string exchange_level_text(ExchangeLevel level) {
    switch (level) {
        case ExchangeLevel::character:
            return "character level exchange";
        case ExchangeLevel::tpdu:
            return "TPDU level exchange";
        case ExchangeLevel::short_apdu:
            return "short APDU level exchange";
        case ExchangeLevel::extended_apdu:
            return "short and extended APDU level exchange";
    }
    return "unknown exchange level";
}

// dwFeatures, CCID 5.1 (bit 0x800 from USB ICCD rev 1.0), one line per set bit.
void feature_bits(Listing& listing, std::uint32_t dwFeatures) {
    struct Bit {
        std::uint32_t mask;
        const char* meaning;
    };
    static constexpr Bit kBits[] = {
        {transport::kFeatureAutoParameterConfiguration,
         "automatic parameter configuration based on ATR data"},
        {transport::kFeatureAutoActivation, "automatic activation of ICC on inserting"},
        {transport::kFeatureAutoVoltage, "automatic ICC voltage selection"},
        {transport::kFeatureAutoClock,
         "automatic ICC clock frequency change according to parameters"},
        {transport::kFeatureAutoBaudRate,
         "automatic baud rate change according to frequency and Fi, Di parameters"},
        {transport::kFeatureAutoParameterNegotiation,
         "automatic parameters negotiation made by the CCID"},
        {transport::kFeatureAutoPps, "automatic PPS made by the CCID according to the current parameters"},
        {transport::kFeatureClockStop, "CCID can set ICC in clock stop mode"},
        {transport::kFeatureNadOtherThan00, "NAD value other than 00 accepted (T=1)"},
        {transport::kFeatureAutoIfsdExchange, "automatic IFSD exchange as first exchange (T=1)"},
        {transport::kFeatureIccdToken, "ICCD token"},
        {transport::kFeatureTpduLevel, "TPDU level exchange"},
        {transport::kFeatureShortApduLevel, "short APDU level exchange"},
        {transport::kFeatureExtendedApduLevel, "short and extended APDU level exchange"},
        {transport::kFeatureUsbWakeUp, "USB wake up signaling supported on card insertion and removal"},
    };
    for (const Bit& bit : kBits) {
        if ((dwFeatures & bit.mask) != 0) {
            listing.bit(bit.mask, 8, bit.meaning);
        }
    }
    for (std::uint32_t mask = 1; mask != 0; mask <<= 1) {
        if ((dwFeatures & mask) != 0 && (mask & transport::kFeatureKnownMask) == 0) {
            listing.bit(mask, 8, "not defined by CCID rev 1.1");
        }
    }
}

}  // namespace

std::string_view exchange_level_key(ExchangeLevel level) {
    switch (level) {
        case ExchangeLevel::character:
            return "character";
        case ExchangeLevel::tpdu:
            return "tpdu";
        case ExchangeLevel::short_apdu:
            return "short_apdu";
        case ExchangeLevel::extended_apdu:
            return "extended_apdu";
    }
    return "character";
}

void write_descriptor_json(const ClassDescriptor& d, std::ostream& out) {
    JsonWriter json(out);
    json.begin_object();
    json.key("bcdCCID").number(d.bcdCCID);
    json.key("bMaxSlotIndex").number(d.bMaxSlotIndex);
    json.key("bVoltageSupport").number(d.bVoltageSupport);
    json.key("dwProtocols").number(d.dwProtocols);
    json.key("dwDefaultClock").number(d.dwDefaultClock);
    json.key("dwMaximumClock").number(d.dwMaximumClock);
    json.key("bNumClockSupported").number(d.bNumClockSupported);
    json.key("dwDataRate").number(d.dwDataRate);
    json.key("dwMaxDataRate").number(d.dwMaxDataRate);
    json.key("bNumDataRatesSupported").number(d.bNumDataRatesSupported);
    json.key("dwMaxIFSD").number(d.dwMaxIFSD);
    json.key("dwSynchProtocols").number(d.dwSynchProtocols);
    json.key("dwMechanical").number(d.dwMechanical);
    json.key("dwFeatures").number(d.dwFeatures);
    json.key("dwMaxCCIDMessageLength").number(d.dwMaxCCIDMessageLength);
    json.key("bClassGetResponse").number(d.bClassGetResponse);
    json.key("bClassEnvelope").number(d.bClassEnvelope);
    json.key("wLcdLayout").number(d.wLcdLayout);
    json.key("bPINSupport").number(d.bPINSupport);
    json.key("bMaxCCIDBusySlots").number(d.bMaxCCIDBusySlots);
    json.key("exchange_level").string(exchange_level_key(transport::exchange_level(d.dwFeatures)));
    json.end_object();
    out << '\n';
}

void write_descriptor_text(const ClassDescriptor& d, std::string_view origin, std::ostream& out) {
    const Bytes raw = transport::encode_class_descriptor(d);
    out << "CCID class descriptor from " << origin << '\n'
        << "  " << to_hex(raw, true) << "\n\n";
    Listing listing{out};
    listing.field("bLength", d.bLength, 2, std::to_string(d.bLength) + " bytes");
    listing.field("bDescriptorType", d.bDescriptorType, 2,
                  d.bDescriptorType == transport::kCcidDescriptorType
                      ? "CCID functional descriptor"
                      : "proprietary type (early readers)");
    listing.field("bcdCCID", d.bcdCCID, 4,
                  "CCID rev " + std::to_string(d.bcdCCID >> 8) + "." +
                      hex_value(d.bcdCCID & 0xFF, 2).substr(2));
    listing.field("bMaxSlotIndex", d.bMaxSlotIndex, 2,
                  std::to_string(transport::slot_count(d)) + " slot(s)");
    listing.field("bVoltageSupport", d.bVoltageSupport, 2, voltages(d.bVoltageSupport));
    listing.field("dwProtocols", d.dwProtocols, 8, protocols(d.dwProtocols));
    listing.field("dwDefaultClock", d.dwDefaultClock, 8, mhz(d.dwDefaultClock));
    listing.field("dwMaximumClock", d.dwMaximumClock, 8, mhz(d.dwMaximumClock));
    listing.field("bNumClockSupported", d.bNumClockSupported, 2,
                  d.bNumClockSupported == 0
                      ? std::string("0: the default and maximum clocks (CCID 5.1)")
                      : std::to_string(d.bNumClockSupported) + " (GET_CLOCK_FREQUENCIES)");
    listing.field("dwDataRate", d.dwDataRate, 8, std::to_string(d.dwDataRate) + " bps");
    listing.field("dwMaxDataRate", d.dwMaxDataRate, 8, std::to_string(d.dwMaxDataRate) + " bps");
    listing.field("bNumDataRatesSupported", d.bNumDataRatesSupported, 2,
                  d.bNumDataRatesSupported == 0
                      ? std::string("0: any rate from default to maximum (CCID 5.1)")
                      : std::to_string(d.bNumDataRatesSupported) + " (GET_DATA_RATES)");
    listing.field("dwMaxIFSD", d.dwMaxIFSD, 8, std::to_string(d.dwMaxIFSD) + " bytes (T=1)");
    listing.field("dwSynchProtocols", d.dwSynchProtocols, 8, synch_protocols(d.dwSynchProtocols));
    listing.field("dwMechanical", d.dwMechanical, 8, mechanical(d.dwMechanical));
    listing.field("dwFeatures", d.dwFeatures, 8,
                  exchange_level_text(transport::exchange_level(d.dwFeatures)));
    feature_bits(listing, d.dwFeatures);
    listing.field("dwMaxCCIDMessageLength", d.dwMaxCCIDMessageLength, 8,
                  std::to_string(d.dwMaxCCIDMessageLength) + " bytes");
    listing.field("bClassGetResponse", d.bClassGetResponse, 2,
                  d.bClassGetResponse == 0xFF ? "echoes the class of the APDU"
                                              : "CLA of GET RESPONSE (APDU level)");
    listing.field("bClassEnvelope", d.bClassEnvelope, 2,
                  d.bClassEnvelope == 0xFF ? "echoes the class of the APDU"
                                           : "CLA of ENVELOPE (APDU level)");
    listing.field("wLcdLayout", d.wLcdLayout, 4, lcd_layout(d.wLcdLayout));
    listing.field("bPINSupport", d.bPINSupport, 2, pin_support(d.bPINSupport));
    listing.field("bMaxCCIDBusySlots", d.bMaxCCIDBusySlots, 2,
                  std::to_string(d.bMaxCCIDBusySlots) + " slot(s) busy at once");

    const auto capabilities = transport::make_capabilities(d);
    out << "\nExchange level: " << transport::to_string(capabilities.exchange_level) << '\n';
    for (const transport::Diagnostic diagnostic : capabilities.diagnostics) {
        // The lists come from class requests to a live reader, which this tool does not make.
        if (diagnostic != transport::Diagnostic::clock_list_unavailable &&
            diagnostic != transport::Diagnostic::data_rate_list_unavailable) {
            out << "Note: " << transport::describe(diagnostic) << '\n';
        }
    }
}

}  // namespace tessera::tools
