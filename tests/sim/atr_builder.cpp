#include "tests/sim/atr_builder.hpp"

#include <algorithm>
#include <system_error>

#include "tests/sim/wire/character.hpp"

namespace tessera::sim {

namespace {

using iso7816::InterfaceLevel;

bool offers(const AtrConfig& config, std::uint8_t protocol) {
    return std::find(config.protocols.begin(), config.protocols.end(), protocol) !=
           config.protocols.end();
}

// Presence indicator Y of a level (ISO 7816-3 8.2.2 / 8.2.3).
std::uint8_t presence(const InterfaceLevel& level) {
    return static_cast<std::uint8_t>((level.ta ? 0x10 : 0) | (level.tb ? 0x20 : 0) |
                                     (level.tc ? 0x40 : 0) | (level.td ? 0x80 : 0));
}

bool empty(const InterfaceLevel& level) {
    return presence(level) == 0;
}

bool t1_bytes_wanted(const AtrConfig& config) {
    return offers(config, 1) &&
           (config.explicit_defaults || config.ifsc != iso7816::kDefaultIfsc ||
            config.bwi != iso7816::kDefaultBwi || config.cwi != iso7816::kDefaultCwi ||
            config.edc != iso7816::Edc::lrc);
}

std::uint8_t specific_mode_byte(const iso7816::SpecificMode& mode) {  // 8.3: TA2
    return static_cast<std::uint8_t>((mode.can_change ? 0x00 : 0x80) |
                                     (mode.implicit_parameters ? 0x10 : 0x00) |
                                     (mode.protocol & 0x0F));
}

std::uint8_t class_indicator_byte(const iso7816::ClassIndicator& indicator) {  // 8.3
    return static_cast<std::uint8_t>((static_cast<unsigned>(indicator.clock_stop) << 6) |
                                     (indicator.classes & 0x3F));
}

// The T of each TDi, in order, and the levels (0-based) that carry the T=1 and T=15
// bytes. T=1's specific bytes need a TD indicating T=1 at i >= 2 (8.2.3).
struct Layout {
    std::vector<std::uint8_t> td_protocols;
    std::size_t t1_level = 0;
    std::size_t t15_level = 0;
};

Layout layout_of(const AtrConfig& config) {
    Layout layout{.td_protocols = config.protocols};
    auto& tds = layout.td_protocols;
    if (t1_bytes_wanted(config)) {
        auto first_t1 =
            static_cast<std::size_t>(std::find(tds.begin(), tds.end(), 1) - tds.begin());
        if (first_t1 == 0) {
            tds.insert(tds.begin() + 1, 1);
            first_t1 = 1;
        }
        layout.t1_level = first_t1 + 1;
    }
    if (config.class_indicator || config.spu) {
        tds.push_back(iso7816::kProtocolT15);
        layout.t15_level = tds.size();
    }
    return layout;
}

std::vector<InterfaceLevel> interface_levels(const AtrConfig& config) {
    const Layout layout = layout_of(config);
    std::vector<InterfaceLevel> levels(layout.td_protocols.size() + 1);

    levels[0].ta = config.ta1;
    levels[0].tb = config.tb1;
    if (config.n != iso7816::kDefaultN || config.explicit_defaults) {
        levels[0].tc = config.n;
    }
    if (config.specific_mode) {
        levels[1].ta = specific_mode_byte(*config.specific_mode);
    }
    if (config.wi != iso7816::kDefaultWi || (config.explicit_defaults && offers(config, 0))) {
        levels[1].tc = config.wi;
    }
    if (layout.t1_level != 0) {
        InterfaceLevel& t1 = levels[layout.t1_level];  // 11.4.2, 11.4.3, 11.4.4
        const bool all = config.explicit_defaults;
        if (all || config.ifsc != iso7816::kDefaultIfsc) {
            t1.ta = config.ifsc;
        }
        if (all || config.bwi != iso7816::kDefaultBwi || config.cwi != iso7816::kDefaultCwi) {
            t1.tb = static_cast<std::uint8_t>((config.bwi << 4) | (config.cwi & 0x0F));
        }
        if (all || config.edc != iso7816::Edc::lrc) {
            t1.tc = static_cast<std::uint8_t>(config.edc == iso7816::Edc::crc ? 0x01 : 0x00);
        }
    }
    if (layout.t15_level != 0) {
        InterfaceLevel& t15 = levels[layout.t15_level];
        if (config.class_indicator) {
            t15.ta = class_indicator_byte(*config.class_indicator);
        }
        t15.tb = config.spu;
    }

    // TD1 may be left out when it would only say "T=0" (8.2.3).
    const bool only_t0 = layout.td_protocols == std::vector<std::uint8_t>{0};
    if (only_t0 && empty(levels[1])) {
        levels.resize(1);
        return levels;
    }
    for (std::size_t i = levels.size() - 1; i-- > 0;) {
        levels[i].td = static_cast<std::uint8_t>(presence(levels[i + 1]) | layout.td_protocols[i]);
    }
    if (empty(levels.back())) {
        levels.pop_back();
    }
    return levels;
}

// ISO 7816-3 8.2.5: TCK is sent when some TDi indicates a protocol other than T=0.
bool tck_wanted(const std::vector<InterfaceLevel>& levels) {
    return std::any_of(levels.begin(), levels.end(),
                       [](const InterfaceLevel& level) { return level.td && (*level.td & 0x0F) != 0; });
}

// ISO 7816-3 8.2: TS, T0, each level's TA TB TC TD as present, the historical bytes, and
// TCK such that the XOR of T0 to TCK is 00. The simulated card writes its ATR itself.
Bytes atr_bytes(const iso7816::Atr& atr) {
    Bytes out{atr.ts, atr.t0};
    for (const InterfaceLevel& level : atr.levels) {
        for (const auto& byte : {level.ta, level.tb, level.tc, level.td}) {
            if (byte) {
                out.push_back(*byte);
            }
        }
    }
    out.insert(out.end(), atr.historical.begin(), atr.historical.end());
    if (tck_wanted(atr.levels)) {
        std::uint8_t tck = 0;
        for (std::size_t i = 1; i < out.size(); ++i) {
            tck ^= out[i];
        }
        out.push_back(tck);
    }
    return out;
}

}  // namespace

Result<Bytes> build_atr(const AtrConfig& config) {
    const bool bad_protocol =
        std::any_of(config.protocols.begin(), config.protocols.end(),
                    [](std::uint8_t t) { return t >= iso7816::kProtocolT15; });
    if (config.protocols.empty() || bad_protocol ||
        config.historical.size() > iso7816::kMaxHistoricalBytes) {
        return std::make_error_code(std::errc::invalid_argument);
    }
    iso7816::Atr atr;
    atr.convention = config.convention;
    atr.ts =
        config.convention == iso7816::Convention::direct ? iso7816::kTsDirect : iso7816::kTsInverse;
    atr.levels = interface_levels(config);
    if (atr.levels.size() == 1 && empty(atr.levels[0])) {
        atr.levels.clear();
    }
    const std::uint8_t y1 = atr.levels.empty() ? 0 : presence(atr.levels[0]);
    atr.t0 = static_cast<std::uint8_t>(y1 | config.historical.size());  // 8.2.2
    atr.historical = config.historical;
    Bytes bytes = atr_bytes(atr);
    if (bytes.size() > iso7816::kMaxAtrSize) {
        return iso7816::AtrError::too_long;
    }
    return bytes;
}

Result<Bytes> build_atr_wire(const AtrConfig& config) {
    auto logical = build_atr(config);
    if (!logical) {
        return logical.error();
    }
    return wire::line_bytes(*logical, config.convention);
}

}  // namespace tessera::sim
