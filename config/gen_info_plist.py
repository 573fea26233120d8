#!/usr/bin/env python3
"""Generates the driver bundle's Info.plist from the reader database (readers.conf).

usage: gen_info_plist.py DATABASE OUTPUT --executable FILE --version VERSION
                         [--identifier ID] [--log-level N] [--driver-options N]

pcscd's libudev hotplug binds a USB reader only to a bundle whose Info.plist lists the
reader's VID/PID, so every reader of the database goes into the three arrays
ifdVendorID, ifdProductID and ifdFriendlyName (same order, same length). pcscd reads the
file with a line lexer, not an XML parser: each <string> element is written on a line of
its own, and comments never contain markup.

The database is checked as strictly as the C++ parser does (config/reader_database.cpp):
any malformed line stops the build with "FILE:LINE: message".
"""
import argparse
import re
import sys
from pathlib import Path

QUIRKS = {
    "vendor_interface_class", "proprietary_descriptor_type", "clock_list_wrong_size",
    "data_rate_list_wrong_size", "clock_request_refused", "data_rate_request_refused",
    "zero_length_packet",
}
NAME_CHARACTERS = re.compile(r"^[A-Za-z0-9 !#$%()*+,\-./:=?@_~']+$")
MAX_NAME_LENGTH = 100
READER = re.compile(r"^reader[ \t]+(\S*)(?:[ \t]+(.*))?$")
QUIRK = re.compile(r"^[ \t]+quirk[ \t]+(.*)$")
SECTION = re.compile(r"^\[[a-z0-9_-]+\]$")
USB_IDS = re.compile(r"^([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})$")
RANGE = re.compile(r"^bcdDevice[ \t]*([0-9A-Fa-f]{4})(?:-([0-9A-Fa-f]{4}))?$")


class DatabaseError(Exception):
    pass


def parse_database(path):
    """[(vid, pid, name)] in file order; raises DatabaseError naming the line."""
    readers, seen, errors = [], {}, []
    have_reader = False
    for number, raw in enumerate(path.read_bytes().decode("utf-8", "replace").split("\n"), 1):
        line = raw[:-1] if raw.endswith("\r") else raw
        content = line.strip(" \t")
        if not content or content.startswith("#"):
            continue
        indented = line[0] in " \t"
        where = f"{path}:{number}: "
        if not indented and content.startswith("["):
            if not SECTION.match(content):
                errors.append(where + f"bad section {content!r}")
            have_reader = False
        elif not indented and READER.match(line.rstrip(" \t")):
            have_reader = False
            ids, name = READER.match(line.rstrip(" \t")).groups()
            match = USB_IDS.match(ids)
            name = (name or "").strip(" \t")
            if not match:
                errors.append(where + f"expected VVVV:PPPP, found {ids!r}")
            elif not name or len(name) > MAX_NAME_LENGTH or not NAME_CHARACTERS.match(name):
                errors.append(where + f"bad reader name {name!r}")
            else:
                vid, pid = int(match[1], 16), int(match[2], 16)
                if (vid, pid) in seen:
                    errors.append(where + f"reader {ids} already listed on line {seen[(vid, pid)]}")
                else:
                    seen[(vid, pid)] = number
                    readers.append((vid, pid, name))
                    have_reader = True
        elif indented and QUIRK.match(line):
            rest = QUIRK.match(line)[1]
            head, colon, reason = rest.partition(":")
            words = head.strip(" \t").split(None, 1)
            flag = words[0] if words else ""
            bounds = RANGE.match(words[1].strip()) if len(words) > 1 else None
            if flag not in QUIRKS:
                errors.append(where + f"unknown quirk flag {flag!r}")
            elif len(words) > 1 and (not bounds or (bounds[2] and int(bounds[1], 16) > int(bounds[2], 16))):
                errors.append(where + f"bad bcdDevice range {words[1]!r}")
            elif not colon or not reason.strip(" \t"):
                errors.append(where + f"quirk {flag} has no reason")
            elif not have_reader:
                errors.append(where + "quirk line without a reader")
        else:
            errors.append(where + f"malformed line {content[:60]!r}")
    if errors:
        raise DatabaseError("\n".join(errors))
    return readers


def info_plist(readers, executable, version, identifier, log_level, driver_options):
    def key_string(key, value):
        return [f"\t<key>{key}</key>", f"\t<string>{value}</string>"]

    def array(key, values):
        return [f"\t<key>{key}</key>", "\t<array>",
                *(f"\t\t<string>{value}</string>" for value in values), "\t</array>"]

    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
        '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
        '<plist version="1.0">',
        "<!-- Generated from config/readers.conf by config/gen_info_plist.py: change those.",
        "     The command tessera bundle add-reader appends a reader to the three lists below",
        "     of an installed copy. -->",
        "<dict>",
        *key_string("CFBundleDevelopmentRegion", "English"),
        *key_string("CFBundleExecutable", executable),
        *key_string("CFBundleIdentifier", identifier),
        *key_string("CFBundleInfoDictionaryVersion", "6.0"),
        # Not CCIDCLASSDRIVER: pcscd prefers a bundle with another name for a VID/PID that
        # several bundles list, and falls back to the class driver if this one fails.
        *key_string("CFBundleName", "tessera"),
        *key_string("CFBundlePackageType", "BNDL"),
        *key_string("CFBundleShortVersionString", version),
        *key_string("CFBundleSignature", "????"),
        *key_string("CFBundleVersion", version),
        *key_string("ifdCapabilities", "0x00000000"),
        "\t<!-- ifdLogLevel, a sum of: 1 critical, 2 information, 4 communication with the",
        "\t     reader (PIN blocks masked), 8 card presence polling. Environment variable",
        "\t     TESSERA_LOG_LEVEL overrides it. -->",
        *key_string("ifdLogLevel", f"0x{log_level:04X}"),
        "\t<!-- ifdDriverOptions: 0x0001 allows CCID escape commands through",
        "\t     SCardControl (off by default). TESSERA_ESCAPE=1 or 0 overrides it. -->",
        *key_string("ifdDriverOptions", f"0x{driver_options:04X}"),
        "\t<!-- First power-on voltage: auto, 5V, 3V or 1.8V (TESSERA_POWER_ON_VOLTAGE). -->",
        *key_string("tesseraPowerOnVoltage", "auto"),
        "\t<!-- Longest wait for one reader answer, time extensions included, in seconds",
        "\t     (TESSERA_MAX_TRANSFER_TIMEOUT). -->",
        *key_string("tesseraMaxTransferTimeout", "120"),
        *array("ifdVendorID", (f"0x{vid:04X}" for vid, _, _ in readers)),
        *array("ifdProductID", (f"0x{pid:04X}" for _, pid, _ in readers)),
        *array("ifdFriendlyName", (name for _, _, name in readers)),
        *key_string("Copyright", "tessera, LGPL-2.1-or-later"),
        "</dict>",
        "</plist>",
        "",
    ]
    return "\n".join(lines)


def number(text):
    return int(text, 0)


def main(argv):
    parser = argparse.ArgumentParser(description="Generate the bundle's Info.plist.")
    parser.add_argument("database", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--executable", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--identifier", default="org.tessera.ifdhandler")
    parser.add_argument("--log-level", type=number, default=0x0003)
    parser.add_argument("--driver-options", type=number, default=0x0000)
    args = parser.parse_args(argv)
    try:
        readers = parse_database(args.database)
    except DatabaseError as error:
        sys.stderr.write(f"{error}\n")
        return 1
    args.output.write_text(info_plist(readers, args.executable, args.version, args.identifier,
                                      args.log_level, args.driver_options))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
