// Built-in emulated readers: named ReaderConfigs for tests and tools, each a typical
// reader of its kind rather than a copy of a real one (real readers come from their
// dumps, config_from_dump.hpp), except the two short_apdu_26x readers, whose descriptors
// are real readers'. Every profile holds a dual_protocol_card() in each slot, but pinpad
// and short_apdu_264, which hold a T=1 card.
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
    // Two real readers (class descriptors from their dumps in tests/data/readers) that
    // declare a dwMaxCCIDMessageLength below the 268 bytes of a 256-byte short APDU's
    // answer and return the whole answer anyway (answers_beyond_max_message_length):
    short_apdu_263,  // Identiv uTrust 3720 (Identiv_uTrust_3720_Contactless_Reader.txt):
                     // short APDU level, T=0 and T=1, 263-byte messages, dwMaxIFSD 253
    short_apdu_264,  // IIT E.Key Almaz-1C (IIT_E.Key_Almaz-1C.txt): short APDU level, T=1
                     // only, 3 V, 264-byte messages, no interrupt pipe, and a T=1 card
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
