#!/usr/bin/env python3
"""Tests `tessera descriptor`: every class descriptor of the reader corpus, in hex, as a
binary file and as the reader dump itself, must give a JSON object whose fields equal what
the dump's text says; plus the text listing, input forms, errors and exit codes.

The descriptor bytes are rebuilt here from the dump text with the CCID rev 1.1 section 5.1
layout (Table 5.1-1), independently of the C++ dump parser.

Usage: test_tool_descriptor.py PATH_TO_TESSERA PATH_TO_READER_CORPUS. Exits 0 when every
check passes, 1 otherwise, naming each failed check on stderr.
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

KEYS = ["bcdCCID", "bMaxSlotIndex", "bVoltageSupport", "dwProtocols", "dwDefaultClock",
        "dwMaximumClock", "bNumClockSupported", "dwDataRate", "dwMaxDataRate",
        "bNumDataRatesSupported", "dwMaxIFSD", "dwSynchProtocols", "dwMechanical",
        "dwFeatures", "dwMaxCCIDMessageLength", "bClassGetResponse", "bClassEnvelope",
        "wLcdLayout", "bPINSupport", "bMaxCCIDBusySlots", "exchange_level"]

# CCID 5.1 Table 5.1-1: field name and struct format, in offset order, little-endian.
LAYOUT = [("bLength", "B"), ("bDescriptorType", "B"), ("bcdCCID", "H"),
          ("bMaxSlotIndex", "B"), ("bVoltageSupport", "B"), ("dwProtocols", "I"),
          ("dwDefaultClock", "I"), ("dwMaximumClock", "I"), ("bNumClockSupported", "B"),
          ("dwDataRate", "I"), ("dwMaxDataRate", "I"), ("bNumDataRatesSupported", "B"),
          ("dwMaxIFSD", "I"), ("dwSynchProtocols", "I"), ("dwMechanical", "I"),
          ("dwFeatures", "I"), ("dwMaxCCIDMessageLength", "I"), ("bClassGetResponse", "B"),
          ("bClassEnvelope", "B"), ("wLcdLayout", "H"), ("bPINSupport", "B"),
          ("bMaxCCIDBusySlots", "B")]
FORMAT = "<" + "".join(code for _, code in LAYOUT)
assert struct.calcsize(FORMAT) == 54


def comment_level(comment):
    """The level a dwFeatures comment names ("01.... TPDU level exchange"), or None."""
    text = comment.lower().strip()
    if not text.endswith("level exchange"):
        return None
    if "extended" in text:
        return "extended_apdu"
    if "short apdu" in text:
        return "short_apdu"
    if "tpdu" in text:
        return "tpdu"
    return "character" if "character" in text else None


FIELD_LINE = re.compile(r"^  ([A-Za-z]+): ?(.*)$")
COMMENT_LINE = re.compile(r"^   +(\S.*)$")

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def field_value(name, text):
    """The integer a dump line prints for one field (format of tools/reader_dump.hpp)."""
    text = text.strip()
    if name == "bcdCCID":  # BCD "1.10": two hex numbers
        major, minor = text.split()[0].split(".")
        return int(major, 16) << 8 | int(minor, 16)
    if name == "dwProtocols":  # "0xHHHH 0xLLLL"
        high, low = text.split()[:2]
        return int(high, 16) << 16 | int(low, 16)
    if name in ("dwDefaultClock", "dwMaximumClock"):  # "4.000 MHz": kHz / 1000
        whole, thousandths = text.split()[0].split(".")
        return int(whole) * 1000 + int(thousandths)
    token = text.split()[0]
    return int(token, 16) if token.lower().startswith("0x") else int(token)


def exchange_level(features):
    """dwFeatures bits 16..18 (CCID 5.1); the highest set bit wins, none: character."""
    if features & 0x40000:
        return "extended_apdu"
    if features & 0x20000:
        return "short_apdu"
    if features & 0x10000:
        return "tpdu"
    return "character"


def read_corpus(directory):
    """Every class descriptor of every dump: a dict per descriptor."""
    found = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".txt"):
            continue
        path = os.path.join(directory, name)
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().replace("\r", "").split("\n")
        interface = None
        interface_class = None
        current = None
        last_field = None
        for line in lines:
            if line.startswith(" idVendor:"):
                current = None
            elif line.startswith(" bInterfaceNumber:"):
                interface = int(line.split(":")[1].split()[0], 0)
            elif line.startswith(" bInterfaceClass:"):
                interface_class = int(line.split(":")[1].split()[0], 0)
            elif line.strip() == "CCID Class Descriptor":
                current = {"file": path, "interface": interface,
                           "interface_class": interface_class, "fields": {},
                           "comments": {}}
                found.append(current)
            elif current is not None and FIELD_LINE.match(line):
                field, text = FIELD_LINE.match(line).groups()
                if field in dict(LAYOUT):
                    current["fields"][field] = field_value(field, text)
                    last_field = field
            elif current is not None and COMMENT_LINE.match(line) and last_field:
                current["comments"].setdefault(last_field, []).append(
                    COMMENT_LINE.match(line).group(1).strip())
    for descriptor in found:
        fields = descriptor["fields"]
        descriptor["raw"] = struct.pack(FORMAT, *(fields[name] for name, _ in LAYOUT))
        expected = {key: fields[key] for key in KEYS[:-1]}
        expected["exchange_level"] = exchange_level(fields["dwFeatures"])
        descriptor["expected"] = expected
    return found


def run(tool, *args):
    return subprocess.run([tool, "descriptor", *args], capture_output=True, text=True,
                          timeout=30)


def run_json(tool, label, *args):
    result = run(tool, "--json", *args)
    if not check(result.returncode == 0,
                 f"{label}: exit {result.returncode}, stderr {result.stderr!r}"):
        return None
    check(result.stdout.count("\n") == 1, f"{label}: not exactly one line")
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        failures.append(f"{label}: output is not JSON ({error}): {result.stdout!r}")
        return None
    check(list(data.keys()) == KEYS, f"{label}: keys {list(data.keys())}")
    return data


def compare(label, data, expected):
    if data is None:
        return
    for key in KEYS:
        check(data.get(key) == expected[key],
              f"{label}: {key} = {data.get(key)!r}, the dump says {expected[key]!r}")


def test_corpus(tool, corpus, scratch):
    descriptors = read_corpus(corpus)
    check(len(descriptors) >= 500, f"only {len(descriptors)} descriptors in the corpus")
    seen_interfaces = set()
    levels = set()
    for index, descriptor in enumerate(descriptors):
        raw = descriptor["raw"]
        expected = descriptor["expected"]
        label = f"{os.path.basename(descriptor['file'])} interface {descriptor['interface']}"
        proprietary = ["--proprietary"] if raw[1] == 0xFF else []
        levels.add(expected["exchange_level"])

        # The level the dump's own comment names (the last one, when several bits are set:
        # they are printed in bit order) agrees with the bits.
        named = [comment_level(comment) for comment in descriptor["comments"].get("dwFeatures", [])]
        named = [level for level in named if level]
        if named:
            check(named[-1] == expected["exchange_level"],
                  f"{label}: the dump says {named[-1]}, the bits {expected['exchange_level']}")

        compare(label + " (hex)", run_json(tool, label, *proprietary, raw.hex(" ").upper()),
                expected)

        binary = os.path.join(scratch, f"descriptor{index}.bin")
        with open(binary, "wb") as handle:
            handle.write(raw)
        compare(label + " (binary file)", run_json(tool, label, *proprietary, binary), expected)

        key = (descriptor["file"], descriptor["interface"])
        if key not in seen_interfaces:  # the first device of a dump with several
            seen_interfaces.add(key)
            compare(label + " (reader dump)",
                    run_json(tool, label, "--interface", str(descriptor["interface"]),
                             descriptor["file"]), expected)

        if proprietary:  # without the option, type FF is an invalid descriptor
            result = run(tool, "--json", raw.hex())
            check(result.returncode == 1 and result.stdout == "" and result.stderr,
                  f"{label}: type FF without --proprietary: exit {result.returncode}")
    check(levels == {"character", "tpdu", "short_apdu", "extended_apdu"},
          f"exchange levels seen: {sorted(levels)}")


ACR38 = ("36 21 00 01 00 01 03 00 00 00 A0 0F 00 00 A0 0F 00 00 00 00 2A 00 00 08 F8 01 00 "
         "00 FE 00 00 00 00 00 00 00 00 00 00 00 30 00 01 00 0F 01 00 00 00 00 00 00 00 01")


def test_input_forms(tool, corpus, scratch):
    reference = run(tool, "--json", ACR38).stdout
    check(json.loads(reference)["dwMaxDataRate"] == 129032, "ACR38 dwMaxDataRate")
    compact = ACR38.replace(" ", "")
    forms = [[compact], [ACR38.replace(" ", ":")], [compact.lower()], ACR38.split(),
             [ACR38[:30], ACR38[30:]], ["--", ACR38],
             [os.path.join(corpus, "ACR38U-CCID.txt")]]
    for form in forms:
        result = run(tool, "--json", *form)
        check(result.returncode == 0 and result.stdout == reference,
              f"input form {form[:2]}: exit {result.returncode}, {result.stdout!r}")
    hex_file = os.path.join(scratch, "acr38.hex")
    with open(hex_file, "w") as handle:
        handle.write(ACR38 + "\n")
    result = run(tool, "--json", hex_file)
    check(result.returncode == 0 and result.stdout == reference, "hex text file")
    result = run(tool, compact, "--json")
    check(result.returncode == 0 and result.stdout == reference, "--json after the HEX")
    # Longer than 54 bytes: the rest is ignored, as parse_class_descriptor does.
    result = run(tool, "--json", ACR38 + " 09 04 00 00")
    check(result.returncode == 0 and result.stdout == reference, "trailing bytes")
    longer = "40" + ACR38[2:] + " 00" * 10  # bLength 64 with 64 bytes present
    data = run_json(tool, "bLength 64", longer)
    check(data is not None and data["bcdCCID"] == 0x0100, "bLength 64 accepted")


def test_text(tool, corpus):
    result = run(tool, os.path.join(corpus, "ACR38U-CCID.txt"))
    check(result.returncode == 0, f"text ACR38: exit {result.returncode}")
    for needle in ("interface 0 of 072F:90CC", "bcdCCID                  0x0100",
                   "CCID rev 1.00", "5.0V", "T=0, T=1", "4.000 MHz", "129032 bps",
                   "0x00000010  automatic ICC clock frequency change",
                   "0x00000020  automatic baud rate change",
                   "0x00010000  TPDU level exchange", "271 bytes", "no PIN pad",
                   "Exchange level: TPDU"):
        check(needle in result.stdout, f"text ACR38: missing {needle!r}")
    for name, _ in LAYOUT:
        check(re.search(rf"^{name} +0x", result.stdout, re.M) is not None,
              f"text ACR38: no line for {name}")
    result = run(tool, os.path.join(corpus, "Access_IS_ATR220_0x0184.txt"))
    check(result.returncode == 0 and "interfaces 0 1 2 3 4" in result.stdout
          and "--interface" in result.stdout, "text: several interfaces named")
    result = run(tool, "--interface", "3", os.path.join(corpus, "Access_IS_ATR220_0x0184.txt"))
    check(result.returncode == 0 and "interface 3 of" in result.stdout, "text: --interface 3")


def test_errors(tool, scratch):
    invalid = {
        "truncated": ACR38[:-3],                        # 53 bytes
        "bLength 53": "35" + ACR38[2:],                  # fields would overlap
        "bLength beyond the bytes": "40" + ACR38[2:],    # 64 announced, 54 given
        "wrong type": ACR38[:3] + "22" + ACR38[5:],
        "interface descriptor": "09 04 00 00 03 0B 00 00 00",
    }
    messages = set()
    for label, text in invalid.items():
        for args in (["--json", text], [text]):
            result = run(tool, *args)
            check(result.returncode == 1, f"{label} {args[0]}: exit {result.returncode}")
            check(result.stdout == "", f"{label}: wrote to stdout {result.stdout!r}")
            check("invalid class descriptor" in result.stderr, f"{label}: stderr {result.stderr!r}")
        messages.add(run(tool, text).stderr)
    check(len(messages) == len(invalid), "error messages are not distinct")

    truncated_file = os.path.join(scratch, "truncated.bin")
    with open(truncated_file, "wb") as handle:
        handle.write(bytes.fromhex(ACR38)[:40])
    result = run(tool, truncated_file)
    check(result.returncode == 1 and "40 bytes" in result.stderr, "truncated binary file")

    bad_dump = os.path.join(scratch, "bad_dump.txt")
    with open(bad_dump, "w") as handle:
        handle.write(" idVendor: 0x072F\n what is this line\n")
    result = run(tool, bad_dump)
    check(result.returncode == 1 and "reader dump" in result.stderr, "invalid reader dump")

    usage = [[], ["--json"], ["zz"], ["36 2"], ["0x36"], ["/nonexistent/descriptor.bin"],
             ["--bogus", ACR38], ["--interface"], ["--interface", "x", ACR38],
             ["--interface", "256", ACR38], ["--interface", "1", ACR38]]
    for args in usage:
        result = run(tool, *args)
        check(result.returncode == 2, f"usage {args}: exit {result.returncode}, expected 2")
        check(result.stdout == "", f"usage {args}: wrote to stdout")
        check(result.stderr != "", f"usage {args}: nothing on stderr")
    result = run(tool, "/nonexistent/descriptor.bin")
    check("neither hex bytes nor a readable file" in result.stderr, "missing file message")
    for args in (["--help"], ["-h"]):
        result = run(tool, *args)
        check(result.returncode == 0 and "usage" in result.stdout, f"help {args}")
    result = subprocess.run([tool, "--help"], capture_output=True, text=True, timeout=30)
    check("descriptor" in result.stdout, "--help lists the descriptor command")


def main():
    if len(sys.argv) != 3:
        print("usage: test_tool_descriptor.py PATH_TO_TESSERA PATH_TO_READER_CORPUS",
              file=sys.stderr)
        return 2
    tool, corpus = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as scratch:
        test_corpus(tool, corpus, scratch)
        test_input_forms(tool, corpus, scratch)
        test_text(tool, corpus)
        test_errors(tool, scratch)
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print(f"4 test groups, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
