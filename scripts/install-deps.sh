#!/usr/bin/env bash
# Installs the Debian packages tessera needs that are missing, and nothing else.
#   scripts/install-deps.sh build   compiler, meson, libraries
#   scripts/install-deps.sh demo    build + umockdev, pcscd and PC/SC clients (main job)
#   scripts/install-deps.sh test    demo + clang (sanitizers, libFuzzer) and opensc
#   scripts/install-deps.sh bench   demo + Debian's libccid (the comparison) + valgrind
# Needs root (or sudo) only when something is missing. Never downloads anything but
# Debian packages.
set -euo pipefail

profile=${1:-build}
packages=(g++ meson ninja-build pkg-config python3 doctest-dev libboost-dev
          libusb-1.0-0-dev libpcsclite-dev)
# The emulated reader (umockdev), the real pcscd and PC/SC clients for the main job.
emulation=(umockdev libumockdev-dev libglib2.0-dev libudev-dev pcscd pcsc-tools python3-pyscard)
case "$profile" in
    build) ;;
    demo) packages+=("${emulation[@]}") ;;
    test) packages+=(clang libclang-rt-14-dev "${emulation[@]}" opensc) ;;
    bench) packages+=("${emulation[@]}" libccid valgrind) ;;
    *) echo "install-deps: unknown profile '$profile' (build|demo|test|bench)" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
as_root=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then
        as_root=(sudo)
    else
        echo "install-deps: missing packages ${missing[*]}; run as root" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
