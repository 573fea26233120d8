#include "iso7816/pps.hpp"

#include "iso7816/tables.hpp"

namespace tessera::iso7816 {

namespace {

// ISO 7816-3 9.2: PPS0 bits.
constexpr std::uint8_t kPps0Protocol = 0x0F;
constexpr std::uint8_t kPps0HasPps1 = 0x10;
constexpr std::uint8_t kPps0HasPps2 = 0x20;
constexpr std::uint8_t kPps0HasPps3 = 0x40;
constexpr std::uint8_t kPps0Reserved = 0x80;
constexpr std::uint8_t kLastProtocol = 14;

std::size_t optional_count(std::uint8_t pps0) noexcept {
    return ((pps0 & kPps0HasPps1) ? 1u : 0u) + ((pps0 & kPps0HasPps2) ? 1u : 0u) +
           ((pps0 & kPps0HasPps3) ? 1u : 0u);
}

Bytes encode(std::uint8_t protocol, const std::optional<FiDi>& pps1,
             const std::optional<std::uint8_t>& pps2, const std::optional<std::uint8_t>& pps3) {
    std::uint8_t pps0 = protocol & kPps0Protocol;
    Bytes bytes{kPpss, 0};
    if (pps1) {
        pps0 |= kPps0HasPps1;
        bytes.push_back(pps1->byte());
    }
    if (pps2) {
        pps0 |= kPps0HasPps2;
        bytes.push_back(*pps2);
    }
    if (pps3) {
        pps0 |= kPps0HasPps3;
        bytes.push_back(*pps3);
    }
    bytes[1] = pps0;
    bytes.push_back(pps_xor(bytes));
    return bytes;
}

// A PPS message split into its fields after the framing checks of 9.2 (PPSS, exact
// length, PCK); content is left to the callers.
struct Framed {
    std::uint8_t pps0 = 0;
    std::optional<std::uint8_t> pps1;
    std::optional<std::uint8_t> pps2;
    std::optional<std::uint8_t> pps3;
};

Result<Framed> check_framing(ByteView bytes) {
    if (bytes.empty()) {
        return PpsError::no_response;
    }
    if (bytes[0] != kPpss) {
        return PpsError::bad_ppss;
    }
    if (bytes.size() < kPpsMinLength) {
        return PpsError::too_short;
    }
    const std::size_t length = kPpsMinLength + optional_count(bytes[1]);
    if (bytes.size() < length) {
        return PpsError::truncated;
    }
    if (bytes.size() > length) {
        return PpsError::trailing_bytes;
    }
    if (pps_xor(bytes) != 0) {
        return PpsError::bad_pck;
    }
    Framed framed;
    framed.pps0 = bytes[1];
    std::size_t next = 2;
    if (framed.pps0 & kPps0HasPps1) {
        framed.pps1 = bytes[next++];
    }
    if (framed.pps0 & kPps0HasPps2) {
        framed.pps2 = bytes[next++];
    }
    if (framed.pps0 & kPps0HasPps3) {
        framed.pps3 = bytes[next++];
    }
    if (framed.pps0 & kPps0Reserved) {
        return PpsError::reserved_bit;
    }
    return framed;
}

}  // namespace

const char* describe(PpsError error) {
    switch (error) {
        case PpsError::ok_is_never_used:
            return "no error";
        case PpsError::invalid_protocol:
            return "PPS0 protocol is 15 or more";
        case PpsError::reserved_fi:
            return "reserved FI in PPS1";
        case PpsError::reserved_di:
            return "reserved DI in PPS1";
        case PpsError::no_response:
            return "no PPS response";
        case PpsError::bad_ppss:
            return "PPSS is not FF";
        case PpsError::too_short:
            return "PPS shorter than PPSS PPS0 PCK";
        case PpsError::truncated:
            return "PPS shorter than PPS0 announces";
        case PpsError::trailing_bytes:
            return "bytes after the PCK";
        case PpsError::bad_pck:
            return "PCK mismatch";
        case PpsError::reserved_bit:
            return "reserved bit b8 of PPS0 set";
        case PpsError::protocol_mismatch:
            return "PPS response selects another protocol";
        case PpsError::unrequested_byte:
            return "PPS response announces a byte the request did not";
        case PpsError::pps1_mismatch:
            return "PPS1 of the response differs from the request";
        case PpsError::pps2_mismatch:
            return "PPS2 of the response differs from the request";
        case PpsError::pps3_mismatch:
            return "PPS3 of the response differs from the request";
    }
    return "unknown PPS error";
}

std::uint8_t pps_xor(ByteView bytes) noexcept {
    std::uint8_t sum = 0;
    for (const std::uint8_t byte : bytes) {
        sum ^= byte;
    }
    return sum;
}

Result<Bytes> build_pps_request(const PpsRequest& request) {
    if (request.protocol > kLastProtocol) {
        return PpsError::invalid_protocol;
    }
    if (request.pps1) {
        if (!fi_from_index(request.pps1->fi_index)) {
            return PpsError::reserved_fi;
        }
        if (!di_from_index(request.pps1->di_index)) {
            return PpsError::reserved_di;
        }
    }
    // ISO 7816-3 9.2
    return encode(request.protocol, request.pps1, request.pps2, request.pps3);
}

std::optional<std::size_t> pps_response_length(ByteView prefix) noexcept {
    if (prefix.size() < 2) {
        return std::nullopt;
    }
    return kPpsMinLength + optional_count(prefix[1]);
}

Result<PpsOutcome> validate_pps_response(const PpsRequest& request, ByteView response) {
    auto framed = check_framing(response);
    if (!framed) {
        return framed.error();
    }
    // ISO 7816-3 9.3
    const Framed& answer = *framed;
    if ((answer.pps0 & kPps0Protocol) != request.protocol) {
        return PpsError::protocol_mismatch;
    }
    if ((answer.pps1 && !request.pps1) || (answer.pps2 && !request.pps2) ||
        (answer.pps3 && !request.pps3)) {
        return PpsError::unrequested_byte;
    }
    if (answer.pps1 && *answer.pps1 != request.pps1->byte()) {
        return PpsError::pps1_mismatch;
    }
    if (answer.pps2 && *answer.pps2 != *request.pps2) {
        return PpsError::pps2_mismatch;
    }
    if (answer.pps3 && *answer.pps3 != *request.pps3) {
        return PpsError::pps3_mismatch;
    }
    PpsOutcome outcome;
    outcome.protocol = request.protocol;
    outcome.pps1_echoed = answer.pps1.has_value();
    outcome.pps2_echoed = answer.pps2.has_value();
    outcome.pps3_echoed = answer.pps3.has_value();
    if (outcome.pps1_echoed) {
        outcome.fi_di = *request.pps1;
    }
    if (outcome.pps2_echoed) {
        outcome.spu = answer.pps2;
    }
    const bool dropped = (request.pps1 && !outcome.pps1_echoed) ||
                         (request.pps2 && !outcome.pps2_echoed) ||
                         (request.pps3 && !outcome.pps3_echoed);
    outcome.acceptance = dropped ? PpsAcceptance::partial : PpsAcceptance::full;
    return outcome;
}

Result<PpsRequest> parse_pps_request(ByteView bytes) {
    auto framed = check_framing(bytes);
    if (!framed) {
        return framed.error();
    }
    // ISO 7816-3 9.2
    const Framed& fields = *framed;
    if ((fields.pps0 & kPps0Protocol) > kLastProtocol) {
        return PpsError::invalid_protocol;
    }
    PpsRequest request;
    request.protocol = fields.pps0 & kPps0Protocol;
    if (fields.pps1) {
        request.pps1 = FiDi::from_byte(*fields.pps1);
    }
    request.pps2 = fields.pps2;
    request.pps3 = fields.pps3;
    return request;
}

Bytes build_pps_response(const PpsRequest& request, bool keep_pps1, bool keep_pps2,
                         bool keep_pps3) {
    // ISO 7816-3 9.3
    return encode(request.protocol, keep_pps1 ? request.pps1 : std::nullopt,
                  keep_pps2 ? request.pps2 : std::nullopt,
                  keep_pps3 ? request.pps3 : std::nullopt);
}

}  // namespace tessera::iso7816
