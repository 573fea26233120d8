#!/usr/bin/env python3
"""Tests `tessera atr`: the exact JSON keys, decoded values, exit codes and input forms.

Usage: test_tool_atr.py PATH_TO_TESSERA. Exits 0 when every check passes, 1 otherwise,
naming each failed check on stderr.
"""
import json
import subprocess
import sys

KEYS = ["valid", "error", "warnings", "convention", "ts", "t0", "interface", "historical", "tck",
        "tck_ok", "protocols", "specific_mode", "fi", "di", "fmax_khz", "n", "ifsc", "bwi",
        "cwi", "edc"]
LEVEL_KEYS = ["ta", "tb", "tc", "td"]

JCOP = "3B F8 13 00 00 81 31 FE 45 4A 43 4F 50 76 32 34 31 B7"
CONTACTLESS = "3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A"
INVERSE = "3F 65 25 08 36 04 6C 90 00"
INVERSE_RAW = "03 59 5B EF 93 DF C9 F6 FF"
SAM = "3B DE 18 FF 81 F1 FE 43 00 3F 07 83 44 45 53 46 69 72 65 38 20 53 41 4D 2D 58 17"
T1_CRC = "3B 96 18 81 71 80 23 01 41 42 43 44 45 46 DB"  # IFSC 128, BWI 2, CWI 3, CRC

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def run(tool, *args):
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=30)


def run_json(tool, *args, expect_code):
    result = run(tool, "atr", "--json", *args)
    label = " ".join(args)
    check(result.returncode == expect_code,
          f"atr --json {label}: exit {result.returncode}, expected {expect_code}")
    try:
        data = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        failures.append(f"atr --json {label}: output is not JSON ({error}): {result.stdout!r}")
        return None
    check(result.stdout.count("\n") == 1, f"atr --json {label}: not exactly one line")
    check(isinstance(data, dict) and list(data.keys()) == KEYS,
          f"atr --json {label}: keys {list(data.keys())}")
    for level in data.get("interface") or []:
        check(list(level.keys()) == LEVEL_KEYS, f"atr --json {label}: level keys {level}")
        for value in level.values():
            check(value is None or (len(value) == 2 and value == value.upper()),
                  f"atr --json {label}: interface byte {value!r}")
    return data


def expect(data, label, **values):
    if data is None:
        return
    for key, value in values.items():
        check(data.get(key) == value,
              f"{label}: {key} = {data.get(key)!r}, expected {value!r}")


def test_valid(tool):
    data = run_json(tool, JCOP, expect_code=0)
    expect(data, "JCOP", valid=True, error=None, convention="direct", ts="3B", t0="F8",
           interface=[{"ta": "13", "tb": "00", "tc": "00", "td": "81"},
                      {"ta": None, "tb": None, "tc": None, "td": "31"},
                      {"ta": "FE", "tb": "45", "tc": None, "td": None}],
           historical="4A434F5076323431", tck="B7", tck_ok=True, protocols=[1],
           specific_mode=False, fi=372, di=4, fmax_khz=5000, n=0, ifsc=254, bwi=4, cwi=5,
           edc="lrc")

    data = run_json(tool, CONTACTLESS, expect_code=0)
    expect(data, "contactless", valid=True, protocols=[0, 1], tck="6A", tck_ok=True,
           historical="804F0CA00000030603000100000000", fi=372, di=1, n=0, ifsc=32,
           bwi=4, cwi=13, edc="lrc")

    data = run_json(tool, "3B 02 14 50", expect_code=0)
    expect(data, "minimal T=0", valid=True, interface=[], historical="1450", tck=None,
           tck_ok=None, protocols=[0], specific_mode=False, fi=372, di=1, fmax_khz=5000,
           n=0, ifsc=32, bwi=4, cwi=13, edc="lrc")

    data = run_json(tool, SAM, expect_code=0)
    expect(data, "SAM", valid=True, n=255, di=12, cwi=3, tck="17", protocols=[1])

    data = run_json(tool, T1_CRC, expect_code=0)
    expect(data, "T=1 CRC", valid=True, protocols=[1], fi=372, di=12, ifsc=128, bwi=2,
           cwi=3, edc="crc", historical="414243444546", tck_ok=True)

    data = run_json(tool, "3B 90 96 91 81 11 FE F9", expect_code=0)
    expect(data, "specific mode", valid=True, specific_mode=True, fi=512, di=32,
           fmax_khz=5000, ifsc=254)


