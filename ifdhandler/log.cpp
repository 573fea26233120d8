#include "ifdhandler/log.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace tessera::ifd {
namespace {

LogPriority priority_of(LogCategory category) {
    switch (category) {
        case LogCategory::critical:
            return LogPriority::critical;
        case LogCategory::info:
            return LogPriority::info;
        case LogCategory::communication:
        case LogCategory::periodic:
            return LogPriority::debug;
    }
    return LogPriority::debug;
}

// Where the data field of a command APDU starts and how long it is (ISO 7816-4 5.1):
// short Lc at 4, extended Lc 00 XX XX at 4..6. {0, 0} when there is no data field.
std::pair<std::size_t, std::size_t> data_field(ByteView apdu) {
    if (apdu.size() <= 5) return {0, 0};
    if (apdu[4] != 0) {
        const std::size_t lc = apdu[4];
        return {5, std::min(lc, apdu.size() - 5)};
    }
    if (apdu.size() >= 7) {
        const std::size_t lc = (static_cast<std::size_t>(apdu[5]) << 8) | apdu[6];
        return {7, std::min(lc, apdu.size() - 7)};
    }
    return {0, 0};
}

}  // namespace

bool carries_pin(std::uint8_t cla, std::uint8_t ins) noexcept {
    if (cla == 0xFF) return false;  // PC/SC part 3 pseudo-APDUs to the reader
    switch (ins) {
        case 0x20: case 0x21:  // VERIFY
        case 0x24: case 0x25:  // CHANGE REFERENCE DATA
        case 0x26:             // DISABLE VERIFICATION REQUIREMENT
        case 0x28:             // ENABLE VERIFICATION REQUIREMENT
        case 0x2C: case 0x2D:  // RESET RETRY COUNTER
            return true;
        default:
            return false;
    }
}

std::string masked_command_apdu(ByteView apdu) {
    std::string out = to_hex(apdu, true);
    if (apdu.size() < 4 || !carries_pin(apdu[0], apdu[1])) return out;
    const auto [start, length] = data_field(apdu);
    for (std::size_t i = start; i < start + length; ++i) {
        out[3 * i] = '*';  // "XX " per byte in the spaced form
        out[3 * i + 1] = '*';
    }
    return out;
}

void Log::write(LogCategory category, std::string_view message) const {
    if (enabled(category)) sink_(priority_of(category), message);
}

void Log::command_apdu(std::string_view label, ByteView apdu) const {
    if (!enabled(LogCategory::communication)) return;
    std::string line(label);
    line += ' ';
    line += masked_command_apdu(apdu);
    sink_(LogPriority::debug, line);
}

void Log::response_apdu(std::string_view label, ByteView apdu) const {
    if (!enabled(LogCategory::communication)) return;
    std::string line(label);
    line += ' ';
    line += to_hex(apdu, true);
    sink_(LogPriority::debug, line);
}

}  // namespace tessera::ifd
