#!/usr/bin/env bash
# The benchmark (bench/bench.py): tessera and Debian's libccid side by side, same emulated
# reader, same pcscd, same client. libccid's bundle is copied (symlinks resolved: Debian's
# Info.plist is a link to /etc) and the emulated reader's VID/PID added to the copy with
# `tessera bundle add-reader`; the system's files are never touched.
set -euo pipefail
build=${1:-build/gcc}
here=$(cd "$(dirname "$0")/.." && pwd)
libccid=/usr/lib/pcsc/drivers/ifd-ccid.bundle
if [[ ! -d "$libccid" ]]; then
    echo "bench: Debian's libccid is not installed ($libccid)" >&2
    exit 1
fi
work=$(mktemp -d /tmp/tessera-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/libccid"
cp -rL "$libccid" "$work/libccid/"
"$here/$build/tools/tessera" bundle add-reader --bundle "$work/libccid/ifd-ccid.bundle" \
    1209 0001 "tessera emulated reader" >/dev/null
exec /usr/bin/python3 "$here/bench/bench.py" \
    --tessera-drivers "$here/$build/ifdhandler/drivers" \
    --libccid-drivers "$work/libccid" \
    --emulator "$here/$build/tests/emulator/serve/tessera-emulator" "${@:2}"
