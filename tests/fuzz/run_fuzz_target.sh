#!/bin/sh
# Runs one libFuzzer target for a bounded time from its committed corpus, writing new
# inputs to a scratch directory (never into the source tree) and crash reproducers into
# the current directory (meson's build directory). Usage: EXE CORPUS_DIR SECONDS
set -eu
exe=$1
corpus=$2
seconds=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$exe" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$(pwd)/" "$scratch" "$corpus"