def test_inverse(tool):
    for label, text in (("inverse", INVERSE), ("raw inverse", INVERSE_RAW)):
        data = run_json(tool, text, expect_code=0)
        expect(data, label, valid=True, convention="inverse", ts="3F", t0="65",
               interface=[{"ta": None, "tb": "25", "tc": "08", "td": None}],
               historical="36046C9000", tck=None, tck_ok=None, protocols=[0], n=8)


def test_invalid(tool):
    nulls_after_ts = dict(t0=None, interface=None, historical=None, tck=None, tck_ok=None,
                          protocols=None, specific_mode=None, fi=None, di=None,
                          fmax_khz=None, n=None, ifsc=None, bwi=None, cwi=None, edc=None)

    data = run_json(tool, JCOP[:-2] + "B6", expect_code=1)
    expect(data, "bad TCK", valid=False, error="TCK mismatch", tck="B6", tck_ok=False,
           ifsc=254, protocols=[1], historical="4A434F5076323431")

    data = run_json(tool, "3C 00", expect_code=1)
    expect(data, "invalid TS", valid=False, convention=None, ts="3C", **nulls_after_ts)
    check(data is not None and isinstance(data["error"], str) and data["error"],
          "invalid TS: error is not a message")

    data = run_json(tool, "3B", expect_code=1)
    expect(data, "no T0", valid=False, convention="direct", ts="3B", **nulls_after_ts)

    data = run_json(tool, "3B F8 13", expect_code=1)
    expect(data, "truncated interface", valid=False, t0="F8",
           interface=[{"ta": "13", "tb": None, "tc": None, "td": None}], historical=None,
           protocols=None, fi=None, ifsc=None, edc=None)

    data = run_json(tool, "3B 02 14", expect_code=1)
    expect(data, "truncated historical", valid=False, historical="14", tck=None,
           protocols=[0], fi=372)

    data = run_json(tool, "3B 80 01", expect_code=1)
    expect(data, "missing TCK", valid=False, tck=None, tck_ok=None, protocols=[1])

    data = run_json(tool, "3B 02 14 50 00", expect_code=1)
    expect(data, "trailing", valid=False, historical="1450")

    data = run_json(tool, "3B 80 81 0F", expect_code=1)
    expect(data, "missing TCK with T=1 and T=15", valid=False, error="TCK missing",
           protocols=[1], warnings=[])

    # An invalid ATR still lists the deviations found in what was decoded.
    data = run_json(tool, "3B 10 71 00", expect_code=1)
    expect(data, "reserved FI, trailing byte", valid=False,
           error="bytes after the end of the ATR", warnings=[WARNING["reserved_fi"]])
    data = run_json(tool, "3C 00", expect_code=1)
    expect(data, "invalid TS: no warnings", warnings=[])

    errors = set()
    for text in ("3C 00", "3B", "3B F8 13", "3B 02 14", "3B 80 01", "3B 02 14 50 00",
                 JCOP[:-2] + "B6"):
        data = run_json(tool, text, expect_code=1)
        if data is not None:
            errors.add(data["error"])
    check(len(errors) == 7, f"error messages are not distinct: {sorted(errors)}")


# The text of each warning (iso7816/atr_error.cpp), as the JSON lists it.
WARNING = {
    "reserved_fi": "reserved FI in TA1 (ISO 7816-3 Table 7): TA1 not used, Fd/Dd without PPS",
    "reserved_di": "reserved DI in TA1 (ISO 7816-3 Table 8): TA1 not used, Fd/Dd without PPS",
    "td1_t15": "TD1 indicates T=15 (ISO 7816-3 8.2.3): TA2/TB2 read as global bytes, "
               "protocols from the later TDs, T=0 when none",
    "specific_mode_t15": "TA2 names T=15 (ISO 7816-3 8.3): TA2 not used, negotiable mode",
    "specific_protocol_not_offered": "TA2 names a protocol no TD offers (ISO 7816-3 8.3): "
                                     "TA2's protocol used",
    "reserved_wi": "reserved WI 00 in TC2 (ISO 7816-3 10.2): WI 10 used",
    "invalid_ifsc": "invalid IFSC 00 or FF (ISO 7816-3 11.4.2): IFSC 32 used",
    "reserved_bwi": "reserved BWI A to F (ISO 7816-3 11.4.3): BWI 4 used",
    "reserved_edc_bits": "reserved bits set in the first TC for T=1 (ISO 7816-3 11.4.4): "
                         "EDC from b1",
    "no_class_indicated": "class indicator names no class A, B or C (ISO 7816-3 8.3): not used",
    "tck_absent": "TCK absent although T=15 is indicated (ISO 7816-3 8.2.5): only T=0 "
                  "offered, accepted unchecked",
}

