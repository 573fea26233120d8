// The values IFDHGetCapabilities returns for data tags: pcscd's TAG_IFD_* questions and the
// SCARD_ATTR_* attributes a client reads with SCardGetAttrib (PC/SC part 3 / pcsc-lite
// reader.h), as pure functions of a snapshot of the reader and the slot.
//
// Encodings: integers are 4-byte little-endian (the DWORD of PC/SC part 3, as Windows and
// clients read them), TAG_IFD_* answers and the ICC state bytes are one byte, strings are
// NUL-terminated. The function-pointer tags (polling thread, stop polling thread) are not
// data and are answered by the exports layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"

namespace tessera::ifd {

/// pcsc-lite ifdhandler.h tags.
inline constexpr std::uint32_t kTagIfdAtr = 0x0303;
inline constexpr std::uint32_t kTagIfdSlotNum = 0x0180;
inline constexpr std::uint32_t kTagIfdSlotThreadSafe = 0x0FAC;
inline constexpr std::uint32_t kTagIfdThreadSafe = 0x0FAD;
inline constexpr std::uint32_t kTagIfdSlotsNumber = 0x0FAE;
inline constexpr std::uint32_t kTagIfdSimultaneousAccess = 0x0FAF;
inline constexpr std::uint32_t kTagIfdPollingThread = 0x0FB0;
inline constexpr std::uint32_t kTagIfdPollingThreadKillable = 0x0FB1;
inline constexpr std::uint32_t kTagIfdStopPollingThread = 0x0FB2;
inline constexpr std::uint32_t kTagIfdPollingThreadWithTimeout = 0x0FB3;
inline constexpr std::uint32_t kTagIfdDeviceRemoved = 0x0FB4;

/// SCARD_ATTR_VALUE(class, tag) of pcsc-lite reader.h.
constexpr std::uint32_t scard_attr(std::uint32_t attribute_class, std::uint32_t tag) noexcept {
    return (attribute_class << 16) | tag;
}
inline constexpr std::uint32_t kAttrVendorName = scard_attr(1, 0x0100);
inline constexpr std::uint32_t kAttrVendorIfdType = scard_attr(1, 0x0101);
inline constexpr std::uint32_t kAttrVendorIfdVersion = scard_attr(1, 0x0102);
inline constexpr std::uint32_t kAttrVendorIfdSerialNo = scard_attr(1, 0x0103);
inline constexpr std::uint32_t kAttrChannelId = scard_attr(2, 0x0110);
inline constexpr std::uint32_t kAttrProtocolTypes = scard_attr(3, 0x0120);
inline constexpr std::uint32_t kAttrDefaultClk = scard_attr(3, 0x0121);
inline constexpr std::uint32_t kAttrMaxClk = scard_attr(3, 0x0122);
inline constexpr std::uint32_t kAttrDefaultDataRate = scard_attr(3, 0x0123);
inline constexpr std::uint32_t kAttrMaxDataRate = scard_attr(3, 0x0124);
inline constexpr std::uint32_t kAttrMaxIfsd = scard_attr(3, 0x0125);
inline constexpr std::uint32_t kAttrCurrentProtocolType = scard_attr(8, 0x0201);
inline constexpr std::uint32_t kAttrIccPresence = scard_attr(9, 0x0300);
inline constexpr std::uint32_t kAttrIccInterfaceStatus = scard_attr(9, 0x0301);
inline constexpr std::uint32_t kAttrAtrString = scard_attr(9, 0x0303);
inline constexpr std::uint32_t kAttrMaxInput = scard_attr(7, 0xA007);

/// What does not change while a reader is open.
struct ReaderFacts {
    std::string vendor_name;   // USB iManufacturer (may be empty)
    std::string product_name;  // USB iProduct
    std::string serial;        // USB iSerialNumber; empty: the attribute is not supported
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    std::uint16_t bcd_device = 0;
    std::uint8_t bus = 0;       // USB bus and address, for SCARD_ATTR_CHANNEL_ID
    std::uint8_t address = 0;
    std::uint8_t slots = 1;     // bMaxSlotIndex + 1
    std::uint32_t dwProtocols = 0;  // CCID 5.1: bit 0 T=0, bit 1 T=1
    std::uint32_t dwDefaultClock = 0;  // kHz
    std::uint32_t dwMaximumClock = 0;
    std::uint32_t dwDataRate = 0;      // bps
    std::uint32_t dwMaxDataRate = 0;
    std::uint32_t dwMaxIFSD = 0;
    std::uint32_t max_apdu = 0;  // the largest command APDU the reader accepts
    std::uint8_t bPINSupport = 0;   // CCID 5.1: bit 0 verification, bit 1 modification
    std::uint16_t wLcdLayout = 0;   // CCID 5.1: 0xXXYY lines, characters per line
    bool interrupt_events = true;   // slot changes arrive on an interrupt endpoint: pcscd
                                    // gets the polling callback (else it polls presence)
};

/// The slot's state when the question is asked.
struct SlotFacts {
    bool present = false;
    bool powered = false;
    Bytes atr;  // empty when not powered
    std::optional<std::uint8_t> protocol;  // 0 or 1 once selected
};

/// How many readers one loaded driver serves at once (TAG_IFD_SIMULTANEOUS_ACCESS):
/// pcscd keeps one library for up to this many; there is no fixed table behind it.
inline constexpr std::uint8_t kSimultaneousReaders = 32;

enum class AttributeError {
    ok_is_never_used = 0,
    unknown_tag = 1,  // IFD_ERROR_TAG
    not_available,    // known, but this reader / slot state has no value (e.g. no ATR)
};

const char* describe(AttributeError error);

/// The bytes IFDHGetCapabilities returns for `tag`.
Result<Bytes> attribute(std::uint32_t tag, const ReaderFacts& reader, const SlotFacts& slot);

/// SCARD_ATTR_CHANNEL_ID (PC/SC part 3): 0xDDDDCCCC, DDDD = 0x0020 (USB), CCCC = bus and
/// address.
std::uint32_t channel_id(std::uint8_t bus, std::uint8_t address) noexcept;

}  // namespace tessera::ifd

TESSERA_ERROR_ENUM(tessera::ifd, AttributeError, "IFD attribute");
