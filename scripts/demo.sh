#!/usr/bin/env bash
# The main job, for now: decode sample ATRs with the built `tessera` tool. (The IFD
# handler issue replaces this with pcscd + the emulated reader + a real client.)
set -euo pipefail
build=${1:-build/gcc}
tessera="$build/tools/tessera"
run() { echo "\$ tessera $*"; "$tessera" "$@" || true; echo; }
run atr "3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7"
run atr --json "3B:8F:80:01:80:4F:0C:A0:00:00:03:06:03:00:01:00:00:00:00:6A"
run atr "03 65 25 08 36 04 6C 90 00"
