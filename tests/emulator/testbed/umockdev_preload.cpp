#include "umockdev_preload.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace tessera::emulator {
namespace {

constexpr const char* kPreloadLibrary = "libumockdev-preload.so.0";
constexpr const char* kReexecMarker = "TESSERA_UMOCKDEV_REEXEC";

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? value : "";
}

bool preload_loaded() {
    void* handle = dlopen(kPreloadLibrary, RTLD_LAZY | RTLD_NOLOAD);
    if (handle == nullptr) return false;
    dlclose(handle);
    return true;
}

}  // namespace

PreloadStatus run_under_umockdev_preload(char** argv) {
    const std::string preload = env("LD_PRELOAD");
    if (preload.find("libumockdev-preload") != std::string::npos) {
        if (preload_loaded()) return {true, {}};
        return {false, std::string(kPreloadLibrary) +
                           " is in LD_PRELOAD but was not loaded (is the umockdev package "
                           "installed?)"};
    }
    if (!env(kReexecMarker).empty()) {
        return {false, "re-executed under the umockdev preload, but LD_PRELOAD lost it"};
    }
    const std::string new_preload =
        preload.empty() ? kPreloadLibrary : std::string(kPreloadLibrary) + ":" + preload;
    std::string asan = env("ASAN_OPTIONS");
    if (asan.find("verify_asan_link_order") == std::string::npos) {
        asan = asan.empty() ? "verify_asan_link_order=0" : asan + ":verify_asan_link_order=0";
    }
    setenv("LD_PRELOAD", new_preload.c_str(), 1);
    setenv("ASAN_OPTIONS", asan.c_str(), 1);
    setenv(kReexecMarker, "1", 1);
    execv("/proc/self/exe", argv);
    return {false, std::string("cannot re-execute under the umockdev preload: ") +
                       std::strerror(errno)};
}

}  // namespace tessera::emulator
