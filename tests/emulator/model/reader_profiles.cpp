#include "tests/emulator/model/reader_profiles.hpp"

#include <array>
#include <utility>

namespace tessera::emulator {
namespace {

constexpr std::uint16_t kVendorId = 0x1209;  // pid.codes test vendor ID

constexpr std::array<std::pair<Profile, const char*>, 9> kNames{{
    {Profile::tpdu, "tpdu"},
    {Profile::tpdu_auto_pps, "tpdu_auto_pps"},
    {Profile::short_apdu, "short_apdu"},
    {Profile::extended_apdu, "extended_apdu"},
    {Profile::character, "character"},
    {Profile::two_slot, "two_slot"},
    {Profile::pinpad, "pinpad"},
    {Profile::short_apdu_263, "short_apdu_263"},
    {Profile::short_apdu_264, "short_apdu_264"},
}};

// CCID 5.1 fields common to every profile.
transport::ClassDescriptor base_descriptor() {
    transport::ClassDescriptor d;
    d.bLength = static_cast<std::uint8_t>(transport::kClassDescriptorSize);
    d.bDescriptorType = transport::kCcidDescriptorType;
    d.bcdCCID = 0x0110;
    d.bMaxSlotIndex = 0;
    d.bVoltageSupport = kAllVoltages;
    d.dwProtocols = 0x0003;
    d.dwDefaultClock = 4000;
    d.dwMaximumClock = 4000;
    d.dwDataRate = 10752;
    d.dwMaxDataRate = 344086;
    d.dwMaxIFSD = 254;
    d.dwFeatures = transport::kFeatureAutoVoltage | transport::kFeatureAutoClock |
                   transport::kFeatureAutoBaudRate;
    d.dwMaxCCIDMessageLength = 271;
    d.bClassGetResponse = 0xFF;
    d.bClassEnvelope = 0xFF;
    d.bMaxCCIDBusySlots = 1;
    return d;
}

// The class descriptor of tests/data/readers/Identiv_uTrust_3720_Contactless_Reader.txt
// (CCID 5.1; GET_CLOCK_FREQUENCIES and GET_DATA_RATES stall, as its dump shows).
void identiv_utrust_3720(transport::ClassDescriptor& d) {
    d.bcdCCID = 0x0110;
    d.bVoltageSupport = kAllVoltages;
    d.dwProtocols = 0x0003;
    d.dwDefaultClock = 4800;
    d.dwMaximumClock = 12000;
    d.dwDataRate = 12903;
    d.dwMaxDataRate = 412903;
    d.dwMaxIFSD = 253;
    d.dwFeatures = 0x000204BE;
    d.dwMaxCCIDMessageLength = 263;
    d.bClassGetResponse = 0xFF;
    d.bClassEnvelope = 0xFF;
}

// The class descriptor of tests/data/readers/IIT_E.Key_Almaz-1C.txt (CCID 5.1). Its rate
// and clock lists are not copied (the dump shows memory garbage there): requests stall.
void iit_ekey_almaz_1c(transport::ClassDescriptor& d) {
    d.bcdCCID = 0x0110;
    d.bVoltageSupport = kVoltage3V;
    d.dwProtocols = 0x0002;
    d.dwDefaultClock = 5000;
    d.dwMaximumClock = 5000;
    d.dwDataRate = 161290;
    d.dwMaxDataRate = 161290;
    d.dwMaxIFSD = 254;
    d.dwFeatures = 0x0002044E;
    d.dwMaxCCIDMessageLength = 264;
    d.bClassGetResponse = 0x00;
    d.bClassEnvelope = 0x00;
}

constexpr std::uint32_t kAutomatic = transport::kFeatureAutoParameterConfiguration |
                                     transport::kFeatureAutoParameterNegotiation |
                                     transport::kFeatureAutoIfsdExchange;

}  // namespace

const char* to_string(Profile profile) noexcept {
    for (const auto& [value, name] : kNames) {
        if (value == profile) {
            return name;
        }
    }
    return "unknown";
}

std::optional<Profile> profile_from_name(std::string_view name) noexcept {
    for (const auto& [value, known] : kNames) {
        if (name == known) {
            return value;
        }
    }
    return std::nullopt;
}

sim::CardConfig dual_protocol_card() {
    sim::CardConfig card;
    card.atr.protocols = {0, 1};
    card.atr.ta1 = 0x13;
    card.atr.historical = {'T', 'E', 'S', 'S', 'E', 'R', 'A'};
    return card;
}

InsertedCard card_for(const transport::ClassDescriptor& descriptor) {
    InsertedCard inserted;
    const bool t0 = (descriptor.dwProtocols & 0x01) != 0;
    const bool t1 = (descriptor.dwProtocols & 0x02) != 0;
    if (t0 && t1) {
        inserted.card.atr.protocols = {0, 1};
    } else if (t1) {
        inserted.card.atr.protocols = {1};
    } else {
        inserted.card.atr.protocols = {0};
    }
    return inserted;
}

ReaderConfig make_profile(Profile profile) {
    ReaderConfig config;
    config.vendor_id = kVendorId;
    config.product_id = static_cast<std::uint16_t>(0x7E00 + static_cast<int>(profile));
    config.manufacturer = "Tessera";
    config.product = std::string("Emulated CCID reader (") + to_string(profile) + ")";
    config.serial = std::string("EMU-") + to_string(profile);
    config.descriptor = base_descriptor();
    auto& d = config.descriptor;
    switch (profile) {
        case Profile::tpdu:
            d.dwFeatures |= transport::kFeatureTpduLevel;
            break;
        case Profile::tpdu_auto_pps:
            d.dwFeatures |= transport::kFeatureTpduLevel | kAutomatic;
            config.clocks_khz = {4000};
            config.data_rates_bps = {10752, 21505, 43010, 86021, 172043, 344086};
            d.bNumClockSupported = static_cast<std::uint8_t>(config.clocks_khz.size());
            d.bNumDataRatesSupported = static_cast<std::uint8_t>(config.data_rates_bps.size());
            break;
        case Profile::short_apdu:
            d.dwFeatures |= transport::kFeatureShortApduLevel | kAutomatic;
            break;
        case Profile::extended_apdu:
            d.dwFeatures |= transport::kFeatureExtendedApduLevel | kAutomatic;
            d.dwMaxCCIDMessageLength = 1014;
            break;
        case Profile::character:
            d.dwFeatures = transport::kFeatureAutoVoltage;
            break;
        case Profile::two_slot:
            d.dwFeatures |= transport::kFeatureTpduLevel;
            d.bMaxSlotIndex = 1;
            break;
        case Profile::pinpad:
            d.dwFeatures |= transport::kFeatureShortApduLevel | kAutomatic;
            config.pin_pad = PinPadConfig{};
            config.pin_pad->wLcdLayout = 0x0210;
            // CCID 5.1: the device writes bPINSupport / wLcdLayout from pin_pad; set here
            // too so that the profile's descriptor reads the same before a device exists.
            d.bPINSupport = config.pin_pad->bPINSupport();
            d.wLcdLayout = config.pin_pad->wLcdLayout;
            break;
        case Profile::short_apdu_263:
            identiv_utrust_3720(d);
            config.answers_beyond_max_message_length = true;
            break;
        case Profile::short_apdu_264:
            iit_ekey_almaz_1c(d);
            config.endpoints.interrupt_in.reset();  // bNumEndpoints 2 in the dump
            config.answers_beyond_max_message_length = true;
            break;
    }
    InsertedCard card;
    card.card = dual_protocol_card();
    if (profile == Profile::pinpad || profile == Profile::short_apdu_264) {
        card.card.atr.protocols = {1};
    }
    config.cards.assign(transport::slot_count(d), card);
    return config;
}

}  // namespace tessera::emulator
