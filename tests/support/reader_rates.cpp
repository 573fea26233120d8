#include "tests/support/reader_rates.hpp"

namespace tessera::test {

iso7816::ReaderRates scr3310() {
    iso7816::ReaderRates reader;
    reader.default_clock_khz = 4000;
    reader.max_clock_khz = 8000;
    reader.max_data_rate_bps = 344105;
    return reader;
}

iso7816::RateRequest wants(std::uint16_t protocols, std::size_t max_pps_candidates) {
    iso7816::RateRequest request;
    request.protocols = protocols;
    request.max_pps_candidates = max_pps_candidates;
    return request;
}

}  // namespace tessera::test
