#include "ifdhandler/attributes.hpp"

namespace tessera::ifd {
namespace {

Bytes dword(std::uint32_t value) {
    return {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
            static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 24)};
}

Bytes byte(std::uint8_t value) { return {value}; }

Result<Bytes> text(const std::string& value) {
    if (value.empty()) return make_error(AttributeError::not_available);
    Bytes out(value.begin(), value.end());
    out.push_back(0);
    return out;
}

// PC/SC part 3: 0 absent, 1 present (not swallowed), 2 present and swallowed (powered).
std::uint8_t icc_presence(const SlotFacts& slot) {
    if (!slot.present) return 0;
    return slot.powered ? 2 : 1;
}

}  // namespace

std::uint32_t channel_id(std::uint8_t bus, std::uint8_t address) noexcept {
    return (0x0020u << 16) | (static_cast<std::uint32_t>(bus) << 8) | address;
}

const char* describe(AttributeError error) {
    switch (error) {
        case AttributeError::ok_is_never_used:
            return "no error";
        case AttributeError::unknown_tag:
            return "unknown tag";
        case AttributeError::not_available:
            return "no value in the current state";
    }
    return "unknown attribute error";
}

Result<Bytes> attribute(std::uint32_t tag, const ReaderFacts& reader, const SlotFacts& slot) {
    switch (tag) {
        case kTagIfdAtr:
        case kAttrAtrString:
            if (!slot.powered || slot.atr.empty()) return make_error(AttributeError::not_available);
            return slot.atr;
        case kTagIfdSlotsNumber:
            return byte(reader.slots);
        case kTagIfdSimultaneousAccess:
            return byte(kSimultaneousReaders);
        case kTagIfdThreadSafe:
            return byte(1);  // different readers may be called from different threads
        case kTagIfdSlotThreadSafe:
            return byte(0);  // one reader's slots share one bulk pipe: pcscd serialises
        case kTagIfdPollingThreadKillable:
            return byte(0);  // stopped through TAG_IFD_STOP_POLLING_THREAD, never killed
        case kAttrVendorName:
            return text(reader.vendor_name);
        case kAttrVendorIfdType:
            return text(reader.product_name);
        case kAttrVendorIfdVersion:
            // 0xMMmmbbbb; bcdDevice 0xJJMN is major JJ, minor MN.
            return dword(static_cast<std::uint32_t>(reader.bcd_device) << 16);
        case kAttrVendorIfdSerialNo:
            return text(reader.serial);
        case kAttrChannelId:
            return dword(channel_id(reader.bus, reader.address));
        case kAttrProtocolTypes:
            return dword(reader.dwProtocols & 0x3);
        case kAttrDefaultClk:
            return dword(reader.dwDefaultClock);
        case kAttrMaxClk:
            return dword(reader.dwMaximumClock);
        case kAttrDefaultDataRate:
            return dword(reader.dwDataRate);
        case kAttrMaxDataRate:
            return dword(reader.dwMaxDataRate);
        case kAttrMaxIfsd:
            return dword(reader.dwMaxIFSD);
        case kAttrMaxInput:
            return dword(reader.max_apdu);
        case kAttrCurrentProtocolType:
            if (!slot.powered || !slot.protocol) return make_error(AttributeError::not_available);
            return dword(1u << *slot.protocol);  // SCARD_PROTOCOL_T0 = 1, T1 = 2
        case kAttrIccPresence:
            return byte(icc_presence(slot));
        case kAttrIccInterfaceStatus:
            return byte(slot.powered ? 1 : 0);
        default:
            return make_error(AttributeError::unknown_tag);
    }
}

}  // namespace tessera::ifd
