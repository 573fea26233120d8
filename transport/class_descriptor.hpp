// The CCID class descriptor (CCID rev 1.1 section 5.1, "Smart Card Device Class
// Descriptor"), the answers to the GET_CLOCK_FREQUENCIES and GET_DATA_RATES class
// requests (CCID 5.3), and ReaderCapabilities, the model of a reader the rest of the
// driver uses.
//
// Everything here is pure code over bytes: no USB I/O, no allocation beyond the returned
// values, no state. The bytes come from the device and are untrusted: every function
// accepts any input, never reads outside it and never loops beyond its size. Functions
// may be called from any thread.
//
// ICCD devices (USB ICCD rev 1.0) carry the same 54-byte descriptor with the same
// bDescriptorType 0x21, in an interface of the same class 0x0B; they parse alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <system_error>
#include <vector>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "transport/ccid_control.hpp"

namespace tessera::transport {

// CCID 5.1: sizes and codes of the descriptor and of the interface that carries it.
inline constexpr std::size_t kClassDescriptorSize = 54;
inline constexpr std::uint8_t kCcidDescriptorType = 0x21;
/// Used instead of 0x21 by a few early readers with a vendor interface class (0xFF).
inline constexpr std::uint8_t kProprietaryDescriptorType = 0xFF;
inline constexpr std::uint8_t kCcidInterfaceClass = 0x0B;
inline constexpr std::uint8_t kVendorInterfaceClass = 0xFF;

/// Why bytes are not a usable class descriptor or configuration descriptor.
enum class DescriptorError {
    ok_is_never_used = 0,
    too_short = 1,            // fewer than 54 bytes (CCID 5.1)
    wrong_descriptor_type,    // bDescriptorType is not 0x21 (nor an accepted 0xFF)
    length_too_small,         // bLength is below 54: the fields would overlap the next one
    length_exceeds_buffer,    // bLength is larger than the bytes given: truncated
    not_a_configuration,      // the blob does not start with a configuration descriptor
    malformed_configuration,  // a descriptor inside the blob has bLength < 2 (or < 9 for
                              // a configuration/interface descriptor)
    no_ccid_interface,        // no interface of class 0x0B (or an accepted 0xFF)
    no_class_descriptor,      // a CCID interface without any class descriptor
};

/// A short English description of the error, for logs.
const char* describe(DescriptorError error);

/// The descriptor exactly as on the wire: CCID 5.1 Table 5.1-1, little-endian, no padding.
/// Holds every field, including values the specification forbids, so that encoding a
/// parsed descriptor gives back the same 54 bytes. Decoded views are the free functions
/// below; judgements on the values are in ReaderCapabilities::diagnostics.
struct ClassDescriptor {
    std::uint8_t bLength = kClassDescriptorSize;         // CCID 5.1 offset 0
    std::uint8_t bDescriptorType = kCcidDescriptorType;  // offset 1
    std::uint16_t bcdCCID = 0x0110;                      // offset 2, BCD: 0x0110 = rev 1.10
    std::uint8_t bMaxSlotIndex = 0;                      // offset 4: slots - 1
    std::uint8_t bVoltageSupport = 0;                    // offset 5: bit 0 5V, 1 3V, 2 1.8V
    std::uint32_t dwProtocols = 0;                       // offset 6: bit 0 T=0, bit 1 T=1
    std::uint32_t dwDefaultClock = 0;                    // offset 10, kHz
    std::uint32_t dwMaximumClock = 0;                    // offset 14, kHz
    std::uint8_t bNumClockSupported = 0;                 // offset 18
    std::uint32_t dwDataRate = 0;                        // offset 19, bps
    std::uint32_t dwMaxDataRate = 0;                     // offset 23, bps
    std::uint8_t bNumDataRatesSupported = 0;             // offset 27
    std::uint32_t dwMaxIFSD = 0;                         // offset 28
    std::uint32_t dwSynchProtocols = 0;                  // offset 32
    std::uint32_t dwMechanical = 0;                      // offset 36
    std::uint32_t dwFeatures = 0;                        // offset 40
    std::uint32_t dwMaxCCIDMessageLength = 0;            // offset 44
    std::uint8_t bClassGetResponse = 0;                  // offset 48
    std::uint8_t bClassEnvelope = 0;                     // offset 49
    std::uint16_t wLcdLayout = 0;                        // offset 50: lines << 8 | columns
    std::uint8_t bPINSupport = 0;                        // offset 52
    std::uint8_t bMaxCCIDBusySlots = 0;                  // offset 53

