#!/usr/bin/env python3
"""Adds up every test that ran in one or more meson build directories.

A doctest executable counts its test cases (its "[doctest] test cases:" line); a test
that prints its own "N passed, N failed[, N skipped]" line counts those; any other test
(fuzz targets, tools) counts as one. A test whose process failed although its own counts
show no failure (a sanitizer report at exit, a crash) adds one failure. Prints one line
per meson test and ends with "N passed, N failed[, N skipped]"; exits 1 on any failure.
"""
import json
import re
import sys
from pathlib import Path

DOCTEST = re.compile(r"\[doctest\] test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed"
                     r"\s*\|\s*(\d+) skipped")
PLAIN = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$", re.M)


def counts_of(entry):
    output = entry.get("stdout", "") or ""
    match = DOCTEST.search(output)
    if match:
        _, passed, failed, skipped = map(int, match.groups())
        return passed, failed, skipped
    matches = PLAIN.findall(output)
    if matches:
        passed, failed, skipped = matches[-1]
        return int(passed), int(failed), int(skipped or 0)
    return None


def main(build_dirs):
    total = [0, 0, 0]
    for build_dir in build_dirs:
        log = Path(build_dir) / "meson-logs" / "testlog.json"
        if not log.exists():
            print(f"{build_dir}: no test log (build failed?)")
            total[1] += 1
            continue
        for line in log.read_text().splitlines():
            entry = json.loads(line)
            result = entry["result"]
            counts = counts_of(entry)
            if result == "SKIP":
                passed, failed, skipped = 0, 0, 1
            elif counts is None:
                ok = result in ("OK", "EXPECTEDFAIL")
                passed, failed, skipped = (1, 0, 0) if ok else (0, 1, 0)
            else:
                passed, failed, skipped = counts
                if result not in ("OK", "EXPECTEDFAIL") and failed == 0:
                    failed = 1
            total[0] += passed
            total[1] += failed
            total[2] += skipped
            name = entry["name"].split(" / ")[-1]
            print(f"{Path(build_dir).name}: {name}: {result} "
                  f"({passed} passed, {failed} failed, {skipped} skipped)")
    line = f"{total[0]} passed, {total[1]} failed"
    if total[2]:
        line += f", {total[2]} skipped"
    print(line)
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["build/gcc"]))
