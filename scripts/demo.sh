#!/usr/bin/env bash
# The main job: the Debian pcscd loads the tessera bundle from the build tree and finds the
# built-in emulated reader (tessera-emulator: an extended-APDU CCID reader with a T=1 card,
# served to pcscd's libusb/libudev through umockdev); real clients then list the reader,
# read the card's ATR, exchange APDUs, and see the card removed and inserted. Everything
# runs in a private mount namespace (tests/e2e/sandbox.py) and is stopped at the end.
set -euo pipefail
build=${1:-build/gcc}
here=$(cd "$(dirname "$0")/.." && pwd)
client="/usr/bin/python3 $here/tests/e2e/pcsc_client.py"
emulator="$here/$build/tests/emulator/serve/tessera-emulator"
drivers="$here/$build/ifdhandler/drivers"

for needed in "$emulator" "$drivers/tessera.bundle/Contents/Info.plist"; do
    if [[ ! -e "$needed" ]]; then
        echo "demo: $needed is missing (was the build complete? umockdev installed?)" >&2
        exit 1
    fi
done


exec /usr/bin/python3 "$here/tests/e2e/sandbox.py" --drivers "$drivers" --emulator "$emulator" -- \
    bash -c 'printf "\n== pcscd is running with tessera; readers it lists (pcsc_scan -r):\n"; timeout 10 pcsc_scan -r' --- \
    bash -c 'printf "\n== the card in the emulated reader (opensc-tool -a / pcsc_scan):\n"; timeout 10 pcsc_scan -t 1 2>/dev/null | grep -a -m1 "ATR:" || true' --- \
    bash -c "printf '\n== APDUs through PC/SC (python3-pyscard):\n'; $client apdu T1 --extended" --- \
    bash -c "printf '\n== card removal and insertion seen with SCardGetStatusChange:\n'; $client events" --- \
    bash -c 'printf "\n== done: pcscd and the emulator are stopped now.\n"'