    bool operator==(const ClassDescriptor&) const = default;
};

struct DescriptorOptions {
    /// Accept bDescriptorType 0xFF as well as 0x21 (a reader quirk flag from config/).
    bool accept_proprietary_type = false;
    /// find_class_descriptors(): also look in interfaces of class 0xFF (quirk flag).
    bool accept_vendor_interface_class = false;
};

/// Parses the first 54 bytes of a class descriptor. `bytes` may be longer than bLength
/// (the rest is ignored: the caller's next descriptor); bLength may exceed 54 (a longer,
/// later revision: the extra bytes are ignored and stay visible as bLength, see
/// ReaderCapabilities::diagnostics). Errors: too_short, length_too_small,
/// length_exceeds_buffer, wrong_descriptor_type.
Result<ClassDescriptor> parse_class_descriptor(ByteView bytes, DescriptorOptions options = {});

/// Exactly 54 bytes, little-endian (CCID 5.1), bLength as held. encode(parse(b)) is the
/// first 54 bytes of b; parse(encode(d)) == d when d.bLength is 54 and its type accepted.
Bytes encode_class_descriptor(const ClassDescriptor& descriptor);

/// Where the class descriptor sat in the configuration: in the interface's own extra
/// bytes (the specification's place), or after one of its endpoint descriptors (found in
/// some readers; libusb reports those bytes as the endpoint's "extra").
enum class DescriptorPlacement { interface, endpoint };

/// One interface (alternate setting) of class 0x0B (or 0xFF when accepted) and its class
/// descriptor.
struct InterfaceClassDescriptor {
    std::uint8_t bInterfaceNumber = 0;
    std::uint8_t bAlternateSetting = 0;
    std::uint8_t bNumEndpoints = 0;
    std::uint8_t bInterfaceClass = 0;
    std::uint8_t bInterfaceSubClass = 0;
    std::uint8_t bInterfaceProtocol = 0;  // CCID: 0; ICCD: 1 (version A) or 2 (version B)
    DescriptorPlacement placement = DescriptorPlacement::interface;
    std::size_t offset = 0;      // of the class descriptor inside the configuration blob
    std::error_code error;       // why the descriptor is unusable; empty when valid
    ClassDescriptor descriptor;  // meaningful only when !error
};

/// Walks a whole configuration descriptor (as read by GET_DESCRIPTOR(CONFIGURATION),
/// wTotalLength bytes) and returns every interface of class 0x0B with its class
/// descriptor: the first descriptor of an accepted type after the interface descriptor
/// and before the next one, between the endpoints or after them. The walk stops at
/// wTotalLength or at the end of the bytes, whichever is first; a descriptor running past
/// that end ends the walk. Errors (for the whole blob): not_a_configuration,
/// malformed_configuration, no_ccid_interface. Errors of a single interface (its class
/// descriptor is missing, short, of wrong type) are in its entry's `error`.
Result<std::vector<InterfaceClassDescriptor>> find_class_descriptors(
    ByteView configuration, DescriptorOptions options = {});

/// The first interface whose class descriptor is valid; if none, the error of the first
/// CCID interface found (or of the blob).
Result<InterfaceClassDescriptor> find_class_descriptor(ByteView configuration,
                                                       DescriptorOptions options = {});

// ---- Decoded views (CCID 5.1) -------------------------------------------------------

/// dwFeatures bits 16..18 (CCID 5.1): the unit the host sends in PC_to_RDR_XfrBlock.
enum class ExchangeLevel { character, tpdu, short_apdu, extended_apdu };

const char* to_string(ExchangeLevel level);

// dwFeatures bits, CCID 5.1 (0x0800 is from USB ICCD rev 1.0).
inline constexpr std::uint32_t kFeatureAutoParameterConfiguration = 0x00000002;
inline constexpr std::uint32_t kFeatureAutoActivation = 0x00000004;
inline constexpr std::uint32_t kFeatureAutoVoltage = 0x00000008;
inline constexpr std::uint32_t kFeatureAutoClock = 0x00000010;
inline constexpr std::uint32_t kFeatureAutoBaudRate = 0x00000020;
inline constexpr std::uint32_t kFeatureAutoParameterNegotiation = 0x00000040;
inline constexpr std::uint32_t kFeatureAutoPps = 0x00000080;
inline constexpr std::uint32_t kFeatureClockStop = 0x00000100;
inline constexpr std::uint32_t kFeatureNadOtherThan00 = 0x00000200;
inline constexpr std::uint32_t kFeatureAutoIfsdExchange = 0x00000400;
inline constexpr std::uint32_t kFeatureIccdToken = 0x00000800;
inline constexpr std::uint32_t kFeatureTpduLevel = 0x00010000;
inline constexpr std::uint32_t kFeatureShortApduLevel = 0x00020000;
inline constexpr std::uint32_t kFeatureExtendedApduLevel = 0x00040000;
inline constexpr std::uint32_t kFeatureExchangeLevelMask = 0x00070000;
inline constexpr std::uint32_t kFeatureUsbWakeUp = 0x00100000;
inline constexpr std::uint32_t kFeatureKnownMask = 0x00170FFE;

/// dwFeatures as named booleans (CCID 5.1).
struct Features {
    bool automatic_parameter_configuration = false;  // 0x02: from the ATR
    bool automatic_activation = false;               // 0x04: on insertion
    bool automatic_voltage = false;                  // 0x08
    bool automatic_clock = false;                    // 0x10
    bool automatic_baud_rate = false;                // 0x20
    bool automatic_parameter_negotiation = false;    // 0x40: proprietary algorithm
    bool automatic_pps = false;                      // 0x80
    bool clock_stop = false;                         // 0x100: can set ICC in clock stop
    bool nad_other_than_00 = false;                  // 0x200 (T=1)
    bool automatic_ifsd_exchange = false;            // 0x400: first exchange (T=1)
    bool iccd_token = false;                         // 0x800 (ICCD)
    bool usb_wake_up = false;                        // 0x100000: on insertion/removal
    std::uint32_t unknown_bits = 0;                  // set bits CCID 1.1 does not define