# Cards from the field whose ATR holds reserved or contradictory values (pcsc-tools'
# smartcard_list.txt), and constructed ones: valid, exit 0, each deviation a warning, the
# parameters the defaults. Inverse-convention cards are given as a card list shows them
# (TS 3F, logical bytes).
DEVIANTS = [
    ("Conax: TA1 00", "3B 34 00 00 30 42 30 30", ["reserved_di"],
     dict(fi=372, di=1, fmax_khz=4000, protocols=[0], specific_mode=False)),
    ("DNIe: TA1 7F", "3B 3B 7F 38 00 00 00 6A 44 4E 49 65 10 02 4C",
     ["reserved_fi", "reserved_di"], dict(fi=372, di=1, fmax_khz=5000, protocols=[0])),
    ("Sky Italia: inverse, TA1 FF, specific mode",
     "3F FD FF 25 02 50 80 0F 54 B0 04 69 FF 4A 50 D0 80 00 49 54 03",
     ["reserved_fi", "reserved_di"],
     dict(convention="inverse", ts="3F", t0="FD", fi=372, di=1, specific_mode=True, n=2,
          interface=[{"ta": "FF", "tb": "25", "tc": "02", "td": "50"},
                     {"ta": "80", "tb": None, "tc": "0F", "td": None}])),
    ("IBM MFC: IFSC FF",
     "3B EF 00 FF 81 31 FF 65 49 42 4D 20 4D 46 43 39 32 32 39 32 38 39 30 17",
     ["invalid_ifsc"], dict(ifsc=32, bwi=6, cwi=5, protocols=[1], tck_ok=True)),
    ("SIM: T=0 and T=15 without TCK",
     "3B 9E 96 80 1F C7 80 31 E0 73 FE 21 1B 66 D0 01 77 97 0D 00", ["tck_absent"],
     dict(protocols=[0], tck=None, tck_ok=None, fi=512, di=32)),
    ("eToken R2: TD1 T=15", "3B 81 1F 00 CC 52", ["td1_t15", "no_class_indicated"],
     dict(protocols=[0], specific_mode=False, tck_ok=True)),
    ("IFSC 00", "3B 80 81 11 00 10", ["invalid_ifsc"], dict(ifsc=32, tck_ok=True)),
    ("BWI A", "3B 80 81 21 A4 84", ["reserved_bwi"], dict(bwi=4, cwi=4)),
    ("WI 00", "3B 80 40 00", ["reserved_wi"], dict(protocols=[0])),
    ("TD1 T=15 only", "3B 80 0F 8F", ["td1_t15"], dict(protocols=[0])),
    ("TA2 T=15", "3B 80 10 8F", ["specific_mode_t15"], dict(specific_mode=False)),
    ("reserved FI", "3B 10 71", ["reserved_fi"], dict(fi=372, di=1, fmax_khz=5000)),
]


def test_deviants(tool):
    for label, text, warnings, values in DEVIANTS:
        data = run_json(tool, text, expect_code=0)
        expect(data, label, valid=True, error=None,
               warnings=[WARNING[name] for name in warnings], **values)
        result = run(tool, "atr", text)
        check(result.returncode == 0, f"text {label}: exit {result.returncode}")
        check("\nvalid ATR\n" in result.stdout, f"text {label}: not 'valid ATR'")
        for name in warnings:
            check(f"Warning:         {WARNING[name]}\n" in result.stdout,
                  f"text {label}: warning {name} not shown")
        check(result.stdout.count("Warning:") == len(warnings),
              f"text {label}: {result.stdout.count('Warning:')} warning lines")
    # No warning line for a conforming ATR, and an empty array.
    result = run(tool, "atr", JCOP)
    check("Warning" not in result.stdout, "text JCOP: a warning line")
    data = run_json(tool, JCOP, expect_code=0)
    expect(data, "JCOP", warnings=[])
    # The text shows the bytes as sent, the parameters as used.
    result = run(tool, "atr", "3B 34 00 00 30 42 30 30")
    for needle in ("TA1  00  FI = 0, DI = 0: Fi = 372, Di = reserved, fmax = 4 MHz",
                   "Fi / Di / fmax:  372 / 1 / 4 MHz"):
        check(needle in result.stdout, f"text Conax: missing {needle!r}")
    result = run(tool, "atr", "3B 81 1F 00 CC 52")
    check("TA2  00  classes none" in result.stdout and "Mode:            negotiable" in result.stdout,
          f"text eToken: TA2 not a class indicator: {result.stdout!r}")


