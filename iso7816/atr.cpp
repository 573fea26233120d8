#include "iso7816/atr.hpp"

#include <algorithm>

#include "iso7816/tables.hpp"

namespace tessera::iso7816 {

namespace {

// Presence indicator Y (b8-b5 of T0 and of each TDi, ISO 7816-3 8.2.2 / 8.2.3).
constexpr std::uint8_t kYTa = 0x10;
constexpr std::uint8_t kYTb = 0x20;
constexpr std::uint8_t kYTc = 0x40;
constexpr std::uint8_t kYTd = 0x80;

std::uint8_t protocol_of(std::uint8_t td) {
    return td & 0x0F;
}

std::size_t present_count(std::uint8_t y) {
    return static_cast<std::size_t>(((y & kYTa) != 0) + ((y & kYTb) != 0) + ((y & kYTc) != 0) +
                                    ((y & kYTd) != 0));
}

// Reads the bytes of one ATR in order; the position never passes the input's end.
class Reader {
  public:
    explicit Reader(ByteView bytes) : bytes_(bytes) {}

    std::size_t position() const { return position_; }
    bool available() const { return position_ < bytes_.size(); }
    std::uint8_t next() { return bytes_[position_++]; }
    bool exhausted() const { return position_ >= bytes_.size(); }
    ByteView consumed() const { return bytes_.first(position_); }

