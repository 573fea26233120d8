// Where `tessera` finds what it works on by default. The paths are fixed when the project
// is configured (tools/meson.build writes them into tools/install_paths_config.h).
#pragma once

#include <filesystem>

namespace tessera::tools {

/// The driver bundle `make install` puts into pcscd's drop directory:
/// <usbdropdir>/tessera.bundle (packaging/meson.build).
std::filesystem::path installed_bundle_path();

/// The `tessera` executable as built in the build tree (<build>/tools/tessera).
std::filesystem::path built_tool_path();

/// The emulator as built in the build tree (<build>/tests/emulator/serve/tessera-emulator).
/// It exists only when umockdev was found at configure time.
std::filesystem::path built_emulator_path();

/// Where an installed emulator would be: <prefix>/<libexecdir>/tessera/tessera-emulator.
/// Nothing installs it there yet (tests/emulator/serve/meson.build does not install it).
std::filesystem::path installed_emulator_path();

}  // namespace tessera::tools
