#!/usr/bin/env python3
"""Tests `tessera bundle list` and `tessera bundle add-reader` on copies of the build's
generated Info.plist: what is listed, what an addition changes (three lines, nothing
else), and that every refusal (duplicate, bad ID, bad name, broken file) has its exit
code and message and leaves the file byte for byte as it was.

The lists are read here independently of the C++ code: with plistlib (a full XML plist
parser) and with a line check as pcscd's lexer needs it (every <string> of the three
lists on one line; the three arrays of equal length).

Usage: test_tool_bundle.py PATH_TO_TESSERA PATH_TO_INFO_PLIST DEFAULT_BUNDLE_DIR
Exits 0 when every check passes, 1 otherwise, naming each failed check on stderr.
"""
import difflib
import os
import plistlib
import re
import shutil
import subprocess
import sys
import tempfile

LIST_KEYS = ("ifdVendorID", "ifdProductID", "ifdFriendlyName")
NEW_VID, NEW_PID = 0xF055, 0x0001  # not in readers.conf (checked below)

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def run(tool, *args):
    return subprocess.run([tool, "bundle", *args], capture_output=True, text=True, timeout=30)


def read_lists(path):
    """The readers of an Info.plist as (vid, pid, name) tuples, checked the way pcscd
    needs them: parseable, three string arrays of one length, each <string> on a line."""
    with open(path, "rb") as handle:
        data = handle.read()
    root = plistlib.loads(data, fmt=plistlib.FMT_XML)
    lists = [root[key] for key in LIST_KEYS]
    for key, values in zip(LIST_KEYS, lists):
        assert isinstance(values, list) and all(isinstance(v, str) for v in values), key
    assert len({len(values) for values in lists}) == 1, "arrays differ in length"
    text = data.decode("utf-8")
    for key in LIST_KEYS:
        start = text.index(f"<key>{key}</key>")
        body = text[start:text.index("</array>", start)]
        for line in body.splitlines():
            assert line.count("<string>") == line.count("</string>"), f"split line {line!r}"
        assert len(re.findall(r"<string>[^<\n]*</string>", body)) == len(lists[0]), key
    return [(int(v, 16), int(p, 16), n) for v, p, n in zip(*lists)]


def listing(readers):
    return "".join(f"{vid:04X}:{pid:04X} {name}\n" for vid, pid, name in readers)


def make_bundle(scratch, name, text):
    bundle = os.path.join(scratch, name)
    os.makedirs(os.path.join(bundle, "Contents"))
    plist = os.path.join(bundle, "Contents", "Info.plist")
    with open(plist, "w", encoding="utf-8") as handle:
        handle.write(text)
    return bundle, plist


def content(path):
    with open(path, "rb") as handle:
        return handle.read()


def expect_refused(tool, plist, args, code, needle, label):
    """Runs the command, expects `code`, `needle` on stderr, nothing on stdout and the file
    unchanged."""
    before = content(plist)
    result = run(tool, *args)
    check(result.returncode == code, f"{label}: exit {result.returncode}, expected {code} "
          f"(stderr {result.stderr!r})")
    check(result.stdout == "", f"{label}: wrote to stdout {result.stdout!r}")
    check(needle.lower() in result.stderr.lower(), f"{label}: stderr {result.stderr!r} "
          f"lacks {needle!r}")
    check(content(plist) == before, f"{label}: the Info.plist changed")
    check(sorted(os.listdir(os.path.dirname(plist))) == ["Info.plist"],
          f"{label}: left files behind: {os.listdir(os.path.dirname(plist))}")


def test_list(tool, original, scratch):
    bundle, plist = make_bundle(scratch, "list.bundle", original)
    readers = read_lists(plist)
    check(len(readers) > 100, f"the generated Info.plist lists only {len(readers)} readers")
    check(all((vid, pid) != (NEW_VID, NEW_PID) for vid, pid, _ in readers),
          "the test's new reader is already in readers.conf: pick another ID")
    for args in (["list", "--bundle", bundle], ["list", f"--bundle={bundle}"]):
        result = run(tool, *args)
        check(result.returncode == 0, f"list {args}: exit {result.returncode} {result.stderr!r}")
        check(result.stdout == listing(readers), f"list {args}: output differs from the plist")
        check(result.stderr == "", f"list {args}: stderr {result.stderr!r}")

    empty_text = re.sub(r"(<key>(?:ifdVendorID|ifdProductID|ifdFriendlyName)</key>\s*)"
                        r"<array>.*?</array>", r"\1<array>\n\t</array>", original, flags=re.S)
    empty_bundle, empty_plist = make_bundle(scratch, "empty.bundle", empty_text)
    check(read_lists(empty_plist) == [], "the empty-list fixture still lists readers")
    result = run(tool, "list", "--bundle", empty_bundle)
    check(result.returncode == 0 and result.stdout == "", f"empty list: {result!r}")
    result = run(tool, "add-reader", "--bundle", empty_bundle, "1209", "0x00aB", "First")
    check(result.returncode == 0, f"add to empty lists: exit {result.returncode} {result.stderr!r}")
    check(read_lists(empty_plist) == [(0x1209, 0x00AB, "First")], "add to empty lists: lists")
    check(run(tool, "list", "--bundle", empty_bundle).stdout == "1209:00AB First\n",
          "add to empty lists: list output")


