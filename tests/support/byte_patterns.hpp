// Byte strings that tests build rather than spell out: filler data of a given size, and
// the concatenation of two pieces (a header and its data, data and its status word).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"

namespace tessera::test {

/// `size` bytes where byte i is (i * 7 + seed) & 0xFF: no two neighbours alike, and a
/// different `seed` gives different data of the same size.
Bytes pattern(std::size_t size, std::uint8_t seed = 0);

/// `count` bytes counting up from `first`: byte i is (first + i) & 0xFF. This is the
/// initial content of the simulated application's EFs (tests/sim/application.hpp), so a
/// READ BINARY at offset `first` answers ascending(first, count).
Bytes ascending(std::size_t first, std::size_t count);

/// `first` followed by `second`.
Bytes concat(Bytes first, const Bytes& second);

}  // namespace tessera::test
