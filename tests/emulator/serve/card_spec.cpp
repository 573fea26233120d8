#include "card_spec.hpp"

#include <array>
#include <utility>

#include "iso7816/atr.hpp"
#include "number_text.hpp"
#include "tests/sim/atr_builder.hpp"

namespace tessera::emulator::serve {
namespace {

struct KindName {
    std::string_view name;
    CardKind kind;
    bool inverse;
};

constexpr std::array<KindName, 8> kKinds{{
    {"t0", CardKind::t0, false},
    {"t1", CardKind::t1, false},
    {"t0-t1", CardKind::t0_t1, false},
    {"t0-inverse", CardKind::t0, true},
    {"t1-inverse", CardKind::t1, true},
    {"t0-t1-inverse", CardKind::t0_t1, true},
    {"auto", CardKind::automatic, false},
    {"none", CardKind::none, false},
}};

// The next comma-separated field of `rest`, removed from it.
std::string_view next_field(std::string_view& rest) {
    const auto comma = rest.find(',');
    const std::string_view field = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    return field;
}

// The simulated card before the spec's options: protocols and convention only.
sim::CardConfig base_card(CardKind kind, bool inverse,
                          const transport::ClassDescriptor& descriptor) {
    sim::CardConfig card;
    card.atr.historical = {'T', 'E', 'S', 'S', 'E', 'R', 'A'};
    card.atr.convention = inverse ? iso7816::Convention::inverse : iso7816::Convention::direct;
    switch (kind) {
        case CardKind::t0:
            card.atr.protocols = {0};
            break;
        case CardKind::t1:
            card.atr.protocols = {1};
            break;
        case CardKind::t0_t1:
            card.atr.protocols = {0, 1};
            break;
        case CardKind::automatic:
        case CardKind::none:
            card.atr.protocols = {
                static_cast<std::uint8_t>(transport::decode_protocols(descriptor.dwProtocols).t1)};
            break;
    }
    return card;
}

sim::CardConfig card_config(const CardSpec& spec, const transport::ClassDescriptor& descriptor) {
    sim::CardConfig card = base_card(spec.kind, spec.inverse, descriptor);
    card.atr.ta1 = spec.ta1;
    if (spec.ifsc) {
        card.atr.ifsc = *spec.ifsc;
    }
    card.atr_bytes = spec.atr;
    return card;
}

}  // namespace

const char* card_spec_grammar() noexcept {
    return "KIND[,ta1=XX|none][,ifsc=N][,atr=HEX] with KIND one of t0, t1, t0-t1, "
           "t0-inverse, t1-inverse, t0-t1-inverse, auto, none (ta1 in hex, ifsc 1..254, atr "
           "the ATR sent instead of the built one)";
}

Parsed<CardSpec> parse_card_spec(std::string_view text) {
    CardSpec spec;
    spec.text = std::string(text);
    std::string_view rest = text;
    const std::string_view kind = next_field(rest);
    bool known = false;
    for (const auto& entry : kKinds) {
        if (entry.name == kind) {
            spec.kind = entry.kind;
            spec.inverse = entry.inverse;
            known = true;
        }
    }
    if (!known) {
        return fail("card spec '" + std::string(text) + "': unknown card kind '" +
                    std::string(kind) + "'; expected " + card_spec_grammar());
    }
    bool seen_ta1 = false;
    bool seen_ifsc = false;
    bool seen_atr = false;
    while (!rest.empty()) {
        const std::string_view option = next_field(rest);
        const auto equals = option.find('=');
        const std::string_view name = option.substr(0, equals);
        const std::string_view value =
            equals == std::string_view::npos ? std::string_view() : option.substr(equals + 1);
        const std::string where = "card spec '" + std::string(text) + "': ";
        if (equals == std::string_view::npos || value.empty()) {
            return fail(where + "option '" + std::string(option) +
                        "' needs a value (ta1=XX, ta1=none or ifsc=N)");
        }
        if (name == "ta1") {
            if (seen_ta1) {
                return fail(where + "ta1 given twice");
            }
            seen_ta1 = true;
            if (value == "none") {
                spec.ta1.reset();
            } else if (const auto ta1 = parse_hex(value, 0xFF)) {
                spec.ta1 = static_cast<std::uint8_t>(*ta1);
            } else {
                return fail(where + "ta1 '" + std::string(value) +
                            "' is not a byte in hex (e.g. ta1=13, ta1=96) or none");
            }
        } else if (name == "ifsc") {
            if (seen_ifsc) {
                return fail(where + "ifsc given twice");
            }
            seen_ifsc = true;
            const auto ifsc = parse_decimal(value, 254);
            if (!ifsc || *ifsc == 0) {
                return fail(where + "ifsc '" + std::string(value) +
                            "' is not a number from 1 to 254 (ISO 7816-3 11.4.2)");
            }
            spec.ifsc = static_cast<std::uint8_t>(*ifsc);
        } else if (name == "atr") {
            if (seen_atr) {
                return fail(where + "atr given twice");
            }
            seen_atr = true;
            const auto bytes = value.find_first_of(" :") == std::string_view::npos
                                   ? tessera::parse_hex(value)
                                   : std::nullopt;
            if (!bytes) {
                return fail(where + "atr '" + std::string(value) +
                            "' is not hex bytes without separators (e.g. atr=3B34000030423030)");
            }
            const auto parsed = iso7816::parse_atr(*bytes);
            if (!parsed) {
                return fail(where + "atr '" + std::string(value) +
                            "' is not a valid ATR: " + parsed.error().message());
            }
            spec.atr = *bytes;
        } else {
            return fail(where + "unknown option '" + std::string(name) +
                        "'; expected ta1=XX, ta1=none, ifsc=N or atr=HEX");
        }
    }
    if (text.ends_with(',')) {
        return fail("card spec '" + std::string(text) + "': ends with ','; expected " +
                    card_spec_grammar());
    }
    if (spec.atr) {
        const bool inverse_ts = spec.atr->front() == iso7816::kTsInverse;
        if (spec.kind == CardKind::none || inverse_ts != spec.inverse) {
            return fail("card spec '" + std::string(text) + "': the atr's TS " +
                        (inverse_ts ? "3F" : "3B") + " does not match the kind '" +
                        std::string(kind) + "'");
        }
    }
    if (spec.kind != CardKind::none) {
        // Protocols do not matter for the options' validity; T=1 makes ifsc count.
        const auto atr = sim::build_atr(card_config(spec, transport::ClassDescriptor{}).atr);
        if (!atr) {
            return fail("card spec '" + std::string(text) +
                        "' gives no valid ATR: " + atr.error().message());
        }
    }
    return spec;
}

std::optional<InsertedCard> make_card(const CardSpec& spec,
                                      const transport::ClassDescriptor& descriptor) {
    if (spec.kind == CardKind::none) {
        return std::nullopt;
    }
    InsertedCard inserted;
    inserted.card = card_config(spec, descriptor);
    return inserted;
}

}  // namespace tessera::emulator::serve