def test_add(tool, original, scratch):
    bundle, plist = make_bundle(scratch, "add.bundle", original)
    before = read_lists(plist)
    name = "Test Reader 1"
    result = run(tool, "add-reader", "--bundle", bundle, f"{NEW_VID:04x}", f"{NEW_PID:X}", name)
    check(result.returncode == 0, f"add: exit {result.returncode} {result.stderr!r}")
    check("restart pcscd" in result.stdout, f"add: does not say to restart pcscd: {result.stdout!r}")
    check(f"{NEW_VID:04X}:{NEW_PID:04X}" in result.stdout and plist in result.stdout,
          f"add: does not say what was added where: {result.stdout!r}")
    after = read_lists(plist)
    check(after == before + [(NEW_VID, NEW_PID, name)], "add: the lists are not old + new")

    # Exactly three lines were inserted, one per list, each a one-line <string>.
    diff = [line for line in difflib.ndiff(original.splitlines(), content(plist).decode()
                                           .splitlines()) if line[:1] in "+-?"]
    expected = [f"<string>0x{NEW_VID:04X}</string>", f"<string>0x{NEW_PID:04X}</string>",
                f"<string>{name}</string>"]
    check([line[:1] for line in diff] == ["+"] * 3, f"add: changed more than 3 lines: {diff}")
    check([line[1:].strip() for line in diff] == expected, f"add: inserted {diff}")
    check(all(line[2:].startswith("\t\t<string>") for line in diff),
          f"add: indentation differs from the neighbours: {diff}")

    result = run(tool, "list", "--bundle", bundle)
    check(result.returncode == 0 and result.stdout.endswith(
        f"{NEW_VID:04X}:{NEW_PID:04X} {name}\n"), "list after add: new reader not last")
    check(result.stdout == listing(after), "list after add: output differs from the plist")

    # Every character pcscd accepts survives the round trip; 0x and lower case IDs.
    punctuation = "Odd !#$%()*+,-./:=?@_~' 09 Name"
    result = run(tool, "add-reader", "--bundle", bundle, "0xf055", "0X2", punctuation)
    check(result.returncode == 0, f"add punctuation: exit {result.returncode} {result.stderr!r}")
    check(read_lists(plist)[-1] == (0xF055, 0x0002, punctuation), "add punctuation: entry")
    result = run(tool, "add-reader", "--bundle", bundle, "--", "F055", "3", "x" * 100)
    check(result.returncode == 0, f"add 100-character name: exit {result.returncode}")
    check(len(read_lists(plist)) == len(before) + 3, "three additions give three entries")

    # Duplicates: the one just added, in another spelling, and one from readers.conf.
    vid, pid, listed_name = before[0]
    for args, label in (([f"0x{NEW_VID:04X}", "0001", "Other Name"], "duplicate of added"),
                        ([f"{vid:x}", f"0x{pid:x}", listed_name], "duplicate of readers.conf")):
        expect_refused(tool, plist, ["add-reader", "--bundle", bundle, *args], 1,
                       "already listed", label)


