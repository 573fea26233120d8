#!/usr/bin/env python3
"""Tests what `meson install` puts where: the bundle's Info.plist under pcscd's drop
directory and the udev rules under udev's rules directory, first with the defaults that
pkg-config gives, then with every location option overridden.

usage: test_install.py SOURCE_ROOT

Configures throwaway build directories (-Dtests=false) in a temporary directory, builds
only what the 'pcsc-bundle' and 'udev' install tags install, and installs with --destdir.
Exits 0 when every check passes, 1 naming each failed check, 77 (skip) when meson or
ninja is not available.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TAGS = "pcsc-bundle,udev"
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def run(*command, cwd=None):
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=240)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def pkg_config_variable(package, variable):
    try:
        return subprocess.run(["pkg-config", f"--variable={variable}", package],
                              capture_output=True, text=True).stdout.strip()
    except FileNotFoundError:
        return ""


def install(source, work, name, options):
    """Configures, builds the tagged outputs, installs into a destdir; returns the destdir."""
    build, destdir = work / f"build-{name}", work / f"dest-{name}"
    run("meson", "setup", str(build), str(source), "-Dtests=false", "--prefix=/usr", *options)
    plan = json.loads(run("meson", "introspect", str(build), "--install-plan"))
    outputs = [path for group in plan.values() for path, entry in group.items()
               if entry.get("tag") in TAGS.split(",") and path.startswith(str(build))]
    targets = [os.path.relpath(path, build) for path in outputs
               if not Path(path).exists()]
    if targets:
        run("ninja", "-C", str(build), *targets)
    run("meson", "install", "-C", str(build), "--no-rebuild", "--tags", TAGS,
        "--destdir", str(destdir))
    return build, destdir


def installed(destdir, absolute):
    return destdir / Path(absolute).relative_to("/")


def check_bundle(build, destdir, drop_dir, label):
    plist = installed(destdir, drop_dir) / "tessera.bundle" / "Contents" / "Info.plist"
    if check(plist.is_file(), f"{label}: no Info.plist at {plist}"):
        generated = next(build.rglob("Info.plist"))
        check(plist.read_bytes() == generated.read_bytes(),
              f"{label}: the installed Info.plist differs from the generated one")
        text = plist.read_text()
        check("<key>ifdVendorID</key>" in text and "<string>0x1209</string>" in text,
              f"{label}: the installed Info.plist does not list the readers")

def check_nothing_else(destdir, allowed_dirs, label):
    for path in destdir.rglob("*"):
        if path.is_file():
            check(any(path.is_relative_to(installed(destdir, d)) for d in allowed_dirs),
                  f"{label}: {path.relative_to(destdir)} installed outside the bundle and rules")


def check_rules(destdir, rules_dir, label, group):
    rules = installed(destdir, rules_dir) / "92-tessera.rules"
    if not check(rules.is_file(), f"{label}: no udev rules at {rules}"):
        return
    text = rules.read_text()
    check('ENV{ID_USB_INTERFACES}!="*:0b????:*", GOTO="tessera_rules_end"' in text,
          f"{label}: the rules do not select CCID-class devices")
    if group:
        check(f'GROUP="{group}", MODE="0660"' in text, f"{label}: no rule for group {group}")
    else:
        check("GROUP=" not in text.replace('pcscd_group', ''), f"{label}: a GROUP rule without a group")
    check("@" not in text, f"{label}: an unsubstituted @VARIABLE@ is left")


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    if shutil.which("meson") is None or shutil.which("ninja") is None:
        print("meson or ninja not available: skipped")
        return 77
    source = Path(argv[1]).resolve()
    default_drop_dir = pkg_config_variable("libpcsclite", "usbdropdir")
    udev_dir = pkg_config_variable("udev", "udevdir") or "/lib/udev"
    with tempfile.TemporaryDirectory(prefix="tessera-install-") as temporary:
        work = Path(temporary)
        if check(default_drop_dir != "", "pkg-config gives no usbdropdir for libpcsclite"):
            build, destdir = install(source, work, "default", [])
            check_bundle(build, destdir, default_drop_dir, "default")
            check_rules(destdir, f"{udev_dir}/rules.d", "default", None)
            check_nothing_else(destdir, [f"{default_drop_dir}/tessera.bundle",
                                         f"{udev_dir}/rules.d"], "default")
        build, destdir = install(source, work, "override", [
            "-Dusbdropdir=/opt/pcsc/drivers", "-Dudevrulesdir=/etc/udev/rules.d",
            "-Dpcscd_group=scard"])
        check_bundle(build, destdir, "/opt/pcsc/drivers", "override")
        check_rules(destdir, "/etc/udev/rules.d", "override", "scard")
        check_nothing_else(destdir, ["/opt/pcsc/drivers/tessera.bundle", "/etc/udev/rules.d"],
                           "override")
    for failure in failures:
        sys.stderr.write(f"FAIL: {failure}\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
