// main() of the libusb backend tests: they need umockdev's preload in this process, so
// the program re-executes itself under it, or exits 77 (meson: skipped) saying why.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "umockdev_preload.hpp"

int main(int argc, char** argv) {
    const auto preload = tessera::emulator::run_under_umockdev_preload(argv);
    if (!preload.active) {
        std::fprintf(stderr, "SKIP: umockdev is not available: %s\n", preload.reason.c_str());
        return tessera::emulator::kExitSkipped;
    }
    doctest::Context context(argc, argv);
    return context.run();
}