def test_bad_input(tool, original, scratch):
    bundle, plist = make_bundle(scratch, "bad.bundle", original)
    bad_ids = ["12345", "xyz", "", "+12", "0x", "0x0x12", " 12", "12 ", "1_2", "0x10000"]
    for bad in bad_ids:
        for args in ([bad, "0001"], ["0001", bad]):
            expect_refused(tool, plist, ["add-reader", "--bundle", bundle, *args, "Name"], 2,
                           "not a USB ID", f"bad ID {args!r}")
    bad_names = ["", "   ", " Lead", "Trail ", "A<B", "A&B", "A;B", "Caf\u00e9", "Tab\there",
                 "x" * 101, "Line\nbreak", 'Quote"d']
    for bad in bad_names:
        expect_refused(tool, plist, ["add-reader", "--bundle", bundle, "F055", "9", bad], 2,
                       "cannot list the name", f"bad name {bad!r}")
    usage = [["add-reader", "--bundle", bundle, "F055", "9"],
             ["add-reader", "--bundle", bundle, "F055", "9", "Two", "Words"],
             ["add-reader", "--bundle", bundle],
             ["add-reader", "--bogus", "--bundle", bundle, "F055", "9", "N"],
             ["add-reader", "F055", "9", "N", "--bundle"],
             ["list", "--bundle", bundle, "extra"],
             ["add-reader", "--bundle", bundle, "-1", "0001", "Name"],
             ["remove-reader", "--bundle", bundle], [], ["--bundle", bundle]]
    for args in usage:
        expect_refused(tool, plist, args, 2, "usage", f"usage {args!r}")
    for args in (["--help"], ["list", "--help"], ["add-reader", "--help"]):
        result = run(tool, *args)
        check(result.returncode == 0 and "usage" in result.stdout and result.stderr == "",
              f"help {args}")


def test_broken_files(tool, original, scratch):
    """Files the tool must refuse with exit 1, unchanged: unparseable, unequal arrays, a
    listed <string> across two lines, a bad listed ID."""
    first_name = re.search(r"<key>ifdFriendlyName</key>\s*<array>\s*<string>([^<]*)</string>",
                           original)
    first_vid = re.search(r"<key>ifdVendorID</key>\s*<array>\s*(<string>[^<]*</string>)",
                          original)
    count = len(plistlib.loads(original.encode("utf-8"))["ifdFriendlyName"])
    cases = {
        "truncated": (original[:len(original) // 2], "line"),
        "not xml": ("this is not a plist\n", "line"),
        "unequal arrays": (original.replace(first_name.group(0), first_name.group(0)
                                            .replace(f"<string>{first_name.group(1)}</string>",
                                                     ""), 1), f"has {count - 1}"),
        "string across lines": (original.replace(
            f"<string>{first_name.group(1)}</string>",
            f"<string>{first_name.group(1)}\n</string>", 1), "spans lines"),
        "bad listed id": (original.replace(first_vid.group(1), "<string>0xZZ</string>", 1),
                          "hex"),
        "no reader lists": (original.replace("<key>ifdProductID</key>", "<key>other</key>"),
                            "ifdProductID"),
    }
    for index, (label, (text, needle)) in enumerate(cases.items()):
        bundle, plist = make_bundle(scratch, f"broken{index}.bundle", text)
        expect_refused(tool, plist, ["add-reader", "--bundle", bundle, "F055", "9", "Name"], 1,
                       needle, f"add to {label}")
        if label != "string across lines":  # listing reads such a file, as pcscd's XML does
            expect_refused(tool, plist, ["list", "--bundle", bundle], 1, needle,
                           f"list of {label}")
    missing = os.path.join(scratch, "missing.bundle")
    for args in (["list", "--bundle", missing],
                 ["add-reader", "--bundle", missing, "F055", "9", "Name"]):
        result = run(tool, *args)
        check(result.returncode == 1 and "cannot read" in result.stderr and
              missing in result.stderr, f"missing bundle {args[0]}: {result!r}")
        check(not os.path.exists(missing), f"missing bundle {args[0]}: created it")


def test_default_bundle(tool, default_bundle):
    """Without --bundle the commands use the installed bundle (meson's bundle_dir)."""
    result = run(tool, "--help")
    check(default_bundle in result.stdout, f"--help does not name {default_bundle}")
    result = run(tool, "list")
    if os.path.exists(os.path.join(default_bundle, "Contents", "Info.plist")):
        check(result.returncode == 0, f"list of the installed bundle: {result!r}")
    else:
        check(result.returncode == 1 and default_bundle in result.stderr,
              f"list without --bundle does not read {default_bundle}: {result.stderr!r}")


def main():
    if len(sys.argv) != 4:
        print("usage: test_tool_bundle.py PATH_TO_TESSERA PATH_TO_INFO_PLIST "
              "DEFAULT_BUNDLE_DIR", file=sys.stderr)
        return 2
    tool, info_plist, default_bundle = sys.argv[1:]
    with open(info_plist, encoding="utf-8") as handle:
        original = handle.read()
    original_bytes = content(info_plist)
    tests = [test_list, test_add, test_bad_input, test_broken_files]
    with tempfile.TemporaryDirectory() as scratch:
        for test in tests:
            test(tool, original, scratch)
    test_default_bundle(tool, default_bundle)
    check(content(info_plist) == original_bytes, "the build's Info.plist itself changed")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print(f"{len(tests) + 1} test groups, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
