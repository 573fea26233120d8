// libFuzzer target for the ATR parser (iso7816/atr.hpp): any input, logical or as read
// from the wire, must parse without crash and with self-consistent results.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "iso7816/atr.hpp"
#include "iso7816/tables.hpp"

namespace {

using namespace tessera::iso7816;
using tessera::Bytes;
using tessera::ByteView;

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

std::uint8_t presence(const InterfaceLevel& level) {
    return static_cast<std::uint8_t>((level.ta ? 0x10 : 0) | (level.tb ? 0x20 : 0) |
                                     (level.tc ? 0x40 : 0) | (level.td ? 0x80 : 0));
}

void check_valid(const Atr& atr, ByteView logical) {
    require(logical.size() <= kMaxAtrSize);
    require(atr.size() == logical.size());
    const Bytes serialised = serialize_atr(atr);
    require(std::equal(serialised.begin(), serialised.end(), logical.begin(), logical.end()));
    // The presence indicators and K agree with the decoded structure (8.2.2, 8.2.3).
    require((atr.t0 & 0xF0) == (atr.levels.empty() ? 0 : presence(atr.levels.front())));
    for (std::size_t i = 0; i < atr.levels.size(); ++i) {
        const std::uint8_t next = i + 1 < atr.levels.size() ? presence(atr.levels[i + 1]) : 0;
        require(i + 1 == atr.levels.size() || atr.levels[i].td.has_value());
        require(!atr.levels[i].td || (*atr.levels[i].td & 0xF0) == next);
        require(presence(atr.levels[i]) != 0);
    }
    require(atr.historical.size() == (atr.t0 & 0x0Fu));
    // TCK as 8.2.5 asks, or absent with its warning (only T=0 offered besides T=15).
    require(atr.tck.has_value() == tck_required(atr.levels) || atr.has(AtrWarning::tck_absent));
    require(!atr.has(AtrWarning::tck_absent) ||
            (!atr.tck && tck_required(atr.levels) && atr.protocols == std::vector<std::uint8_t>{0}));
    require(!atr.protocols.empty());
    require(std::is_sorted(atr.protocols.begin(), atr.protocols.end()));
    require(std::adjacent_find(atr.protocols.begin(), atr.protocols.end()) == atr.protocols.end());
    require(!atr.offers(kProtocolT15));
    require(atr.offers(atr.default_protocol));
    // The parameters are usable whatever the card sent: defaults stand in (atr_error.hpp).
    require(atr.fi != 0 && atr.di != 0 && atr.fmax_khz != 0);
    require(atr.wi != 0 && atr.ifsc != 0 && atr.ifsc != 0xFF && atr.bwi <= 9);
    require(fi_from_index(atr.fi_index) == atr.fi && di_from_index(atr.di_index) == atr.di);
    require(atr.usable_ta1().has_value() ==
            (atr.ta(1) && !atr.has(AtrWarning::reserved_fi) && !atr.has(AtrWarning::reserved_di)));
    require(!atr.specific_mode || atr.specific_mode->protocol != kProtocolT15);
    require(!atr.class_indicator || (atr.class_indicator->classes & 0x07) != 0);
    require(atr.warnings.size() <= kAtrWarningCount);
    for (const AtrWarning warning : atr.warnings) {
        require(static_cast<std::size_t>(warning) < kAtrWarningCount);
        require(std::count(atr.warnings.begin(), atr.warnings.end(), warning) == 1);
    }
}

void check(const AtrInspection& inspection, ByteView logical, const tessera::Result<Atr>& parsed) {
    require(parsed.has_value() == inspection.valid());
    require(!parsed || serialize_atr(*parsed) == serialize_atr(inspection.atr));
    if (inspection.valid()) {
        require(inspection.progress == AtrProgress::complete);
        require(inspection.tck_ok != false);
        check_valid(inspection.atr, logical);
    }
    // Whatever was decoded is exactly the bytes read so far.
    if (inspection.progress >= AtrProgress::t0) {
        const Bytes prefix = serialize_atr(inspection.atr);
        require(prefix.size() <= logical.size() && prefix.size() <= kMaxAtrSize);
        require(std::equal(prefix.begin(), prefix.end(), logical.begin()));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const ByteView input(data, size);
    check(inspect_atr(input), input, parse_atr(input));

    const bool raw_inverse = size > 0 && data[0] == kTsInverseOnWire;
    const Bytes logical = raw_inverse ? convert_for_convention(input, Convention::inverse)
                                      : Bytes(input.begin(), input.end());
    const AtrInspection from_wire = inspect_atr_from_wire(input);
    check(from_wire, logical, parse_atr_from_wire(input));
    if (raw_inverse && from_wire.valid()) {
        require(from_wire.atr.convention == Convention::inverse);
        require(convert_for_convention(serialize_atr(from_wire.atr), Convention::inverse) ==
                Bytes(input.begin(), input.end()));
    }
    return 0;
}
