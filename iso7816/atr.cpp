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

// The parameters announced by the interface bytes (ISO 7816-3 8.3, 10.2, 11.4).
void derive_parameters(Atr& atr) {
    const auto& levels = atr.levels;
    atr.protocols.clear();
    for (const auto& level : levels) {
        if (level.td && protocol_of(*level.td) != kProtocolT15) {
            atr.protocols.push_back(protocol_of(*level.td));
        }
    }
    if (atr.protocols.empty()) {
        atr.protocols.push_back(0);  // 8.2.3: T=0 when TD1 is absent
    }
    atr.default_protocol = atr.protocols.front();
    std::sort(atr.protocols.begin(), atr.protocols.end());
    atr.protocols.erase(std::unique(atr.protocols.begin(), atr.protocols.end()),
                        atr.protocols.end());

    if (const auto ta1 = atr.ta(1)) {  // 8.3: FI b8-b5, DI b4-b1
        atr.fi_index = static_cast<std::uint8_t>(*ta1 >> 4);
        atr.di_index = static_cast<std::uint8_t>(*ta1 & 0x0F);
        atr.fi = fi_from_index(atr.fi_index).value_or(0);
        atr.fmax_khz = fmax_khz_from_index(atr.fi_index).value_or(0);
        atr.di = di_from_index(atr.di_index).value_or(0);
    }
    atr.n = atr.tc(1).value_or(kDefaultN);    // 8.3: extra guard time
    atr.wi = atr.tc(2).value_or(kDefaultWi);  // 10.2: TC2 is specific to T=0
    if (const auto ta2 = atr.ta(2)) {         // 8.3: specific mode byte
        atr.specific_mode = SpecificMode{
            .protocol = protocol_of(*ta2),
            .can_change = (*ta2 & 0x80) == 0,
            .implicit_parameters = (*ta2 & 0x10) != 0,
        };
    }

    // 8.2.3: from level 3 on, TAi TBi TCi are specific to the T of TDi-1, or global
    // for T=15. Only the first byte of each kind counts (11.4, 8.3).
    bool t1_ta = false, t1_tb = false, t1_tc = false, t15_ta = false, t15_tb = false;
    for (std::size_t i = 2; i < levels.size(); ++i) {
        const std::uint8_t t = protocol_of(levels[i - 1].td.value_or(0));
        const InterfaceLevel& level = levels[i];
        if (t == 1) {
            if (level.ta && !t1_ta) {
                t1_ta = true;
                atr.ifsc = *level.ta;
            }
            if (level.tb && !t1_tb) {
                t1_tb = true;
                atr.bwi = static_cast<std::uint8_t>(*level.tb >> 4);
                atr.cwi = static_cast<std::uint8_t>(*level.tb & 0x0F);
            }
            if (level.tc && !t1_tc) {
                t1_tc = true;
                atr.edc = (*level.tc & 0x01) != 0 ? Edc::crc : Edc::lrc;
            }
        } else if (t == kProtocolT15) {
            if (level.ta && !t15_ta) {
                t15_ta = true;
                atr.class_indicator = ClassIndicator{
                    .classes = static_cast<std::uint8_t>(*level.ta & 0x3F),
                    .clock_stop = static_cast<ClockStop>(*level.ta >> 6),
                };
            }
            if (level.tb && !t15_tb) {
                t15_tb = true;
                atr.spu = *level.tb;
            }
        }
    }
}

// Invalid or reserved parameter values, checked in byte order.
std::error_code validate_parameters(const Atr& atr) {
    if (atr.ta(1)) {
        if (!fi_from_index(atr.fi_index)) {
            return AtrError::reserved_fi;
        }
        if (!di_from_index(atr.di_index)) {
            return AtrError::reserved_di;
        }
    }
    if (const auto td1 = atr.td(1); td1 && protocol_of(*td1) == kProtocolT15) {
        return AtrError::td1_t15;  // 8.2.3
    }
    if (atr.wi == 0) {
        return AtrError::reserved_wi;  // 10.2
    }
    if (atr.ifsc == 0x00 || atr.ifsc == 0xFF) {
        return AtrError::invalid_ifsc;  // 11.4.2
    }
    if (atr.bwi > 9) {
        return AtrError::reserved_bwi;  // 11.4.3
    }
    return {};
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
        if (!reader.available()) {
            return fail(AtrError::missing_tck);
        }
        atr.tck = reader.next();
        result.tck_ok = compute_tck(reader.consumed().subspan(1)) == 0;
    }
    result.progress = AtrProgress::complete;

    if (!reader.exhausted()) {
        return fail(AtrError::trailing_bytes);
    }
    if (result.tck_ok == false) {
        return fail(AtrError::tck_mismatch);
    }
    result.error = validate_parameters(atr);
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
