// The reader database compiled into the library: readers.conf as it was at build time.
//
// The driver needs quirk flags at open without reading files next to pcscd, so the text
// is embedded (generated builtin_database_text.cpp). Nothing is cached: the Driver parses
// it once and keeps the ReaderDatabase it owns.
#pragma once

#include <string_view>

#include "config/reader_database.hpp"
#include "base/result.hpp"

namespace tessera::config {

/// The bytes of readers.conf, unchanged.
std::string_view builtin_reader_database_text();

/// builtin_reader_database_text() parsed. An error here is a build defect (the build
/// parses the same file to generate Info.plist, and a test parses this text).
Result<ReaderDatabase> builtin_reader_database();

}  // namespace tessera::config
