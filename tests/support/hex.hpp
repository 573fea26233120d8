// Hex literals in tests: the one helper every suite uses to write bytes as text.
// (The other direction, bytes to text, is tessera::to_hex in base/bytes.hpp.)
#pragma once

#include <string_view>

#include "base/bytes.hpp"

namespace tessera::test {

/// The bytes that `text` spells in hex, as tessera::parse_hex reads it (two digits a byte,
/// either case, spaces and colons between bytes allowed). Text that is not hex is a bug in
/// the test: std::invalid_argument naming the text, which fails the test case that ran it.
Bytes hex(std::string_view text);

}  // namespace tessera::test
