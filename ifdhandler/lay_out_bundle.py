#!/usr/bin/env python3
"""Lays out a pcscd bundle: lay_out_bundle.py BUNDLE_DIR LIBRARY INFO_PLIST STAMP.

BUNDLE_DIR/Contents/Info.plist and BUNDLE_DIR/Contents/Linux/<library> are copies (not
links: pcscd may read them from inside a mount namespace where the build tree differs).
"""
import os
import shutil
import sys

bundle, library, plist, stamp = sys.argv[1:5]
lib_dir = os.path.join(bundle, "Contents", "Linux")
os.makedirs(lib_dir, exist_ok=True)
shutil.copyfile(plist, os.path.join(bundle, "Contents", "Info.plist"))
target = os.path.join(lib_dir, os.path.basename(library))
shutil.copyfile(library, target + ".tmp")
os.replace(target + ".tmp", target)
with open(stamp, "w") as f:
    f.write(bundle + "\n")
