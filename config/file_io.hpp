// Reading a bounded text file and replacing a file atomically, for the bundle editor.
//
// POSIX only (the bundle lives on Linux and macOS). Errors are std::system_category codes
// (errno values), plus std::errc::file_too_large for a file above the read limit.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "base/result.hpp"

namespace tessera::config {

/// The whole file, if it has at most max_bytes bytes.
Result<std::string> read_text_file(const std::filesystem::path& path, std::size_t max_bytes);

/// Replaces `path` with `content` so that a reader of `path` sees either the old or the
/// new file, never a mix: writes a temporary file in the same directory, flushes it to
/// disk, gives it the old file's permission bits (0644 for a new file), then renames it
/// over `path`. On any failure the temporary file is removed and `path` is untouched.
std::error_code write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace tessera::config
