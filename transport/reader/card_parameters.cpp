#include "transport/reader/card_parameters.hpp"

#include "iso7816/atr.hpp"

namespace tessera::reader {

Result<CardParameters> read_card_parameters(ByteView raw_atr) {
    auto parsed = iso7816::parse_atr_from_wire(raw_atr);
    if (!parsed) return parsed.error();
    const iso7816::Atr& atr = *parsed;
    CardParameters card;
    card.atr = iso7816::serialize_atr(atr);
    card.inverse_convention = atr.convention == iso7816::Convention::inverse;
    card.ta1 = atr.usable_ta1();
    card.fmax_khz = atr.fmax_khz;
    if (atr.specific_mode) card.ta2 = atr.ta(2);
    card.offered_protocols = 0;
    for (const std::uint8_t t : atr.protocols) {
        if (t < 15) card.offered_protocols = static_cast<std::uint16_t>(card.offered_protocols | (1u << t));
    }
    if (card.offered_protocols == 0) card.offered_protocols = 0x0001;
    card.default_protocol = atr.default_protocol;
    card.n = atr.n;
    card.wi = atr.wi;
    card.ifsc = atr.ifsc;
    card.bwi = atr.bwi;
    card.cwi = atr.cwi;
    card.crc = atr.edc == iso7816::Edc::crc;
    if (atr.class_indicator) card.classes = atr.class_indicator->classes;
    card.warnings = atr.warnings;
    return card;
}

}  // namespace tessera::reader