  private:
    ByteView bytes_;
    std::size_t position_ = 0;
};

std::optional<std::uint8_t>& slot(InterfaceLevel& level, std::uint8_t y_bit) {
    switch (y_bit) {
        case kYTa:
            return level.ta;
        case kYTb:
            return level.tb;
        case kYTc:
            return level.tc;
        default:
            return level.td;
    }
}

// The parameters to use, from the interface bytes (ISO 7816-3 8.3, 10.2, 11.4): what a
// byte announces, its default when absent, and its default with a warning when the
// value announced can not be used. Warnings come in byte order.
void derive_parameters(Atr& atr) {
    const auto& levels = atr.levels;
    auto& warnings = atr.warnings;
    warnings.clear();

    if (const auto ta1 = atr.ta(1)) {  // 8.3: FI b8-b5, DI b4-b1
        const auto fi_index = static_cast<std::uint8_t>(*ta1 >> 4);
        const auto di_index = static_cast<std::uint8_t>(*ta1 & 0x0F);
        const auto fi = fi_from_index(fi_index);
        const auto di = di_from_index(di_index);
        if (!fi) warnings.push_back(AtrWarning::reserved_fi);  // Table 7
        if (!di) warnings.push_back(AtrWarning::reserved_di);  // Table 8
        if (fi && di) {
            atr.fi_index = fi_index;
            atr.di_index = di_index;
            atr.fi = *fi;
            atr.di = *di;
        }
        // The clock limit of a defined FI holds even when TA1 is not used for rates.
        atr.fmax_khz = fmax_khz_from_index(fi_index).value_or(atr.fmax_khz);
    }

    atr.protocols.clear();
    for (const auto& level : levels) {
        if (level.td && protocol_of(*level.td) != kProtocolT15) {
            atr.protocols.push_back(protocol_of(*level.td));
        }
    }
    // 8.2.3: TD1 must not indicate T=15, since TA2, TB2 and TC2 have meanings of their
    // own. A card that does so announces global bytes: TA2 and TB2 are read as the first
    // TA and TB for T=15 (class indicator, SPU), not as the specific mode byte.
    const bool td1_t15 = atr.td(1) && protocol_of(*atr.td(1)) == kProtocolT15;
    if (td1_t15) {
        warnings.push_back(AtrWarning::td1_t15);
    }
    if (atr.protocols.empty()) {
        atr.protocols.push_back(0);  // 8.2.3: T=0 when TD1 is absent (or offers nothing)
    }
    atr.default_protocol = atr.protocols.front();
    std::sort(atr.protocols.begin(), atr.protocols.end());
    atr.protocols.erase(std::unique(atr.protocols.begin(), atr.protocols.end()),
                        atr.protocols.end());

    atr.n = atr.tc(1).value_or(kDefaultN);  // 8.3: extra guard time
    if (const auto ta2 = atr.ta(2); ta2 && !td1_t15) {  // 8.3: specific mode byte
        const SpecificMode mode = SpecificMode::from_ta2(*ta2);
        if (mode.protocol == kProtocolT15) {
            warnings.push_back(AtrWarning::specific_mode_t15);
        } else {
            if (!atr.offers(mode.protocol)) {
                warnings.push_back(AtrWarning::specific_protocol_not_offered);
            }
            atr.specific_mode = mode;
        }
    }
    atr.wi = atr.tc(2).value_or(kDefaultWi);  // 10.2: TC2 is specific to T=0
    if (atr.wi == 0) {
        warnings.push_back(AtrWarning::reserved_wi);
        atr.wi = kDefaultWi;
    }

    // 8.2.3: from level 3 on (level 2 after a T=15 TD1), TAi TBi TCi are specific to the
    // T of TDi-1, or global for T=15. Only the first byte of each kind counts (11.4, 8.3).
    bool t1_ta = false, t1_tb = false, t1_tc = false, t15_ta = false, t15_tb = false;
    for (std::size_t i = td1_t15 ? 1 : 2; i < levels.size(); ++i) {
        const std::uint8_t t = protocol_of(levels[i - 1].td.value_or(0));
        const InterfaceLevel& level = levels[i];
        if (t == 1) {
            if (level.ta && !t1_ta) {
                t1_ta = true;
                atr.ifsc = *level.ta;
                if (atr.ifsc == 0x00 || atr.ifsc == 0xFF) {  // 11.4.2
                    warnings.push_back(AtrWarning::invalid_ifsc);
                    atr.ifsc = kDefaultIfsc;
                }
            }
            if (level.tb && !t1_tb) {
                t1_tb = true;
                atr.bwi = static_cast<std::uint8_t>(*level.tb >> 4);
                atr.cwi = static_cast<std::uint8_t>(*level.tb & 0x0F);
                if (atr.bwi > 9) {  // 11.4.3
                    warnings.push_back(AtrWarning::reserved_bwi);
                    atr.bwi = kDefaultBwi;
                }
            }
            if (level.tc && !t1_tc) {
                t1_tc = true;
                atr.edc = (*level.tc & 0x01) != 0 ? Edc::crc : Edc::lrc;
                if ((*level.tc & 0xFE) != 0) {  // 11.4.4
                    warnings.push_back(AtrWarning::reserved_edc_bits);
                }
            }
        } else if (t == kProtocolT15) {
            if (level.ta && !t15_ta) {
                t15_ta = true;
                const ClassIndicator indicator{
                    .classes = static_cast<std::uint8_t>(*level.ta & 0x3F),
                    .clock_stop = static_cast<ClockStop>(*level.ta >> 6),
                };
                if (indicator.class_a() || indicator.class_b() || indicator.class_c()) {
                    atr.class_indicator = indicator;
                } else {
                    warnings.push_back(AtrWarning::no_class_indicated);
                }
            }
            if (level.tb && !t15_tb) {
                t15_tb = true;
                atr.spu = *level.tb;
            }
        }
    }
}

// 8.2.5 asks for TCK as soon as a TDi indicates a T other than 0. Its absence is a
// structural error when a T other than 0 and 15 is offered (T=1 and the rest; libccid
// refuses those too); when the only other T is 15 (global bytes, as UICCs send them)
// the card offers T=0 alone, whose ATR carries no TCK otherwise: nothing is lost.
bool tck_absence_tolerated(std::span<const InterfaceLevel> levels) {
    return std::none_of(levels.begin(), levels.end(), [](const InterfaceLevel& level) {
        return level.td && protocol_of(*level.td) != 0 && protocol_of(*level.td) != kProtocolT15;
    });
}

// Reads the interface bytes after T0: every level announced by T0 and the TDi.
std::error_code read_interface_bytes(Reader& reader, Atr& atr) {
    std::uint8_t y = atr.t0 & 0xF0;
    while (y != 0) {
        if (reader.position() + present_count(y) > kMaxAtrSize) {
            return AtrError::too_long;
        }
        InterfaceLevel& level = atr.levels.emplace_back();
        for (const std::uint8_t bit : {kYTa, kYTb, kYTc, kYTd}) {
            if ((y & bit) == 0) {
                continue;
            }
            if (!reader.available()) {
                return AtrError::truncated_interface_bytes;
            }
            slot(level, bit) = reader.next();
        }
        y = level.td ? static_cast<std::uint8_t>(*level.td & 0xF0) : 0;
    }
    return {};
}

AtrInspection inspect_logical(ByteView bytes) {
    AtrInspection result;
    Atr& atr = result.atr;
    Reader reader(bytes);
    const auto fail = [&result](AtrError error) {
        result.error = error;
        return result;
    };

    if (!reader.available()) {
        return fail(AtrError::empty);
    }
    atr.ts = reader.next();  // 8.1
    result.progress = AtrProgress::ts;
    const auto convention = convention_from_ts(atr.ts);
    if (!convention) {
        return fail(AtrError::invalid_ts);
    }
    atr.convention = *convention;

    if (!reader.available()) {
        return fail(AtrError::missing_t0);
    }
    atr.t0 = reader.next();  // 8.2.2: Y1 b8-b5, K b4-b1
    result.progress = AtrProgress::t0;

    if (const auto error = read_interface_bytes(reader, atr)) {
        result.error = error;
        return result;
    }
    derive_parameters(atr);
    result.progress = AtrProgress::interface_bytes;

    const std::size_t k = atr.t0 & 0x0F;
    const bool with_tck = tck_required(atr.levels);  // 8.2.5
    if (reader.position() + k + (with_tck ? 1 : 0) > kMaxAtrSize) {
        return fail(AtrError::too_long);
    }
    for (std::size_t i = 0; i < k; ++i) {  // 8.2.4
        if (!reader.available()) {
            return fail(AtrError::truncated_historical_bytes);
        }
        atr.historical.push_back(reader.next());
    }
    result.progress = AtrProgress::historical_bytes;

    if (with_tck) {
        if (reader.available()) {
            atr.tck = reader.next();
            result.tck_ok = compute_tck(reader.consumed().subspan(1)) == 0;
        } else if (tck_absence_tolerated(atr.levels)) {
            atr.warnings.push_back(AtrWarning::tck_absent);
        } else {
            return fail(AtrError::missing_tck);
        }
    }
    result.progress = AtrProgress::complete;

    if (!reader.exhausted()) {
        return fail(AtrError::trailing_bytes);
    }
    if (result.tck_ok == false) {
        return fail(AtrError::tck_mismatch);
    }
    return result;
}

}  // namespace

std::optional<std::uint8_t> Atr::ta(std::size_t i) const {
    return i >= 1 && i <= levels.size() ? levels[i - 1].ta : std::nullopt;
}
std::optional<std::uint8_t> Atr::tb(std::size_t i) const {
    return i >= 1 && i <= levels.size() ? levels[i - 1].tb : std::nullopt;
}
std::optional<std::uint8_t> Atr::tc(std::size_t i) const {
    return i >= 1 && i <= levels.size() ? levels[i - 1].tc : std::nullopt;
}
std::optional<std::uint8_t> Atr::td(std::size_t i) const {
    return i >= 1 && i <= levels.size() ? levels[i - 1].td : std::nullopt;
}

std::optional<std::uint8_t> Atr::usable_ta1() const {
    const auto ta1 = ta(1);
    if (ta1 && fi_from_index(static_cast<std::uint8_t>(*ta1 >> 4)) &&
        di_from_index(static_cast<std::uint8_t>(*ta1 & 0x0F))) {
        return ta1;
    }
    return std::nullopt;
}

bool Atr::has(AtrWarning warning) const {
    return std::find(warnings.begin(), warnings.end(), warning) != warnings.end();
}

bool Atr::offers(std::uint8_t protocol) const {
    return std::find(protocols.begin(), protocols.end(), protocol) != protocols.end();
}

std::size_t Atr::size() const {
    std::size_t size = 2 + historical.size() + (tck ? 1 : 0);
    for (const auto& level : levels) {
        size += static_cast<std::size_t>(level.ta.has_value() + level.tb.has_value() +
                                         level.tc.has_value() + level.td.has_value());
    }
    return size;
}

bool tck_required(std::span<const InterfaceLevel> levels) {
    return std::any_of(levels.begin(), levels.end(), [](const InterfaceLevel& level) {
        return level.td && protocol_of(*level.td) != 0;
    });
}

std::uint8_t compute_tck(ByteView t0_to_historical) {
    std::uint8_t tck = 0;
    for (const std::uint8_t byte : t0_to_historical) {
        tck ^= byte;
    }
    return tck;
}

Bytes serialize_atr(const Atr& atr) {
    Bytes out{atr.ts, atr.t0};
    for (const auto& level : atr.levels) {
        for (const auto& byte : {level.ta, level.tb, level.tc, level.td}) {
            if (byte) {
                out.push_back(*byte);
            }
        }
    }
    out.insert(out.end(), atr.historical.begin(), atr.historical.end());
    if (atr.tck) {
        out.push_back(*atr.tck);
    }
    return out;
}

AtrInspection inspect_atr(ByteView atr) {
    return inspect_logical(atr);
}

AtrInspection inspect_atr_from_wire(ByteView raw) {
    if (!raw.empty() && raw.front() == kTsInverseOnWire) {  // 8.1: inverse TS read as 03
        const Bytes decoded = convert_for_convention(raw, Convention::inverse);
        return inspect_logical(decoded);
    }
    return inspect_logical(raw);
}

Result<Atr> parse_atr(ByteView atr) {
    AtrInspection inspection = inspect_atr(atr);
    if (inspection.error) {
        return inspection.error;
    }
    return std::move(inspection.atr);
}

Result<Atr> parse_atr_from_wire(ByteView raw) {
    AtrInspection inspection = inspect_atr_from_wire(raw);
    if (inspection.error) {
        return inspection.error;
    }
    return std::move(inspection.atr);
}

}  // namespace tessera::iso7816
