// EmulatorSetup: what a tessera-emulator process serves: its readers, each with the
// ReaderConfig its CcidDevice runs and the card spec of each slot (the card `insert`
// puts there). Built from the command line (command_line.hpp); read by serve().
// Plain data.
#pragma once

#include <cstddef>
#include <vector>

#include "card_spec.hpp"
#include "tests/emulator/model/reader_config.hpp"

namespace tessera::emulator::serve {

struct ReaderSetup {
    /// The reader as plugged; config.cards holds the cards in the slots at start.
    ReaderConfig config;
    /// The card spec of each slot, slot 0 first. A slot without an entry, or with
    /// `none`, gets an `auto` card from `insert`.
    std::vector<CardSpec> cards;

    /// The spec `insert` uses for `slot`.
    CardSpec card_for_slot(std::size_t slot) const {
        if (slot < cards.size() && !cards[slot].empty_slot()) {
            return cards[slot];
        }
        CardSpec automatic;
        automatic.text = "auto";
        return automatic;
    }
};

struct EmulatorSetup {
    std::vector<ReaderSetup> readers;  // reader R is readers[R]; plugged in this order
};

}  // namespace tessera::emulator::serve