    bool operator==(const Features&) const = default;
};

/// The exchange level; when several level bits are set (no real reader does) the highest
/// one wins, and ReaderCapabilities reports it. No bit set: character level.
ExchangeLevel exchange_level(std::uint32_t dwFeatures);
Features decode_features(std::uint32_t dwFeatures);

struct ProtocolSupport {
    bool t0 = false;  // dwProtocols bit 0
    bool t1 = false;  // dwProtocols bit 1
    bool operator==(const ProtocolSupport&) const = default;
};
ProtocolSupport decode_protocols(std::uint32_t dwProtocols);

struct VoltageSupport {
    bool v5_0 = false;  // bVoltageSupport bit 0
    bool v3_0 = false;  // bit 1
    bool v1_8 = false;  // bit 2
    bool operator==(const VoltageSupport&) const = default;
};
VoltageSupport decode_voltages(std::uint8_t bVoltageSupport);

struct PinSupport {
    bool verification = false;  // bPINSupport bit 0
    bool modification = false;  // bit 1
    bool operator==(const PinSupport&) const = default;
};
PinSupport decode_pin_support(std::uint8_t bPINSupport);

/// wLcdLayout: 0 means no LCD (CCID 5.1).
struct LcdLayout {
    std::uint8_t lines = 0;                // high byte
    std::uint8_t characters_per_line = 0;  // low byte
    bool present() const { return lines != 0 || characters_per_line != 0; }
    bool operator==(const LcdLayout&) const = default;
};
LcdLayout decode_lcd_layout(std::uint16_t wLcdLayout);

struct MechanicalSupport {
    bool card_accept = false;    // dwMechanical 0x01
    bool card_ejection = false;  // 0x02
    bool card_capture = false;   // 0x04
    bool card_lock = false;      // 0x08: lock/unlock
    bool operator==(const MechanicalSupport&) const = default;
};
MechanicalSupport decode_mechanical(std::uint32_t dwMechanical);

struct SynchProtocolSupport {
    bool two_wire = false;    // dwSynchProtocols 0x01
    bool three_wire = false;  // 0x02
    bool i2c = false;         // 0x04
    bool operator==(const SynchProtocolSupport&) const = default;
};
SynchProtocolSupport decode_synch_protocols(std::uint32_t dwSynchProtocols);

/// bMaxSlotIndex + 1 (1..256).
std::size_t slot_count(const ClassDescriptor& descriptor);

// ---- GET_CLOCK_FREQUENCIES / GET_DATA_RATES (CCID 5.3) ------------------------------

// The request codes and the setup packet are ccid_control.hpp's.
using ClassRequest = SetupPacket;

/// The setup packets of CCID 5.3.2 / 5.3.3 for an interface: class, interface recipient,
/// device to host (0xA1), wLength = 4 * bNum*Supported. When the count is 0 the
/// specification defines the list by the descriptor alone (see ReaderCapabilities) and
/// the request need not be sent; wLength is then 0.
ClassRequest get_clock_frequencies_request(const ClassDescriptor& descriptor,
                                           std::uint8_t bInterfaceNumber);
ClassRequest get_data_rates_request(const ClassDescriptor& descriptor,
                                    std::uint8_t bInterfaceNumber);

/// Never more entries are kept from an answer (bNum*Supported is a byte).
inline constexpr std::size_t kMaxRateListEntries = 256;

/// An answer to GET_CLOCK_FREQUENCIES (kHz) or GET_DATA_RATES (bps): an array of
/// little-endian dwords (CCID 5.3.2, 5.3.3). What is kept, since real readers answer
/// with any length:
///  - whole dwords only; the bytes after the last whole dword are counted, not used;
///  - when `declared` (bNum*Supported) is not 0 and more dwords came, the first
///    `declared` are kept (readers pad to the buffer size with zeros or garbage);
///  - when `declared` is 0 all received dwords are kept, at most kMaxRateListEntries;
///  - when fewer came than declared, those are kept.
/// Values are kept as received, zeros included; ReaderCapabilities cleans them.
struct RateList {
    std::vector<std::uint32_t> values;
    std::size_t declared = 0;         // bNum*Supported
    std::size_t dwords_received = 0;  // whole dwords in the answer
    std::size_t trailing_bytes = 0;   // 1..3 bytes after the last whole dword
    bool operator==(const RateList&) const = default;
};

RateList parse_rate_list(ByteView answer, std::uint8_t declared);

/// A list built from values already decoded (e.g. a reader dump's printed list).
RateList make_rate_list(std::vector<std::uint32_t> values, std::uint8_t declared);

// ---- The reader model ---------------------------------------------------------------

/// Certification minimums (Windows smart card reader requirements): a reader must
/// support a clock of at least 3.5795 MHz and a data rate of at least 9600 bps.
inline constexpr std::uint32_t kMinimumClockTenthsKhz = 35795;
inline constexpr std::uint32_t kMinimumDataRateBps = 9600;

/// Remarks on a reader's descriptor and lists. None of them rejects the reader.
enum class Diagnostic {
    descriptor_longer_than_54,    // bLength > 54: a later revision's extra bytes ignored
    proprietary_descriptor_type,  // bDescriptorType 0xFF
    unknown_ccid_release,         // bcdCCID not 1.00, 1.01 or 1.10
    several_exchange_levels,      // more than one of dwFeatures bits 16..18
    unknown_feature_bits,         // dwFeatures bits CCID 1.1 does not define
    no_protocol,                  // neither T=0 nor T=1 in dwProtocols
    unknown_protocol_bits,        // dwProtocols bits beyond T=0 and T=1
    no_voltage,                   // bVoltageSupport names no voltage
    default_clock_above_maximum,  // dwDefaultClock > dwMaximumClock
    default_rate_above_maximum,   // dwDataRate > dwMaxDataRate
    clock_below_minimum,          // dwMaximumClock < 3579.5 kHz (certification)
    data_rate_below_minimum,      // dwMaxDataRate < 9600 bps (certification)
    max_ifsd_zero,                // T=1 with dwMaxIFSD 0: 32 (ISO 7816-3 default) used
    max_ifsd_above_254,           // dwMaxIFSD > 254 (ISO 7816-3 11.4.2): 254 used
    message_length_too_small,     // dwMaxCCIDMessageLength < 271 at extended APDU level
    busy_slots_out_of_range,      // bMaxCCIDBusySlots 0 or above the slot count
    clock_list_unavailable,       // bNumClockSupported > 0 but no list was obtained
    clock_list_shorter,           // fewer clocks than bNumClockSupported
    clock_list_longer,            // more dwords than bNumClockSupported: the rest ignored
    clock_list_trailing_bytes,    // answer length not a multiple of 4
    clock_list_values_dropped,    // zero, repeated or above dwMaximumClock entries dropped
    data_rate_list_unavailable,
    data_rate_list_shorter,
    data_rate_list_longer,
    data_rate_list_trailing_bytes,
    data_rate_list_values_dropped,  // zero, repeated or above dwMaxDataRate entries dropped
};

const char* describe(Diagnostic diagnostic);

/// What the driver knows about a reader interface, from its class descriptor and the
/// GET_CLOCK_FREQUENCIES / GET_DATA_RATES answers. Built once at open; read-only after.
/// It does not choose rates or parameters (that is the slot model's job) and does not
/// know reader quirks (config/).
struct ReaderCapabilities {
    ClassDescriptor descriptor;  // as received
    ExchangeLevel exchange_level = ExchangeLevel::character;
    Features features;
    ProtocolSupport protocols;
    VoltageSupport voltages;
    PinSupport pin_support;
    LcdLayout lcd_layout;
    MechanicalSupport mechanical;
    SynchProtocolSupport synch_protocols;
    std::size_t slots = 1;           // bMaxSlotIndex + 1
    std::size_t max_busy_slots = 1;  // bMaxCCIDBusySlots clamped to 1..slots
    std::uint32_t default_clock_khz = 0;
    std::uint32_t max_clock_khz = 0;
    /// The supported clocks: the cleaned GET_CLOCK_FREQUENCIES list when it holds
    /// anything, otherwise dwDefaultClock and dwMaximumClock (CCID 5.1: the meaning of
    /// bNumClockSupported = 0). Never contains 0 or duplicates.
    std::vector<std::uint32_t> clocks_khz;
    std::uint32_t default_data_rate_bps = 0;
    std::uint32_t max_data_rate_bps = 0;
    /// The cleaned GET_DATA_RATES list. Empty means every rate between default and
    /// maximum is supported (CCID 5.1: the meaning of bNumDataRatesSupported = 0), which
    /// is also what the driver assumes when no list could be obtained.
    std::vector<std::uint32_t> data_rates_bps;
    std::uint32_t max_ifsd = 0;            // dwMaxIFSD clamped to 254 (32 when 0)
    std::uint32_t max_message_length = 0;  // dwMaxCCIDMessageLength
    std::vector<Diagnostic> diagnostics;   // in enum order, each at most once

    bool has(Diagnostic diagnostic) const;
    /// True when the reader supports exactly this data rate.
    bool supports_data_rate(std::uint32_t bps) const;
};

/// `clocks` and `data_rates` are the parsed answers, or nullopt when the request was not
/// sent or failed.
ReaderCapabilities make_capabilities(const ClassDescriptor& descriptor,
                                     const std::optional<RateList>& clocks = std::nullopt,
                                     const std::optional<RateList>& data_rates = std::nullopt);

}  // namespace tessera::transport

TESSERA_ERROR_ENUM(tessera::transport, DescriptorError, "ccid descriptor");
