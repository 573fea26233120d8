#include "transport/class_descriptor.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace tessera::transport {

const char* describe(DescriptorError error) {
    switch (error) {
        case DescriptorError::ok_is_never_used:
            return "no error";
        case DescriptorError::too_short:
            return "class descriptor shorter than 54 bytes";
        case DescriptorError::wrong_descriptor_type:
            return "bDescriptorType is not the CCID class descriptor type";
        case DescriptorError::length_too_small:
            return "class descriptor bLength below 54";
        case DescriptorError::length_exceeds_buffer:
            return "class descriptor bLength larger than the bytes available";
        case DescriptorError::not_a_configuration:
            return "not a USB configuration descriptor";
        case DescriptorError::malformed_configuration:
            return "malformed descriptor inside the configuration";
        case DescriptorError::no_ccid_interface:
            return "no CCID interface in the configuration";
        case DescriptorError::no_class_descriptor:
            return "CCID interface without a class descriptor";
    }
    return "unknown CCID descriptor error";
}

namespace {

// CCID 5.1 Table 5.1-1: offsets of the multi-byte fields (the others are single bytes at
// the offsets written beside the struct members).
constexpr std::size_t kOffsetBcdCCID = 2;
constexpr std::size_t kOffsetDwProtocols = 6;
constexpr std::size_t kOffsetDwDefaultClock = 10;
constexpr std::size_t kOffsetDwMaximumClock = 14;
constexpr std::size_t kOffsetBNumClockSupported = 18;
constexpr std::size_t kOffsetDwDataRate = 19;
constexpr std::size_t kOffsetDwMaxDataRate = 23;
constexpr std::size_t kOffsetBNumDataRatesSupported = 27;
constexpr std::size_t kOffsetDwMaxIFSD = 28;
constexpr std::size_t kOffsetDwSynchProtocols = 32;
constexpr std::size_t kOffsetDwMechanical = 36;
constexpr std::size_t kOffsetDwFeatures = 40;
constexpr std::size_t kOffsetDwMaxCCIDMessageLength = 44;
constexpr std::size_t kOffsetBClassGetResponse = 48;
constexpr std::size_t kOffsetBClassEnvelope = 49;
constexpr std::size_t kOffsetWLcdLayout = 50;
constexpr std::size_t kOffsetBPINSupport = 52;
constexpr std::size_t kOffsetBMaxCCIDBusySlots = 53;

// USB 2.0 section 9.6: standard descriptor types and sizes.
constexpr std::uint8_t kUsbConfigurationType = 0x02;
constexpr std::uint8_t kUsbInterfaceType = 0x04;
constexpr std::uint8_t kUsbEndpointType = 0x05;
constexpr std::size_t kUsbConfigurationSize = 9;
constexpr std::size_t kUsbInterfaceSize = 9;

std::uint16_t read_u16(ByteView bytes, std::size_t offset) {
    return static_cast<std::uint16_t>(bytes[offset] | bytes[offset + 1] << 8);
}

std::uint32_t read_u32(ByteView bytes, std::size_t offset) {
    return static_cast<std::uint32_t>(bytes[offset]) |
           static_cast<std::uint32_t>(bytes[offset + 1]) << 8 |
           static_cast<std::uint32_t>(bytes[offset + 2]) << 16 |
           static_cast<std::uint32_t>(bytes[offset + 3]) << 24;
}

void write_u16(Bytes& bytes, std::size_t offset, std::uint16_t value) {
    bytes[offset] = static_cast<std::uint8_t>(value);
    bytes[offset + 1] = static_cast<std::uint8_t>(value >> 8);
}

void write_u32(Bytes& bytes, std::size_t offset, std::uint32_t value) {
    for (std::size_t i = 0; i < 4; ++i) {
        bytes[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
    }
}

bool accepted_type(std::uint8_t type, const DescriptorOptions& options) {
    return type == kCcidDescriptorType ||
           (options.accept_proprietary_type && type == kProprietaryDescriptorType);
}

bool accepted_interface_class(std::uint8_t interface_class, const DescriptorOptions& options) {
    return interface_class == kCcidInterfaceClass ||
           (options.accept_vendor_interface_class && interface_class == kVendorInterfaceClass);
}

}  // namespace

Result<ClassDescriptor> parse_class_descriptor(ByteView bytes, DescriptorOptions options) {
    if (bytes.size() < kClassDescriptorSize) {
        return DescriptorError::too_short;
    }
    ClassDescriptor d;
    d.bLength = bytes[0];
    d.bDescriptorType = bytes[1];
    if (d.bLength < kClassDescriptorSize) {
        return DescriptorError::length_too_small;
    }
    if (d.bLength > bytes.size()) {
        return DescriptorError::length_exceeds_buffer;
    }
    if (!accepted_type(d.bDescriptorType, options)) {
        return DescriptorError::wrong_descriptor_type;
    }
    d.bcdCCID = read_u16(bytes, kOffsetBcdCCID);
    d.bMaxSlotIndex = bytes[4];
    d.bVoltageSupport = bytes[5];
    d.dwProtocols = read_u32(bytes, kOffsetDwProtocols);
    d.dwDefaultClock = read_u32(bytes, kOffsetDwDefaultClock);
    d.dwMaximumClock = read_u32(bytes, kOffsetDwMaximumClock);
    d.bNumClockSupported = bytes[kOffsetBNumClockSupported];
    d.dwDataRate = read_u32(bytes, kOffsetDwDataRate);
    d.dwMaxDataRate = read_u32(bytes, kOffsetDwMaxDataRate);
    d.bNumDataRatesSupported = bytes[kOffsetBNumDataRatesSupported];
    d.dwMaxIFSD = read_u32(bytes, kOffsetDwMaxIFSD);
    d.dwSynchProtocols = read_u32(bytes, kOffsetDwSynchProtocols);
    d.dwMechanical = read_u32(bytes, kOffsetDwMechanical);
    d.dwFeatures = read_u32(bytes, kOffsetDwFeatures);
    d.dwMaxCCIDMessageLength = read_u32(bytes, kOffsetDwMaxCCIDMessageLength);
    d.bClassGetResponse = bytes[kOffsetBClassGetResponse];
    d.bClassEnvelope = bytes[kOffsetBClassEnvelope];
    d.wLcdLayout = read_u16(bytes, kOffsetWLcdLayout);
    d.bPINSupport = bytes[kOffsetBPINSupport];
    d.bMaxCCIDBusySlots = bytes[kOffsetBMaxCCIDBusySlots];
    return d;
}

Bytes encode_class_descriptor(const ClassDescriptor& d) {
    Bytes bytes(kClassDescriptorSize, 0);
    bytes[0] = d.bLength;
    bytes[1] = d.bDescriptorType;
    write_u16(bytes, kOffsetBcdCCID, d.bcdCCID);
    bytes[4] = d.bMaxSlotIndex;
    bytes[5] = d.bVoltageSupport;
    write_u32(bytes, kOffsetDwProtocols, d.dwProtocols);
    write_u32(bytes, kOffsetDwDefaultClock, d.dwDefaultClock);
    write_u32(bytes, kOffsetDwMaximumClock, d.dwMaximumClock);
    bytes[kOffsetBNumClockSupported] = d.bNumClockSupported;
    write_u32(bytes, kOffsetDwDataRate, d.dwDataRate);
    write_u32(bytes, kOffsetDwMaxDataRate, d.dwMaxDataRate);
    bytes[kOffsetBNumDataRatesSupported] = d.bNumDataRatesSupported;
    write_u32(bytes, kOffsetDwMaxIFSD, d.dwMaxIFSD);
    write_u32(bytes, kOffsetDwSynchProtocols, d.dwSynchProtocols);
    write_u32(bytes, kOffsetDwMechanical, d.dwMechanical);
    write_u32(bytes, kOffsetDwFeatures, d.dwFeatures);
    write_u32(bytes, kOffsetDwMaxCCIDMessageLength, d.dwMaxCCIDMessageLength);
    bytes[kOffsetBClassGetResponse] = d.bClassGetResponse;
    bytes[kOffsetBClassEnvelope] = d.bClassEnvelope;
    write_u16(bytes, kOffsetWLcdLayout, d.wLcdLayout);
    bytes[kOffsetBPINSupport] = d.bPINSupport;
    bytes[kOffsetBMaxCCIDBusySlots] = d.bMaxCCIDBusySlots;
    return bytes;
}

Result<std::vector<InterfaceClassDescriptor>> find_class_descriptors(ByteView configuration,
                                                                     DescriptorOptions options) {
    // USB 2.0 9.6.3: bLength, bDescriptorType 2, wTotalLength, ...
    if (configuration.size() < kUsbConfigurationSize || configuration[1] != kUsbConfigurationType) {
        return DescriptorError::not_a_configuration;
    }
    if (configuration[0] < kUsbConfigurationSize) {
        return DescriptorError::malformed_configuration;
    }
    const std::size_t end = std::min<std::size_t>(configuration.size(), read_u16(configuration, 2));
    std::vector<InterfaceClassDescriptor> found;
    bool in_ccid_interface = false;  // the descriptors after the last interface belong to it
    bool descriptor_taken = false;   // its class descriptor has been found
    bool after_endpoint = false;     // an endpoint descriptor came since the interface one

    std::size_t offset = configuration[0];
    while (offset + 2 <= end) {
        const std::size_t length = configuration[offset];
        const std::uint8_t type = configuration[offset + 1];
        if (length < 2) {
            return DescriptorError::malformed_configuration;
        }
        const std::size_t available = end - offset;
        const bool truncated = length > available;  // ends the walk after this descriptor
        if (type == kUsbInterfaceType) {
            if (truncated) {
                break;
            }
            if (length < kUsbInterfaceSize) {
                return DescriptorError::malformed_configuration;
            }
            const std::uint8_t interface_class = configuration[offset + 5];
            in_ccid_interface = accepted_interface_class(interface_class, options);
            descriptor_taken = false;
            after_endpoint = false;
            if (in_ccid_interface) {
                InterfaceClassDescriptor entry;
                entry.bInterfaceNumber = configuration[offset + 2];
                entry.bAlternateSetting = configuration[offset + 3];
                entry.bNumEndpoints = configuration[offset + 4];
                entry.bInterfaceClass = interface_class;
                entry.bInterfaceSubClass = configuration[offset + 6];
                entry.bInterfaceProtocol = configuration[offset + 7];
                entry.error = DescriptorError::no_class_descriptor;
                found.push_back(entry);
            }
        } else if (type == kUsbEndpointType) {
            after_endpoint = true;
        } else if (in_ccid_interface && !descriptor_taken && accepted_type(type, options)) {
            // A truncated class descriptor is parsed too: its entry says length_exceeds_buffer.
            InterfaceClassDescriptor& entry = found.back();
            entry.offset = offset;
            entry.placement =
                after_endpoint ? DescriptorPlacement::endpoint : DescriptorPlacement::interface;
            auto parsed = parse_class_descriptor(configuration.subspan(offset, available), options);
            if (parsed) {
                entry.descriptor = *parsed;
                entry.error.clear();
            } else {
                entry.error = parsed.error();
            }
            descriptor_taken = true;
        }
        if (truncated) {
            break;
        }
        offset += length;
    }
    if (found.empty()) {
        return DescriptorError::no_ccid_interface;
    }
    return found;
}

Result<InterfaceClassDescriptor> find_class_descriptor(ByteView configuration,
                                                       DescriptorOptions options) {
    auto all = find_class_descriptors(configuration, options);
    if (!all) {
        return all.error();
    }
    for (const auto& entry : *all) {
        if (!entry.error) {
            return entry;
        }
    }
    return all->front().error;
}

// ---- Decoded views ------------------------------------------------------------------

const char* to_string(ExchangeLevel level) {
    switch (level) {
        case ExchangeLevel::character:
            return "character";
        case ExchangeLevel::tpdu:
            return "TPDU";
        case ExchangeLevel::short_apdu:
            return "short APDU";
        case ExchangeLevel::extended_apdu:
            return "short and extended APDU";
    }
    return "unknown";
}

ExchangeLevel exchange_level(std::uint32_t dwFeatures) {
    if (dwFeatures & kFeatureExtendedApduLevel) {
        return ExchangeLevel::extended_apdu;
    }
    if (dwFeatures & kFeatureShortApduLevel) {
        return ExchangeLevel::short_apdu;
    }
    if (dwFeatures & kFeatureTpduLevel) {
        return ExchangeLevel::tpdu;
    }
    return ExchangeLevel::character;
}

Features decode_features(std::uint32_t f) {
    Features features;
    features.automatic_parameter_configuration = f & kFeatureAutoParameterConfiguration;
    features.automatic_activation = f & kFeatureAutoActivation;
    features.automatic_voltage = f & kFeatureAutoVoltage;
    features.automatic_clock = f & kFeatureAutoClock;
    features.automatic_baud_rate = f & kFeatureAutoBaudRate;
    features.automatic_parameter_negotiation = f & kFeatureAutoParameterNegotiation;
    features.automatic_pps = f & kFeatureAutoPps;
    features.clock_stop = f & kFeatureClockStop;
    features.nad_other_than_00 = f & kFeatureNadOtherThan00;
    features.automatic_ifsd_exchange = f & kFeatureAutoIfsdExchange;
    features.iccd_token = f & kFeatureIccdToken;
    features.usb_wake_up = f & kFeatureUsbWakeUp;
    features.unknown_bits = f & ~kFeatureKnownMask;
    return features;
}

ProtocolSupport decode_protocols(std::uint32_t dwProtocols) {
    return {.t0 = (dwProtocols & 0x01) != 0, .t1 = (dwProtocols & 0x02) != 0};
}

VoltageSupport decode_voltages(std::uint8_t bVoltageSupport) {
    return {.v5_0 = (bVoltageSupport & 0x01) != 0,
            .v3_0 = (bVoltageSupport & 0x02) != 0,
            .v1_8 = (bVoltageSupport & 0x04) != 0};
}

PinSupport decode_pin_support(std::uint8_t bPINSupport) {
    return {.verification = (bPINSupport & 0x01) != 0, .modification = (bPINSupport & 0x02) != 0};
}

LcdLayout decode_lcd_layout(std::uint16_t wLcdLayout) {
    return {.lines = static_cast<std::uint8_t>(wLcdLayout >> 8),
            .characters_per_line = static_cast<std::uint8_t>(wLcdLayout & 0xFF)};
}

MechanicalSupport decode_mechanical(std::uint32_t dwMechanical) {
    return {.card_accept = (dwMechanical & 0x01) != 0,
            .card_ejection = (dwMechanical & 0x02) != 0,
            .card_capture = (dwMechanical & 0x04) != 0,
            .card_lock = (dwMechanical & 0x08) != 0};
}

SynchProtocolSupport decode_synch_protocols(std::uint32_t dwSynchProtocols) {
    return {.two_wire = (dwSynchProtocols & 0x01) != 0,
            .three_wire = (dwSynchProtocols & 0x02) != 0,
            .i2c = (dwSynchProtocols & 0x04) != 0};
}

std::size_t slot_count(const ClassDescriptor& descriptor) {
    return static_cast<std::size_t>(descriptor.bMaxSlotIndex) + 1;
}

// ---- Class requests (CCID 5.3) ------------------------------------------------------

namespace {

// The setup packet of CCID 5.3.2 / 5.3.3: bNum*Supported dwords, device to host.
ClassRequest rate_list_request(std::uint8_t request, std::uint8_t count,
                               std::uint8_t bInterfaceNumber) {
    return {.bmRequestType = kRequestTypeClassInterfaceIn,
            .bRequest = request,
            .wValue = 0,
            .wIndex = bInterfaceNumber,
            .wLength = static_cast<std::uint16_t>(count * 4u)};
}
}  // namespace

ClassRequest get_clock_frequencies_request(const ClassDescriptor& descriptor,
                                           std::uint8_t bInterfaceNumber) {
    return rate_list_request(kRequestGetClockFrequencies, descriptor.bNumClockSupported,
                             bInterfaceNumber);
}

ClassRequest get_data_rates_request(const ClassDescriptor& descriptor,
                                    std::uint8_t bInterfaceNumber) {
    return rate_list_request(kRequestGetDataRates, descriptor.bNumDataRatesSupported,
                             bInterfaceNumber);
}

RateList parse_rate_list(ByteView answer, std::uint8_t declared) {
    RateList list;
    list.declared = declared;
    list.dwords_received = answer.size() / 4;
    list.trailing_bytes = answer.size() % 4;
    std::size_t keep = std::min(list.dwords_received, kMaxRateListEntries);
    if (declared != 0) {
        keep = std::min<std::size_t>(keep, declared);
    }
    list.values.reserve(keep);
    for (std::size_t i = 0; i < keep; ++i) {
        list.values.push_back(read_u32(answer, 4 * i));
    }
    return list;
}

RateList make_rate_list(std::vector<std::uint32_t> values, std::uint8_t declared) {
    RateList list;
    list.declared = declared;
    list.dwords_received = values.size();
    list.values = std::move(values);
    if (list.values.size() > kMaxRateListEntries) {
        list.values.resize(kMaxRateListEntries);
    }
    if (declared != 0 && list.values.size() > declared) {
        list.values.resize(declared);
    }
    return list;
}

// ---- ReaderCapabilities -------------------------------------------------------------

const char* describe(Diagnostic diagnostic) {
    switch (diagnostic) {
        case Diagnostic::descriptor_longer_than_54:
            return "class descriptor longer than 54 bytes: the extra bytes are ignored";
        case Diagnostic::proprietary_descriptor_type:
            return "proprietary class descriptor type 0xFF";
        case Diagnostic::unknown_ccid_release:
            return "bcdCCID is not a CCID release (1.00, 1.01, 1.10)";
        case Diagnostic::several_exchange_levels:
            return "several exchange levels in dwFeatures: the highest is used";
        case Diagnostic::unknown_feature_bits:
            return "dwFeatures has bits CCID 1.1 does not define";
        case Diagnostic::no_protocol:
            return "dwProtocols names neither T=0 nor T=1";
        case Diagnostic::unknown_protocol_bits:
            return "dwProtocols has bits beyond T=0 and T=1";
        case Diagnostic::no_voltage:
            return "bVoltageSupport names no voltage";
        case Diagnostic::default_clock_above_maximum:
            return "dwDefaultClock above dwMaximumClock";
        case Diagnostic::default_rate_above_maximum:
            return "dwDataRate above dwMaxDataRate";
        case Diagnostic::clock_below_minimum:
            return "maximum clock below 3.5795 MHz (certification minimum)";
        case Diagnostic::data_rate_below_minimum:
            return "maximum data rate below 9600 bps (certification minimum)";
        case Diagnostic::max_ifsd_zero:
            return "T=1 with dwMaxIFSD 0: IFSD 32 is used";
        case Diagnostic::max_ifsd_above_254:
            return "dwMaxIFSD above 254: IFSD 254 is used";
        case Diagnostic::message_length_too_small:
            return "dwMaxCCIDMessageLength below 271 at extended APDU level";
        case Diagnostic::busy_slots_out_of_range:
            return "bMaxCCIDBusySlots is 0 or above the number of slots";
        case Diagnostic::clock_list_unavailable:
            return "bNumClockSupported is not 0 but no clock list was obtained";
        case Diagnostic::clock_list_shorter:
            return "fewer clock frequencies than bNumClockSupported";
        case Diagnostic::clock_list_longer:
            return "more clock frequencies than bNumClockSupported: the rest is ignored";
        case Diagnostic::clock_list_trailing_bytes:
            return "clock frequency answer length not a multiple of 4";
        case Diagnostic::clock_list_values_dropped:
            return "zero, repeated or above-maximum clock frequencies dropped";
        case Diagnostic::data_rate_list_unavailable:
            return "bNumDataRatesSupported is not 0 but no data rate list was obtained";
        case Diagnostic::data_rate_list_shorter:
            return "fewer data rates than bNumDataRatesSupported";
        case Diagnostic::data_rate_list_longer:
            return "more data rates than bNumDataRatesSupported: the rest is ignored";
        case Diagnostic::data_rate_list_trailing_bytes:
            return "data rate answer length not a multiple of 4";
        case Diagnostic::data_rate_list_values_dropped:
            return "zero, repeated or above-maximum data rates dropped";
    }
    return "unknown diagnostic";
}

bool ReaderCapabilities::has(Diagnostic diagnostic) const {
    return std::find(diagnostics.begin(), diagnostics.end(), diagnostic) != diagnostics.end();
}

bool ReaderCapabilities::supports_data_rate(std::uint32_t bps) const {
    if (data_rates_bps.empty()) {
        return bps != 0 && bps >= std::min(default_data_rate_bps, max_data_rate_bps) &&
               bps <= max_data_rate_bps;
    }
    return std::find(data_rates_bps.begin(), data_rates_bps.end(), bps) != data_rates_bps.end();
}

namespace {

struct ListDiagnostics {
    Diagnostic unavailable;
    Diagnostic shorter;
    Diagnostic longer;
    Diagnostic trailing_bytes;
    Diagnostic values_dropped;
};

constexpr ListDiagnostics kClockListDiagnostics{
    Diagnostic::clock_list_unavailable, Diagnostic::clock_list_shorter,
    Diagnostic::clock_list_longer, Diagnostic::clock_list_trailing_bytes,
    Diagnostic::clock_list_values_dropped};

constexpr ListDiagnostics kDataRateListDiagnostics{
    Diagnostic::data_rate_list_unavailable, Diagnostic::data_rate_list_shorter,
    Diagnostic::data_rate_list_longer, Diagnostic::data_rate_list_trailing_bytes,
    Diagnostic::data_rate_list_values_dropped};

/// The usable values of a list: no zero, no repeat, none above `maximum` (when the
/// maximum is known, i.e. not 0); order kept. Adds the list's diagnostics.
std::vector<std::uint32_t> clean_list(const std::optional<RateList>& list, std::uint8_t declared,
                                      std::uint32_t maximum, const ListDiagnostics& kinds,
                                      std::vector<Diagnostic>& diagnostics) {
    std::vector<std::uint32_t> kept;
    if (!list) {
        if (declared != 0) {
            diagnostics.push_back(kinds.unavailable);
        }
        return kept;
    }
    if (declared != 0 && list->dwords_received < declared) {
        diagnostics.push_back(kinds.shorter);
    }
    if (declared != 0 && list->dwords_received > declared) {
        diagnostics.push_back(kinds.longer);
    }
    if (list->trailing_bytes != 0) {
        diagnostics.push_back(kinds.trailing_bytes);
    }
    bool dropped = false;
    for (std::uint32_t value : list->values) {
        const bool repeated = std::find(kept.begin(), kept.end(), value) != kept.end();
        if (value == 0 || repeated || (maximum != 0 && value > maximum)) {
            dropped = true;
            continue;
        }
        kept.push_back(value);
    }
    if (dropped) {
        diagnostics.push_back(kinds.values_dropped);
    }
    return kept;
}

}  // namespace

ReaderCapabilities make_capabilities(const ClassDescriptor& d,
                                     const std::optional<RateList>& clocks,
                                     const std::optional<RateList>& data_rates) {
    ReaderCapabilities caps;
    caps.descriptor = d;
    caps.exchange_level = exchange_level(d.dwFeatures);
    caps.features = decode_features(d.dwFeatures);
    caps.protocols = decode_protocols(d.dwProtocols);
    caps.voltages = decode_voltages(d.bVoltageSupport);
    caps.pin_support = decode_pin_support(d.bPINSupport);
    caps.lcd_layout = decode_lcd_layout(d.wLcdLayout);
    caps.mechanical = decode_mechanical(d.dwMechanical);
    caps.synch_protocols = decode_synch_protocols(d.dwSynchProtocols);
    caps.slots = slot_count(d);
    caps.max_busy_slots = std::clamp<std::size_t>(d.bMaxCCIDBusySlots, 1, caps.slots);
    caps.default_clock_khz = d.dwDefaultClock;
    caps.max_clock_khz = d.dwMaximumClock;
    caps.default_data_rate_bps = d.dwDataRate;
    caps.max_data_rate_bps = d.dwMaxDataRate;
    caps.max_message_length = d.dwMaxCCIDMessageLength;
    if (d.dwMaxIFSD == 0) {
        caps.max_ifsd = 32;  // ISO 7816-3 11.4.2: the IFSD before any S(IFS request)
    } else {
        caps.max_ifsd = std::min<std::uint32_t>(d.dwMaxIFSD, 254);
    }

    std::vector<Diagnostic>& out = caps.diagnostics;
    if (d.bLength > kClassDescriptorSize) {
        out.push_back(Diagnostic::descriptor_longer_than_54);
    }
    if (d.bDescriptorType == kProprietaryDescriptorType) {
        out.push_back(Diagnostic::proprietary_descriptor_type);
    }
    if (d.bcdCCID != 0x0100 && d.bcdCCID != 0x0101 && d.bcdCCID != 0x0110) {
        out.push_back(Diagnostic::unknown_ccid_release);
    }
    const std::uint32_t levels = d.dwFeatures & kFeatureExchangeLevelMask;
    if (levels & (levels - 1)) {
        out.push_back(Diagnostic::several_exchange_levels);
    }
    if (caps.features.unknown_bits != 0) {
        out.push_back(Diagnostic::unknown_feature_bits);
    }
    if (!caps.protocols.t0 && !caps.protocols.t1) {
        out.push_back(Diagnostic::no_protocol);
    }
    if (d.dwProtocols & ~std::uint32_t{0x03}) {
        out.push_back(Diagnostic::unknown_protocol_bits);
    }
    if ((d.bVoltageSupport & 0x07) == 0) {
        out.push_back(Diagnostic::no_voltage);
    }
    if (d.dwDefaultClock > d.dwMaximumClock) {
        out.push_back(Diagnostic::default_clock_above_maximum);
    }
    if (d.dwDataRate > d.dwMaxDataRate) {
        out.push_back(Diagnostic::default_rate_above_maximum);
    }
    // dwMaximumClock is in kHz; the minimum is 3579.5 kHz.
    if (std::uint64_t{d.dwMaximumClock} * 10 < kMinimumClockTenthsKhz) {
        out.push_back(Diagnostic::clock_below_minimum);
    }
    if (d.dwMaxDataRate < kMinimumDataRateBps) {
        out.push_back(Diagnostic::data_rate_below_minimum);
    }
    if (caps.protocols.t1 && d.dwMaxIFSD == 0) {
        out.push_back(Diagnostic::max_ifsd_zero);
    }
    if (d.dwMaxIFSD > 254) {
        out.push_back(Diagnostic::max_ifsd_above_254);
    }
    if (caps.exchange_level == ExchangeLevel::extended_apdu && d.dwMaxCCIDMessageLength < 271) {
        out.push_back(Diagnostic::message_length_too_small);
    }
    if (d.bMaxCCIDBusySlots == 0 || d.bMaxCCIDBusySlots > caps.slots) {
        out.push_back(Diagnostic::busy_slots_out_of_range);
    }

    caps.clocks_khz =
        clean_list(clocks, d.bNumClockSupported, d.dwMaximumClock, kClockListDiagnostics, out);
    if (caps.clocks_khz.empty()) {
        // CCID 5.1: with no list, the default and the maximum clock are the supported ones.
        for (std::uint32_t clock : {d.dwDefaultClock, d.dwMaximumClock}) {
            if (clock != 0 && std::find(caps.clocks_khz.begin(), caps.clocks_khz.end(), clock) ==
                                  caps.clocks_khz.end()) {
                caps.clocks_khz.push_back(clock);
            }
        }
    }
    caps.data_rates_bps = clean_list(data_rates, d.bNumDataRatesSupported, d.dwMaxDataRate,
                                     kDataRateListDiagnostics, out);
    std::sort(out.begin(), out.end());
    return caps;
}

}  // namespace tessera::transport
