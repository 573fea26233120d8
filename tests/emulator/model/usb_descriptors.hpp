// The standard USB descriptors of an emulated CCID reader (USB 2.0 9.6), built from its
// ReaderConfig: the device descriptor, the configuration with the CCID interface, its
// class descriptor (CCID 5.1) and its endpoints (CCID 3.2), and the string descriptors.
//
// Pure functions; no state.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "tests/emulator/model/reader_config.hpp"
#include "tests/emulator/usb_device_model.hpp"

namespace tessera::emulator {

/// String descriptor indices the device descriptor names (0 when the string is empty).
inline constexpr std::uint8_t kManufacturerStringIndex = 1;
inline constexpr std::uint8_t kProductStringIndex = 2;
inline constexpr std::uint8_t kSerialStringIndex = 3;

/// The 18-byte device descriptor (USB 2.0 9.6.1).
Bytes device_descriptor(const ReaderConfig& config);

/// The whole configuration, wTotalLength bytes (USB 2.0 9.6.3): configuration, interface
/// descriptors for the interface numbers below the CCID one (placeholders of class 0xFE
/// with no endpoints, so that interface numbers stay consecutive), the CCID interface, the
/// class descriptor before or after its 2 or 3 endpoint descriptors (config.placement).
Bytes configuration_descriptor(const ReaderConfig& config);

/// Identity and both descriptors.
UsbIdentity make_identity(const ReaderConfig& config);

/// String descriptor `index` (USB 2.0 9.6.7): index 0 is the language list (0x0409);
/// nullopt for an index without a string (the request stalls).
std::optional<Bytes> string_descriptor(const UsbIdentity& identity, std::uint8_t index);

/// The answer to a standard GET_DESCRIPTOR request (USB 2.0 9.4.3) for device,
/// configuration and string descriptors; nullopt for anything else.
std::optional<Bytes> standard_descriptor(const UsbIdentity& identity, const SetupPacket& setup);

}  // namespace tessera::emulator
