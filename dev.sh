#!/usr/bin/env bash
# The README's two quick-start commands.
#   ./dev.sh demo   install what is missing, build, run the main job (pcscd + tessera +
#                   the emulated reader + real PC/SC clients)
#   ./dev.sh bench  the benchmark: tessera and Debian's libccid side by side (options
#                   after it go to bench/bench.py: --apdus N, --latency-rounds N)
#   ./dev.sh test   install what is missing, build, run every test: the g++ build with
#                   warnings as errors, then a clang build with ASan+UBSan that also runs
#                   the libFuzzer targets; ends with one line "N passed, N failed".
#   ./dev.sh tsan   the threaded tests (reader model, libusb backend, several readers,
#                   the IFD handler) in a clang ThreadSanitizer build (build/tsan).
set -euo pipefail
cd "$(dirname "$0")"

# meson setup, or reconfigure an existing build directory with the same options.
setup() {
    local dir=$1; shift
    if [[ -f "$dir/build.ninja" ]]; then
        meson setup --reconfigure "$dir" "$@" >/dev/null
    else
        meson setup "$dir" "$@" >/dev/null
    fi
}

build_gcc() {
    CC=gcc CXX=g++ setup build/gcc --werror
    ninja -C build/gcc
}

case "${1:-}" in
    demo)
        scripts/install-deps.sh demo
        build_gcc
        exec scripts/demo.sh build/gcc
        ;;
    bench)
        scripts/install-deps.sh bench
        build_gcc
        exec scripts/bench.sh build/gcc "${@:2}"
        ;;
    test)
        scripts/install-deps.sh test
        build_gcc
        meson test -C build/gcc --print-errorlogs || true
        CC=clang CXX=clang++ setup build/asan --werror -Db_sanitize=address,undefined \
            -Db_lundef=false -Dfuzzing=true -Dfuzz_seconds="${FUZZ_SECONDS:-10}" \
            -Dcpp_args=-fno-sanitize-recover=all
        ninja -C build/asan
        meson test -C build/asan --print-errorlogs || true
        exec python3 tests/summarise.py build/gcc build/asan
        ;;
    tsan)
        scripts/install-deps.sh test
        CC=clang CXX=clang++ setup build/tsan --werror -Db_sanitize=thread -Db_lundef=false
        ninja -C build/tsan
        TSAN_OPTIONS="suppressions=$PWD/tests/emulator/testbed/tsan.supp halt_on_error=1" \
            meson test -C build/tsan --print-errorlogs --suite unit --suite usb
        ;;
    *)
        echo "usage: $0 demo|test|bench|tsan" >&2
        exit 2
        ;;
esac
