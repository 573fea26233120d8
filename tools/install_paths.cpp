#include "tools/install_paths.hpp"

#include "tools/install_paths_config.h"

namespace tessera::tools {

std::filesystem::path installed_bundle_path() {
    return TESSERA_INSTALLED_BUNDLE;
}

std::filesystem::path built_tool_path() {
    return TESSERA_BUILT_TOOL;
}

std::filesystem::path built_emulator_path() {
    return TESSERA_BUILT_EMULATOR;
}

std::filesystem::path installed_emulator_path() {
    return TESSERA_INSTALLED_EMULATOR;
}

}  // namespace tessera::tools
