#!/usr/bin/env python3
"""The driver library is installed into the bundle, next to the Info.plist pcscd reads:
<usbdropdir>/tessera.bundle/Contents/Linux/libtessera_ifd.so (from meson's install plan
of this build; tests/config/test_install.py checks the Info.plist and udev rules by a
real install). Usage: test_install_plan.py BUILD_DIR"""
import json
import subprocess
import sys

build = sys.argv[1]
plan = json.loads(subprocess.run(["meson", "introspect", build, "--install-plan"],
                                 capture_output=True, text=True, check=True).stdout)
destinations = {entry["destination"] for group in plan.values() for entry in group.values()}
library = [d for d in destinations if d.endswith("/libtessera_ifd.so")]
plist = [d for d in destinations if d.endswith("tessera.bundle/Contents/Info.plist")]
failures = []
if len(library) != 1:
    failures.append(f"expected one libtessera_ifd.so in the install plan, got {library}")
elif not library[0].endswith("tessera.bundle/Contents/Linux/libtessera_ifd.so"):
    failures.append(f"the library is not inside the bundle: {library[0]}")
if len(plist) != 1:
    failures.append(f"expected the bundle's Info.plist in the install plan, got {plist}")
elif library and plist[0].rsplit("/Contents/", 1)[0] != library[0].rsplit("/Contents/", 1)[0]:
    failures.append(f"library and Info.plist in different bundles: {library[0]} {plist[0]}")
for failure in failures:
    print("FAIL:", failure)
if not failures:
    print("ok:", library[0], "and", plist[0])
sys.exit(1 if failures else 0)
