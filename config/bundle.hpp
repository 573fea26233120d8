// A pcscd driver bundle on disk:
//   <name>.bundle/Contents/Info.plist
//   <name>.bundle/Contents/Linux/<library>   (Contents/MacOS/ on macOS)
// Paths are computed from where the bundle or the library actually is, never from a
// compiled-in directory, so a bundle works wherever it was installed or copied.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>

#include "config/info_plist_readers.hpp"

namespace tessera::config {

/// Larger Info.plists are refused (pcscd's own are a few hundred kB at most).
inline constexpr std::size_t kMaxInfoPlistBytes = 1024 * 1024;

/// <bundle>/Contents/Info.plist
std::filesystem::path info_plist_path(const std::filesystem::path& bundle);

/// The bundle holding a driver library at <bundle>/Contents/<platform>/<library> (as
/// found with dladdr), or nullopt when the path does not have that shape.
std::optional<std::filesystem::path> bundle_of_library(const std::filesystem::path& library);

/// Adds a class-compliant reader to an installed bundle's Info.plist, so that pcscd's
/// hotplug binds it after pcscd restarts; no rebuild needed. The file is replaced
/// atomically: on any error it is unchanged. Errors: BundleError, PlistError (the file is
/// not a valid plist), system errors of reading and writing; the message says more.
std::error_code add_reader_to_bundle(const std::filesystem::path& bundle, std::uint16_t vendor_id,
                                     std::uint16_t product_id, std::string_view name,
                                     BundleDiagnostics& diagnostics);
std::error_code add_reader_to_bundle(const std::filesystem::path& bundle, std::uint16_t vendor_id,
                                     std::uint16_t product_id, std::string_view name);

}  // namespace tessera::config
