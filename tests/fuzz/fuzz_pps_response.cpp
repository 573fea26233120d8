// libFuzzer target: PPS response judgement (ISO/IEC 7816-3:2006 9.3) on untrusted bytes.
//
// Input layout: byte 0 chooses the request (b4..b1 protocol, b5/b6/b7 PPS1/PPS2/PPS3
// present, b8 TA2 present for the rate choice), bytes 1..3 are PPS1, PPS2, PPS3, the rest
// is the card's response. Checks, beyond "no crash": every prefix gives a length in 3..6;
// an accepted response is exactly the echo the outcome describes; the card-side parser
// agrees with the builder. The same bytes also drive choose_rates as TA1/TA2 and a
// reader's clock and rate lists (device-controlled values in the real driver).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "base/bytes.hpp"
#include "iso7816/pps.hpp"
#include "iso7816/rate_choice.hpp"

using namespace tessera;
using namespace tessera::iso7816;

namespace {

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

bool same(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

std::uint32_t word(ByteView bytes, std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4 && at + i < bytes.size(); ++i) {
        value = value << 8 | bytes[at + i];
    }
    return value;
}

void fuzz_rate_choice(std::uint8_t flags, std::uint8_t ta1, std::uint8_t ta2, ByteView rest) {
    CardRates card;
    card.ta1 = FiDi::from_byte(ta1);
    if (flags & 0x80) {
        card.specific = SpecificMode::from_ta2(ta2);
    }
    card.offered_protocols = static_cast<std::uint16_t>(word(rest, 0));
    card.first_offered_protocol = flags & 0x0F;
    ReaderRates reader;
    reader.default_clock_khz = word(rest, 2);
    reader.max_clock_khz = word(rest, 6);
    reader.max_data_rate_bps = word(rest, 10);
    for (std::size_t at = 14; at + 4 <= rest.size() && reader.clocks_khz.size() < 8; at += 8) {
        reader.clocks_khz.push_back(word(rest, at));
        reader.data_rates_bps.push_back(word(rest, at + 4));
    }
    RateRequest request;
    request.protocols = static_cast<std::uint16_t>(ta2 << 8 | ta1);
    request.max_pps_candidates = flags & 0x07;
    const auto plan = choose_rates(card, reader, request);
    if (!plan) {
        return;
    }
    if (plan->kind == PlanKind::negotiate) {
        check(!plan->candidates.empty());
        check(plan->candidates.size() <= 16 * (request.max_pps_candidates + 1));
        for (const auto& candidate : plan->candidates) {
            check(build_pps_request(pps_request_for(candidate)).has_value());
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) {
        return 0;
    }
    const ByteView input(data, size);
    const std::uint8_t flags = input[0];
    PpsRequest request;
    request.protocol = flags & 0x0F;
    if (flags & 0x10) {
        request.pps1 = FiDi::from_byte(input[1]);
    }
    if (flags & 0x20) {
        request.pps2 = input[2];
    }
    if (flags & 0x40) {
        request.pps3 = input[3];
    }
    const ByteView response = input.subspan(4);

    for (std::size_t length = 0; length <= response.size() && length <= 8; ++length) {
        const auto expected = pps_response_length(response.first(length));
        check(length < 2 ? !expected : (*expected >= kPpsMinLength && *expected <= kPpsMaxLength));
    }

    const auto outcome = validate_pps_response(request, response);
    if (outcome) {
        const auto length = pps_response_length(response);
        check(length && *length == response.size());
        check(outcome->protocol == request.protocol);
        check(same(response, build_pps_response(request, outcome->pps1_echoed,
                                                outcome->pps2_echoed, outcome->pps3_echoed)));
        check(outcome->pps1_echoed ? outcome->fi_di == *request.pps1
                                   : outcome->fi_di == kDefaultFiDi);
    }

    const auto parsed = parse_pps_request(response);
    if (parsed) {
        const auto rebuilt = build_pps_request(*parsed);
        if (rebuilt) {
            check(same(*rebuilt, response));
        }
    }

    const auto built = build_pps_request(request);
    if (built) {
        const auto echoed = validate_pps_response(request, *built);
        check(echoed && echoed->acceptance == PpsAcceptance::full);
    }

    fuzz_rate_choice(flags, input[1], input[2], response);
    return 0;
}
