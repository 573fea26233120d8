// ReaderConfig: everything that makes one emulated CCID reader what it is (USB identity,
// interface layout, the CCID class descriptor, the clock and data-rate lists, the slots
// and the cards in them), as plain data. CcidDevice (ccid_device.hpp) runs it.
//
// Where a config comes from: a built-in profile (reader_profiles.hpp), a real reader's
// dump (config_from_dump.hpp), or a test that edits either. The config is copied into the
// device at construction; it holds no pointers into other objects.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "tests/emulator/model/pin_pad_config.hpp"
#include "tests/sim/card.hpp"
#include "transport/class_descriptor.hpp"

namespace tessera::emulator {

/// bInterfaceProtocol of the CCID interface (CCID 4.2.1; USB ICCD rev 1.0 for 1 and 2).
enum class InterfaceProtocol : std::uint8_t {
    ccid = 0,    // bulk transfers, optional interrupt IN
    iccd_a = 1,  // ICCD version A: the model still serves bulk pipes (see from_dump)
    iccd_b = 2,  // ICCD version B: likewise
};

/// The endpoints of the CCID interface (CCID 3.2.1 to 3.2.3). Addresses carry the
/// direction bit (bit 7 set for IN).
struct Endpoints {
    std::uint8_t bulk_out = 0x01;
    std::uint8_t bulk_in = 0x82;
    /// Absent for readers without an interrupt pipe (bNumEndpoints 2): the host must then
    /// poll with GetSlotStatus.
    std::optional<std::uint8_t> interrupt_in = 0x83;
    std::uint16_t bulk_max_packet_size = 64;  // wMaxPacketSize of both bulk endpoints
    std::uint8_t interrupt_interval = 0x10;   // bInterval (frames)
};

/// Voltage classes as bVoltageSupport bits (CCID 5.1): 5 V, 3 V, 1.8 V.
inline constexpr std::uint8_t kVoltage5V = 0x01;
inline constexpr std::uint8_t kVoltage3V = 0x02;
inline constexpr std::uint8_t kVoltage1V8 = 0x04;
inline constexpr std::uint8_t kAllVoltages = kVoltage5V | kVoltage3V | kVoltage1V8;

/// A card as it sits in a slot: the simulated card and what the reader's contacts see of
/// it beyond the card's own protocol behaviour.
struct InsertedCard {
    sim::CardConfig card{};
    /// Voltages at which the card answers reset (bVoltageSupport bits). Powered at any
    /// other voltage it stays mute (ICC_MUTE), so a host's retry of other classes shows.
    std::uint8_t accepted_voltages = kAllVoltages;
    /// Time extensions (RDR_to_PC_DataBlock with bmCommandStatus 2) the reader sends
    /// before every answer of this card to an XfrBlock, on top of the card's own SLOW
    /// time units: a slow card.
    std::size_t time_extensions_per_command = 0;
    /// bError of those time extensions: the BWT multiplier (CCID 6.2.6).
    std::uint8_t time_extension_multiplier = 1;
};

/// The reader's answer to PC_to_RDR_Escape abData (CCID 6.1.8): the RDR_to_PC_Escape
/// abData, or nullopt to fail the command with CMD_NOT_SUPPORTED.
using EscapeHandler = std::function<std::optional<Bytes>(ByteView)>;

struct ReaderConfig {
    // --- USB identity (USB 2.0 9.6.1; strings 9.6.7) -------------------------------------
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    std::uint16_t bcd_device = 0x0100;
    std::uint16_t bcd_usb = 0x0200;
    std::string manufacturer;  // empty: no string descriptor (iManufacturer 0)
    std::string product;
    std::string serial;

    // --- the CCID interface (CCID 4.2) ----------------------------------------------------
    std::uint8_t interface_number = 0;
    /// 0x0B; 0xFF for the few early readers with a vendor-specific interface class.
    std::uint8_t interface_class = transport::kCcidInterfaceClass;
    InterfaceProtocol interface_protocol = InterfaceProtocol::ccid;
    /// Where the class descriptor sits: after the interface descriptor (CCID 5.1) or after
    /// the endpoint descriptors, as some early readers put it.
    transport::DescriptorPlacement placement = transport::DescriptorPlacement::interface;
    Endpoints endpoints{};

    // --- CCID capabilities ------------------------------------------------------------------
    /// Sent as is (bLength, bDescriptorType included); the device also runs by it:
    /// bMaxSlotIndex, bVoltageSupport, dwProtocols, dwFeatures (exchange level, automatic
    /// features), dwMaxCCIDMessageLength, bMaxCCIDBusySlots, dwMechanical, clocks, rates.
    transport::ClassDescriptor descriptor{};
    /// The GET_CLOCK_FREQUENCIES answer (kHz) and the GET_DATA_RATES answer (bps), sent as
    /// given (a real reader's anomalies included). An empty list stalls the request, as a
    /// reader with bNumClockSupported / bNumDataRatesSupported 0 may (CCID 5.3.2, 5.3.3).
    std::vector<std::uint32_t> clocks_khz;
    std::vector<std::uint32_t> data_rates_bps;

    // --- slots ------------------------------------------------------------------------------
    /// The card in each slot at start, slot 0 first; missing entries are empty slots,
    /// entries beyond bMaxSlotIndex are ignored.
    std::vector<std::optional<InsertedCard>> cards;

    // --- behaviour --------------------------------------------------------------------------
    /// A bulk OUT transfer that ends with a short packet (not a multiple of
    /// bulk_max_packet_size, or empty) ends the message (USB 2.0 5.8.3): a message shorter
    /// than its dwLength is answered with a bad-length error at once. When false the reader
    /// waits for the missing bytes across transfers whatever their size.
    bool short_packet_ends_message = true;
    /// Return the card's whole answer even when its message exceeds dwMaxCCIDMessageLength,
    /// as readers declaring 263 or 264 bytes do with the 268-byte answer of a 256-byte short
    /// APDU (CCID 6.1.4 words the limit for what the host sends). Affects
    /// short APDU and T=0 TPDU answers and the IFSD of the automatic exchange (0x400), which
    /// then is dwMaxIFSD; extended APDU responses are still cut into parts of
    /// dwMaxCCIDMessageLength. When false, such answers fail with XFR_OVERRUN.
    bool answers_beyond_max_message_length = false;
    /// Send a NotifySlotChange for the slots holding a card when the host first reads the
    /// interrupt endpoint, as most readers do after enumeration.
    bool notify_at_start = true;
    /// Escape (CCID 6.1.8); unset: the reader echoes abData.
    EscapeHandler escape;
    /// A PIN pad (PC_to_RDR_Secure, CCID 6.1.11). When set, the device writes its
    /// bPINSupport and wLcdLayout into the class descriptor; unset, Secure answers
    /// CMD_NOT_SUPPORTED whatever the descriptor says.
    std::optional<PinPadConfig> pin_pad;
};

}  // namespace tessera::emulator
