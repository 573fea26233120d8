#!/usr/bin/env python3
"""Tests `tessera emulate`: it runs tessera-emulator with the same arguments, so output,
exit status and the command protocol on stdin are the emulator's own; a `tessera` outside
the build tree does not pick the build tree's emulator; without an emulator the message
says it was not built.

Usage: test_tool_emulate.py PATH_TO_TESSERA INSTALLED_EMULATOR_PATH
                            [--emulator PATH_TO_TESSERA_EMULATOR]
INSTALLED_EMULATOR_PATH is <prefix>/<libexecdir>/tessera/tessera-emulator (nothing
installs it yet; when it exists, a copied `tessera` must run it).
Without --emulator (umockdev missing at configure time) it checks the "not built" answer
and exits 77 (skipped). Exits 77 too when the emulator cannot run here (no umockdev
preload at run time), 0 when every check passes, 1 otherwise.
"""
import os
import shutil
import subprocess
import sys
import tempfile

SKIPPED = 77
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def run(command, stdin=None):
    return subprocess.run(command, capture_output=True, text=True, timeout=60,
                          input=stdin if stdin is not None else "")


def test_not_built(tool):
    result = run([tool, "emulate", "--help"])
    check(result.returncode == 1, f"no emulator: exit {result.returncode}, expected 1")
    check("not built" in result.stderr and "umockdev" in result.stderr,
          f"no emulator: message {result.stderr!r}")
    check(result.stdout == "", f"no emulator: wrote to stdout {result.stdout!r}")


def test_same_as_emulator(tool, emulator):
    for args in (["--help"], ["--list-profiles"], ["--bogus"], ["--readers", "0"]):
        direct = run([emulator, *args])
        through = run([tool, "emulate", *args])
        label = " ".join(args)
        check(through.returncode == direct.returncode,
              f"emulate {label}: exit {through.returncode}, the emulator's {direct.returncode}")
        check(through.stdout == direct.stdout, f"emulate {label}: stdout differs")
        check(through.stderr == direct.stderr, f"emulate {label}: stderr differs "
              f"{through.stderr!r} vs {direct.stderr!r}")
    result = run([tool, "emulate", "--help"])
    check(result.returncode == 0 and result.stdout.startswith("usage: tessera-emulator"),
          f"emulate --help: {result.returncode} {result.stdout[:80]!r}")
    result = run([tool, "emulate", "--list-profiles"])
    profiles = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    check(result.returncode == 0, f"emulate --list-profiles: exit {result.returncode}")
    check({"tpdu", "short_apdu", "extended_apdu", "character"} <= set(profiles),
          f"emulate --list-profiles: profiles {profiles}")
    result = run([tool, "emulate", "--bogus"])
    check(result.returncode == 2 and "tessera-emulator" in result.stderr,
          f"emulate --bogus: {result.returncode} {result.stderr!r}")


def test_serves(tool):
    """The command protocol on stdin reaches the emulator: READY, then OK for quit."""
    result = run([tool, "emulate", "--no-card-at-start"], stdin="quit\n")
    lines = result.stdout.splitlines()
    check(result.returncode == 0, f"emulate serve: exit {result.returncode} {result.stderr!r}")
    check(any(line.startswith("UMOCKDEV_DIR=") for line in lines) and "READY" in lines,
          f"emulate serve: no READY: {lines}")
    check(bool(lines) and lines[-1].startswith("OK quit "), f"emulate serve: last {lines[-1:]}")


def test_copied_tool(tool, emulator, installed):
    """A `tessera` outside the build tree looks in libexecdir only, not in the build."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = os.path.join(scratch, "tessera")
        shutil.copy2(tool, copy)
        result = run([copy, "emulate", "--help"])
    if not os.access(installed, os.X_OK):
        check("not built" in result.stderr and installed in result.stderr,
              f"copied tessera: message {result.stderr!r}")
        check(os.path.realpath(emulator) not in result.stderr,
              f"copied tessera looked in the build tree: {result.stderr!r}")
    else:
        check(result.returncode == 0 and "usage" in result.stdout,
              f"copied tessera with an installed emulator: {result.returncode}")


def main():
    args = sys.argv[1:]
    if len(args) not in (2, 4) or (len(args) == 4 and args[2] != "--emulator"):
        print(__doc__, file=sys.stderr)
        return 2
    tool, installed = args[0], args[1]
    if len(args) == 2:
        test_not_built(tool)
        for failure in failures:
            print(f"FAIL: {failure}", file=sys.stderr)
        if failures:
            return 1
        print("tessera-emulator was not built (no umockdev): skipped")
        return SKIPPED
    emulator = args[3]
    if run([emulator, "--help"]).returncode == SKIPPED:
        result = run([tool, "emulate", "--help"])
        if result.returncode != SKIPPED:
            print(f"FAIL: emulate --help: exit {result.returncode}, the emulator's 77",
                  file=sys.stderr)
            return 1
        print("umockdev's preload is not available here: skipped")
        return SKIPPED
    tests = [test_same_as_emulator, test_serves, test_copied_tool]
    test_same_as_emulator(tool, emulator)
    test_serves(tool)
    test_copied_tool(tool, emulator, installed)
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print(f"{len(tests)} test groups, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
