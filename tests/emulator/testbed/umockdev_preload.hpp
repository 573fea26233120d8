// Making sure this process runs under umockdev's preload library.
//
// umockdev fakes /sys and /dev (and forwards ioctls on emulated nodes) only in processes
// that run with libumockdev-preload.so.0 in LD_PRELOAD, and the testbed process itself
// must be one of them (parent devices and uevents need it). A test program therefore
// calls run_under_umockdev_preload() first thing in main(): if the preload is not
// active it re-executes the program with it; if it cannot be had, the program reports
// the reason and exits with 77 (meson: skipped).
#pragma once

#include <string>

namespace tessera::emulator {

struct PreloadStatus {
    bool active = false;
    std::string reason;  // why not, when !active
};

/// Call first in main(), before any thread exists. When the preload is not active yet,
/// replaces the process (execv of /proc/self/exe with the same argv) with
/// LD_PRELOAD=libumockdev-preload.so.0 prepended and ASAN_OPTIONS extended by
/// verify_asan_link_order=0 (sanitizer runtimes otherwise refuse a preload that comes
/// first); it returns only if that fails. In the re-executed process it checks that the
/// library really got loaded. Never returns active=true without the preload in place.
PreloadStatus run_under_umockdev_preload(char** argv);

/// The exit status meson reads as "test skipped".
inline constexpr int kExitSkipped = 77;

}  // namespace tessera::emulator
