#!/usr/bin/env python3
"""Writes a C++ source file that holds a text file's bytes, for the library to carry.

usage: embed_text.py INPUT OUTPUT FUNCTION

OUTPUT defines `std::string_view tessera::config::FUNCTION()` returning INPUT's bytes
unchanged. The bytes go in as a numeric array, so no content can break the C++ syntax.
"""
import sys
from pathlib import Path


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    source, output, function = Path(argv[1]), Path(argv[2]), argv[3]
    data = source.read_bytes()
    rows = []
    for start in range(0, len(data), 20):
        rows.append("    " + ", ".join(str(b) for b in data[start:start + 20]) + ",")
    text = "\n".join([
        f"// Generated from {source.name} by config/embed_text.py at build time: do not edit.",
        "#include <string_view>",
        "",
        "namespace tessera::config {",
        "namespace {",
        "constexpr char kText[] = {",
        *rows,
        "    0};",
        "}  // namespace",
        "",
        f"std::string_view {function}() {{ return {{kText, sizeof kText - 1}}; }}",
        "",
        "}  // namespace tessera::config",
        "",
    ])
    output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
