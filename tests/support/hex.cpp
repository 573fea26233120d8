#include "tests/support/hex.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace tessera::test {

Bytes hex(std::string_view text) {
    auto bytes = parse_hex(text);
    if (!bytes) {
        throw std::invalid_argument("test data is not hex: '" + std::string(text) + "'");
    }
    return std::move(*bytes);
}

}  // namespace tessera::test