def test_inverse_deviants(tool):
    """The Sky Italia card three ways: as a card list shows it (3F + logical bytes), as the
    raw wire image (03 ...), and with colons; the same JSON each time."""
    logical = "3F FD FF 25 02 50 80 0F 54 B0 04 69 FF 4A 50 D0 80 00 49 54 03"
    raw = " ".join(f"{inverse_byte(int(b, 16)):02X}" for b in logical.split())
    check(raw.startswith("03 "), f"raw image of the Sky card: {raw}")
    reference = run(tool, "atr", "--json", logical).stdout
    for form in (raw, logical.replace(" ", ":"), logical.lower()):
        result = run(tool, "atr", "--json", form)
        check(result.returncode == 0 and result.stdout == reference,
              f"Sky card as {form!r}: exit {result.returncode}, {result.stdout!r}")
    result = run(tool, "atr", raw)
    check(result.returncode == 0 and "raw image of an inverse-convention card" in result.stdout
          and "decoded: " + logical in result.stdout and "Warning:" in result.stdout,
          f"text raw Sky card: {result.stdout!r}")


def inverse_byte(value):
    """A byte as a direct-convention receiver reads an inverse-convention card's byte."""
    reversed_bits = int(f"{value:08b}"[::-1], 2)
    return reversed_bits ^ 0xFF


def test_input_forms(tool):
    reference = run(tool, "atr", "--json", JCOP).stdout
    forms = [
        [JCOP.replace(" ", "")],
        [JCOP.replace(" ", ":")],
        [JCOP.lower()],
        JCOP.split(),
        ["3B F8 13 00", "00:81:31:FE", "454A434F5076323431B7"],
        ["--", JCOP],
    ]
    for form in forms:
        result = run(tool, "atr", "--json", *form)
        check(result.returncode == 0 and result.stdout == reference,
              f"input form {form}: exit {result.returncode}, output {result.stdout!r}")
    result = run(tool, "atr", JCOP.replace(" ", ""), "--json")
    check(result.returncode == 0 and result.stdout == reference, "--json after the HEX")


def test_text(tool):
    result = run(tool, "atr", JCOP)
    check(result.returncode == 0, f"text JCOP: exit {result.returncode}")
    for needle in ("TA1  13", "IFSC = 254", "BWI = 4, CWI = 5", "TCK  B7  correct",
                   "JCOPv241", "valid ATR", "372 / 4 / 5 MHz"):
        check(needle in result.stdout, f"text JCOP: missing {needle!r}")
    result = run(tool, "atr", INVERSE_RAW)
    check(result.returncode == 0 and "inverse convention" in result.stdout,
          "text raw inverse")
    result = run(tool, "atr", JCOP[:-2] + "B6")
    check(result.returncode == 1 and "wrong, expected B7" in result.stdout
          and "invalid ATR: TCK mismatch" in result.stdout, "text bad TCK")


def test_usage(tool):
    for args in (["atr"], ["atr", "--json"], ["atr", "3B 8G"], ["atr", "3B8"],
                 ["atr", "0x3B"], ["atr", "--bogus", "3B00"], [], ["nosuchcommand"]):
        result = run(tool, *args)
        check(result.returncode == 2, f"usage {args}: exit {result.returncode}, expected 2")
        check(result.stdout == "", f"usage {args}: wrote to stdout: {result.stdout!r}")
        check(result.stderr != "", f"usage {args}: nothing on stderr")
    for args in (["--help"], ["-h"], ["atr", "--help"]):
        result = run(tool, *args)
        check(result.returncode == 0 and "usage" in result.stdout, f"help {args}")
    result = run(tool, "--help")
    check("atr" in result.stdout, "--help lists the atr command")


def main():
    if len(sys.argv) != 2:
        print("usage: test_tool_atr.py PATH_TO_TESSERA", file=sys.stderr)
        return 2
    tool = sys.argv[1]
    tests = [test_valid, test_inverse, test_invalid, test_deviants, test_inverse_deviants,
             test_input_forms, test_text, test_usage]
    for test in tests:
        test(tool)
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print(f"{len(tests)} test groups, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
