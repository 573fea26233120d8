// Built-in emulated readers: named ReaderConfigs for tests and tools, each a typical
// reader of its kind rather than a copy of a real one (real readers come from their
// dumps, config_from_dump.hpp). Every profile holds a dual_protocol_card() in each slot,
// but pinpad, which holds a T=1 card.
#pragma once

#include <optional>
#include <string_view>

#include "tests/emulator/model/reader_config.hpp"

namespace tessera::emulator {

enum class Profile {
    tpdu,           // TPDU level, T=0 and T=1, no automatic PPS or parameters: the host
                    // runs PPS and SetParameters; no clock / data-rate lists
    tpdu_auto_pps,  // TPDU level with automatic parameter negotiation (PPS at power-on,
                    // 0x40), parameters from the ATR (0x02), IFSD exchange (0x400), and
                    // clock / data-rate lists
    short_apdu,     // short APDU level, automatic everything
    extended_apdu,  // short and extended APDU level, dwMaxCCIDMessageLength 1014
    character,      // character level, no automatic features
    two_slot,       // the tpdu profile with two slots, bMaxCCIDBusySlots 1
    pinpad,         // short APDU level, automatic everything, a PIN pad (bPINSupport 03,
                    // 2 x 16 LCD; the user types "1234") and a T=1 card
};

const char* to_string(Profile profile) noexcept;
std::optional<Profile> profile_from_name(std::string_view name) noexcept;

ReaderConfig make_profile(Profile profile);

/// A card offering T=0 (first) and T=1 with TA1 = 13 (Fi 372, Di 4), direct convention.
sim::CardConfig dual_protocol_card();

/// A card that a reader with this descriptor can run: the protocols of dwProtocols (T=0
/// when it names neither), Fd/Dd, any voltage.
InsertedCard card_for(const transport::ClassDescriptor& descriptor);

}  // namespace tessera::emulator
