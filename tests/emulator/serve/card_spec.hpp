// Card specs: the short text that names a simulated card on the emulator's command line
// (--card SPEC) and in its `insert` command, and the card it stands for.
//
// Grammar:  KIND[,ta1=XX|ta1=none][,ifsc=N][,atr=HEX]
//   KIND  t0, t1, t0-t1 (both offered, T=0 first), each optionally with "-inverse"
//         (inverse convention, TS 3F); auto (T=1 if the reader's dwProtocols has it,
//         else T=0); none (the slot starts empty).
//   ta1   the ATR's TA1 (FI/DI, hex); default 13 (Fi 372, Di 4), as the built-in
//         profiles' card; none leaves TA1 out (Fd 372, Dd 1).
//   ifsc  T=1 IFSC announced in the ATR, 1..254 (default 32, ISO 7816-3 11.4.2).
//   atr   the ATR the card sends instead of the one built from the above: logical
//         bytes in hex without separators (TS 3B, or 3F with -inverse), a structurally
//         valid ATR (iso7816::parse_atr; reserved values are fine). A card from the
//         field: KIND, ta1 and ifsc still say how it runs (sim::CardConfig::atr_bytes).
// Every card has the historical bytes "TESSERA" and the application of
// tests/sim/application.hpp (SELECT A0 00 00 05 27 54 45 53, EF 0101 with byte[i] = i).
//
// Pure code; no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "parsed.hpp"
#include "tests/emulator/model/reader_config.hpp"
#include "transport/class_descriptor.hpp"

namespace tessera::emulator::serve {

enum class CardKind { automatic, t0, t1, t0_t1, none };

struct CardSpec {
    CardKind kind = CardKind::automatic;
    bool inverse = false;
    std::optional<std::uint8_t> ta1 = 0x13;
    std::optional<std::uint8_t> ifsc;  // unset: the ATR default
    std::optional<Bytes> atr;          // sent instead of the built ATR
    std::string text;                  // as typed, for messages and `stats`

    bool empty_slot() const noexcept { return kind == CardKind::none; }
};

/// Parses a SPEC; the error names the bad part and lists what is accepted. A spec whose
/// ATR would be invalid (sim::build_atr refuses it) is refused here too.
Parsed<CardSpec> parse_card_spec(std::string_view text);

/// The card `spec` stands for in a reader with this class descriptor (for `auto`);
/// nullopt for `none`.
std::optional<InsertedCard> make_card(const CardSpec& spec,
                                      const transport::ClassDescriptor& descriptor);

/// The grammar above in one line, for --help and error messages.
const char* card_spec_grammar() noexcept;

}  // namespace tessera::emulator::serve
