// Standard USB descriptors (USB 2.0 chapter 9.6) parsed from raw bytes.
//
// The bytes come from the device (untrusted): every length is checked against the
// buffer, and a malformed descriptor yields UsbError::bad_descriptor, never an
// out-of-bounds read. Backends hand the raw configuration descriptor to this parser, so
// endpoint discovery is the same code on every platform. Pure code, no I/O, no state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/result.hpp"
#include "transport/usb/usb_error.hpp"

namespace tessera::usb {

/// USB 2.0 Table 9-13 (wire order).
struct UsbEndpointDescriptor {
    std::uint8_t bEndpointAddress = 0;
    std::uint8_t bmAttributes = 0;
    std::uint16_t wMaxPacketSize = 0;
    std::uint8_t bInterval = 0;

    enum class Type : std::uint8_t { control = 0, isochronous = 1, bulk = 2, interrupt = 3 };
    Type type() const noexcept { return static_cast<Type>(bmAttributes & 0x03); }
    bool is_in() const noexcept { return (bEndpointAddress & 0x80) != 0; }
    /// Bits 10..0 of wMaxPacketSize (USB 2.0 9.6.6).
    std::uint16_t max_packet() const noexcept { return wMaxPacketSize & 0x07FF; }
};

/// USB 2.0 Table 9-12, with the endpoints and the class-specific descriptors that follow
/// it (for a CCID interface, `extra` holds the 54-byte class descriptor, CCID 5.1).
struct UsbInterfaceDescriptor {
    std::uint8_t bInterfaceNumber = 0;
    std::uint8_t bAlternateSetting = 0;
    std::uint8_t bInterfaceClass = 0;
    std::uint8_t bInterfaceSubClass = 0;
    std::uint8_t bInterfaceProtocol = 0;
    std::uint8_t iInterface = 0;
    std::vector<UsbEndpointDescriptor> endpoints;
    std::vector<std::uint8_t> extra;  // descriptors between this one and its first endpoint

    /// The first endpoint of the given type and direction, if any.
    std::optional<UsbEndpointDescriptor> find_endpoint(UsbEndpointDescriptor::Type type,
                                                       bool in) const noexcept;
};

/// USB 2.0 Table 9-10 with every interface (all alternate settings, in wire order).
struct UsbConfigDescriptor {
    std::uint16_t wTotalLength = 0;
    std::uint8_t bNumInterfaces = 0;
    std::uint8_t bConfigurationValue = 0;
    std::uint8_t iConfiguration = 0;
    std::uint8_t bmAttributes = 0;
    std::uint8_t bMaxPower = 0;
    std::vector<UsbInterfaceDescriptor> interfaces;

    /// Alternate setting 0 of the interface with this number.
    const UsbInterfaceDescriptor* find_interface(std::uint8_t number) const noexcept;
    /// Alternate setting 0 of the first interface of this class.
    const UsbInterfaceDescriptor* find_interface_of_class(std::uint8_t cls) const noexcept;
};

/// USB 2.0 Table 9-8.
struct UsbDeviceDescriptor {
    std::uint16_t bcdUSB = 0;
    std::uint8_t bDeviceClass = 0;
    std::uint8_t bDeviceSubClass = 0;
    std::uint8_t bDeviceProtocol = 0;
    std::uint8_t bMaxPacketSize0 = 0;
    std::uint16_t idVendor = 0;
    std::uint16_t idProduct = 0;
    std::uint16_t bcdDevice = 0;
    std::uint8_t iManufacturer = 0;
    std::uint8_t iProduct = 0;
    std::uint8_t iSerialNumber = 0;
    std::uint8_t bNumConfigurations = 0;
};

inline constexpr std::uint8_t kDescriptorTypeDevice = 0x01;
inline constexpr std::uint8_t kDescriptorTypeConfiguration = 0x02;
inline constexpr std::uint8_t kDescriptorTypeString = 0x03;
inline constexpr std::uint8_t kDescriptorTypeInterface = 0x04;
inline constexpr std::uint8_t kDescriptorTypeEndpoint = 0x05;

/// Parses the 18-byte device descriptor (longer input: the rest is ignored).
Result<UsbDeviceDescriptor> parse_device_descriptor(std::span<const std::uint8_t> bytes);

/// Parses a whole configuration descriptor (header + wTotalLength bytes). Descriptors
/// before the first interface are skipped; descriptors after an endpoint (companions,
/// class endpoint descriptors) are skipped. Input longer than wTotalLength is ignored.
Result<UsbConfigDescriptor> parse_config_descriptor(std::span<const std::uint8_t> bytes);

}  // namespace tessera::usb
