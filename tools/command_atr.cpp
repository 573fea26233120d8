#include "tools/command_atr.hpp"

#include <optional>
#include <string>

#include "iso7816/atr.hpp"
#include "base/bytes.hpp"
#include "iso7816/tables.hpp"
#include "tools/command.hpp"
#include "tools/json_writer.hpp"

namespace tessera::tools {

namespace {

using iso7816::Atr;
using iso7816::AtrInspection;
using iso7816::AtrProgress;

constexpr std::string_view kUsage =
    "usage: tessera atr [--json] HEX...\n"
    "  Decodes an Answer-to-Reset (ISO/IEC 7816-3 section 8). HEX may hold spaces or\n"
    "  colons and may be split over several arguments. A first byte 03 is taken as the\n"
    "  raw image of an inverse-convention card and decoded. A value the card may not\n"
    "  send (reserved, invalid, contradictory) is a warning, with the default used\n"
    "  instead; only a structurally broken ATR is invalid.\n"
    "  --json  print one JSON object instead of the text breakdown\n"
    "exit status: 0 valid ATR, 1 invalid ATR, 2 usage error\n";

std::string hex(std::uint8_t byte) {
    return to_hex(ByteView(&byte, 1));
}

bool reached(const AtrInspection& inspection, AtrProgress progress) {
    return inspection.progress >= progress;
}

std::optional<iso7816::Convention> convention_of(const AtrInspection& inspection) {
    if (!reached(inspection, AtrProgress::ts)) {
        return std::nullopt;
    }
    return iso7816::convention_from_ts(inspection.atr.ts);
}

// The TCK the bytes T0 .. last historical byte call for.
std::uint8_t expected_tck(const Atr& atr) {
    Atr without = atr;
    without.tck.reset();
    const Bytes bytes = iso7816::serialize_atr(without);
    return iso7816::compute_tck(ByteView(bytes).subspan(1));
}

// ---- JSON ----------------------------------------------------------------------------

void optional_byte(JsonWriter& json, std::string_view key, std::optional<std::uint8_t> byte) {
    json.key(key);
    if (byte) {
        json.string(hex(*byte));
    } else {
        json.null();
    }
}

void number_if(JsonWriter& json, std::string_view key, bool known, std::int64_t value) {
    json.key(key);
    if (known) {
        json.number(value);
    } else {
        json.null();
    }
}

void write_json(const AtrInspection& inspection, std::ostream& out) {
    const Atr& atr = inspection.atr;
    const bool derived = reached(inspection, AtrProgress::interface_bytes);
    JsonWriter json(out);
    json.begin_object();
    json.key("valid").boolean(inspection.valid());
    json.key("error");
    if (inspection.error) {
        json.string(inspection.error.message());
    } else {
        json.null();
    }
    json.key("warnings").begin_array();
    if (derived) {
        for (const iso7816::AtrWarning warning : atr.warnings) {
            json.string(iso7816::describe(warning));
        }
    }
    json.end_array();
    json.key("convention");
    if (const auto convention = convention_of(inspection)) {
        json.string(*convention == iso7816::Convention::direct ? "direct" : "inverse");
    } else {
        json.null();
    }
    optional_byte(json, "ts",
                  reached(inspection, AtrProgress::ts) ? std::optional(atr.ts) : std::nullopt);
    optional_byte(json, "t0",
                  reached(inspection, AtrProgress::t0) ? std::optional(atr.t0) : std::nullopt);
    json.key("interface");
    if (reached(inspection, AtrProgress::t0)) {
        json.begin_array();
        for (const auto& level : atr.levels) {
            json.begin_object();
            optional_byte(json, "ta", level.ta);
            optional_byte(json, "tb", level.tb);
            optional_byte(json, "tc", level.tc);
            optional_byte(json, "td", level.td);
            json.end_object();
        }
        json.end_array();
    } else {
        json.null();
    }
    json.key("historical");
    if (derived) {
        json.string(to_hex(atr.historical));
    } else {
        json.null();
    }
    optional_byte(json, "tck", atr.tck);
    json.key("tck_ok");
    if (inspection.tck_ok) {
        json.boolean(*inspection.tck_ok);
    } else {
        json.null();
    }
    json.key("protocols");
    if (derived) {
        json.begin_array();
        for (const std::uint8_t protocol : atr.protocols) {
            json.number(protocol);
        }
        json.end_array();
    } else {
        json.null();
    }
    json.key("specific_mode");
    if (derived) {
        json.boolean(atr.specific_mode.has_value());
    } else {
        json.null();
    }
    number_if(json, "fi", derived, atr.fi);
    number_if(json, "di", derived, atr.di);
    number_if(json, "fmax_khz", derived, atr.fmax_khz);
    number_if(json, "n", derived, atr.n);
    number_if(json, "ifsc", derived, atr.ifsc);
    number_if(json, "bwi", derived, atr.bwi);
    number_if(json, "cwi", derived, atr.cwi);
    json.key("edc");
    if (derived) {
        json.string(atr.edc == iso7816::Edc::crc ? "crc" : "lrc");
    } else {
        json.null();
    }
    json.end_object();
    out << '\n';
}

// ---- Text ----------------------------------------------------------------------------

std::string mhz(std::uint32_t khz) {
    std::string text = std::to_string(khz / 1000);
    if (khz % 1000 != 0) {
        text += '.' + std::to_string((khz % 1000) / 100);
    }
    return text + " MHz";
}

// The bytes a presence indicator Y announces at level i (ISO 7816-3 8.2.2, 8.2.3).
std::string presence(std::uint8_t y, std::size_t level) {
    std::string text;
    const char* names[] = {"TA", "TB", "TC", "TD"};
    for (int bit = 0; bit < 4; ++bit) {
        if ((y & (0x10 << bit)) != 0) {
            text += (text.empty() ? "" : " ") + std::string(names[bit]) + std::to_string(level);
        }
    }
    return text.empty() ? "none" : text;
}

std::string ta1_meaning(std::uint8_t ta1) {  // 8.3, Tables 7 and 8
    const auto fi = iso7816::fi_from_index(static_cast<std::uint8_t>(ta1 >> 4));
    const auto fmax = iso7816::fmax_khz_from_index(static_cast<std::uint8_t>(ta1 >> 4));
    const auto di = iso7816::di_from_index(ta1 & 0x0F);
    return "FI = " + std::to_string(ta1 >> 4) + ", DI = " + std::to_string(ta1 & 0x0F) +
           ": Fi = " + (fi ? std::to_string(*fi) : "reserved") +
           ", Di = " + (di ? std::to_string(*di) : "reserved") +
           ", fmax = " + (fmax ? mhz(*fmax) : "reserved");
}

std::string tc1_meaning(std::uint8_t tc1) {  // 8.3
    if (tc1 == 0xFF) {
        return "N = 255: minimum guard time (12 etu for T=0, 11 etu for T=1)";
    }
    return "extra guard time N = " + std::to_string(tc1) + " etu";
}

std::string ta2_meaning(std::uint8_t ta2) {  // 8.3: specific mode byte
    return std::string("specific mode: T = ") + std::to_string(ta2 & 0x0F) +
           ((ta2 & 0x80) != 0 ? ", unable to change" : ", able to change") +
           ((ta2 & 0x10) != 0 ? ", implicit Fi/Di" : ", Fi/Di from TA1");
}

std::string clock_stop_name(iso7816::ClockStop stop) {
    switch (stop) {
        case iso7816::ClockStop::not_supported:
            return "not supported";
        case iso7816::ClockStop::state_low:
            return "state L";
        case iso7816::ClockStop::state_high:
            return "state H";
        case iso7816::ClockStop::no_preference:
            return "no preference";
    }
    return "?";
}

// The first TA for T=15 (8.3): class indicator Y (b6-b1), clock stop indicator X (b8-b7).
std::string class_indicator_text(std::uint8_t byte) {
    std::string classes;
    for (int bit = 0; bit < 6; ++bit) {
        if ((byte & (1 << bit)) != 0) {
            classes += (classes.empty() ? "" : " ") + std::string(1, static_cast<char>('A' + bit));
        }
    }
    return "classes " + (classes.empty() ? std::string("none") : classes) + ", clock stop " +
           clock_stop_name(static_cast<iso7816::ClockStop>(byte >> 6));
}

// Meaning of TAi / TBi / TCi (kind 0, 1, 2) at level i >= 3, after TD(i-1) with T = t.
struct LevelContext {
    bool t1_ta = false, t1_tb = false, t1_tc = false, t15_ta = false, t15_tb = false;
};

std::string later_meaning(int kind, std::uint8_t byte, std::uint8_t t, LevelContext& seen) {
    if (t == 1) {  // 11.4
        bool& first = kind == 0 ? seen.t1_ta : kind == 1 ? seen.t1_tb : seen.t1_tc;
        if (first) {
            return "specific to T=1 (not the first: ignored)";
        }
        first = true;
        if (kind == 0) {
            return "T=1 IFSC = " + std::to_string(byte) +
                   (byte == 0 || byte == 0xFF ? " (invalid)" : "");
        }
        if (kind == 1) {
            return "T=1 BWI = " + std::to_string(byte >> 4) +
                   ", CWI = " + std::to_string(byte & 0x0F) +
                   ((byte >> 4) > 9 ? " (BWI reserved)" : "");
        }
        return std::string("T=1 EDC = ") + ((byte & 0x01) != 0 ? "CRC" : "LRC");
    }
    if (t == iso7816::kProtocolT15 && kind != 2) {  // 8.3: global bytes after T=15
        bool& first = kind == 0 ? seen.t15_ta : seen.t15_tb;
        if (first) {
            return "global (not the first: ignored)";
        }
        first = true;
        if (kind == 1) {
            return "SPU (use of contact C6) = " + hex(byte);
        }
        return class_indicator_text(byte);
    }
    return t == iso7816::kProtocolT15 ? "global" : "specific to T=" + std::to_string(t);
}

void line(std::ostream& out, const std::string& name, std::uint8_t byte,
          const std::string& meaning) {
    out << name << std::string(name.size() < 5 ? 5 - name.size() : 1, ' ') << hex(byte) << "  "
        << meaning << '\n';
}

void write_bytes(const AtrInspection& inspection, std::ostream& out) {
    const Atr& atr = inspection.atr;
    if (!reached(inspection, AtrProgress::ts)) {
        return;
    }
    const auto convention = convention_of(inspection);
    line(out, "TS", atr.ts,
         convention ? (*convention == iso7816::Convention::direct ? "direct convention"
                                                                  : "inverse convention")
                    : "invalid");
    if (!reached(inspection, AtrProgress::t0)) {
        return;
    }
    line(out, "T0", atr.t0,
         "Y1 = " + presence(atr.t0, 1) + ", K = " + std::to_string(atr.t0 & 0x0F) +
             " historical bytes");
    LevelContext seen;
    for (std::size_t index = 0; index < atr.levels.size(); ++index) {
        const auto& level = atr.levels[index];
        const std::size_t i = index + 1;
        const std::uint8_t t =
            index == 0 ? 0 : static_cast<std::uint8_t>(atr.levels[index - 1].td.value_or(0) & 0x0F);
        const std::string n = std::to_string(i);
        // After a TD1 indicating T=15 (not allowed, 8.2.3) TA2 and TB2 are global bytes.
        const bool fixed_meaning = i == 1 || (i == 2 && t != iso7816::kProtocolT15);
        if (level.ta) {
            line(out, "TA" + n, *level.ta,
                 i == 1           ? ta1_meaning(*level.ta)
                 : fixed_meaning ? ta2_meaning(*level.ta)
                                  : later_meaning(0, *level.ta, t, seen));
        }
        if (level.tb) {
            line(out, "TB" + n, *level.tb,
                 fixed_meaning ? "deprecated (programming voltage), ignored"
                               : later_meaning(1, *level.tb, t, seen));
        }
        if (level.tc) {
            line(out, "TC" + n, *level.tc,
                 i == 1   ? tc1_meaning(*level.tc)
                 : i == 2 ? "T=0 WI = " + std::to_string(*level.tc) +
                                (*level.tc == 0 ? " (reserved)" : "")
                          : later_meaning(2, *level.tc, t, seen));
        }
        if (level.td) {
            const std::uint8_t td_t = *level.td & 0x0F;
            line(out, "TD" + n, *level.td,
                 "Y" + std::to_string(i + 1) + " = " + presence(*level.td, i + 1) +
                     ", T = " + std::to_string(td_t) +
                     (td_t == iso7816::kProtocolT15 ? " (global bytes follow)" : ""));
        }
    }
    if (!reached(inspection, AtrProgress::interface_bytes)) {
        return;
    }
    std::string printable;
    for (const std::uint8_t byte : atr.historical) {
        printable += byte >= 0x20 && byte < 0x7F ? static_cast<char>(byte) : '.';
    }
    out << "Historical bytes (" << atr.historical.size() << "): " << to_hex(atr.historical, true)
        << (atr.historical.empty() ? "" : "  \"" + printable + "\"") << '\n';
    if (atr.tck) {
        line(out, "TCK", *atr.tck,
             inspection.tck_ok == true ? "correct" : "wrong, expected " + hex(expected_tck(atr)));
    } else if (reached(inspection, AtrProgress::historical_bytes)) {
        out << "TCK  absent"
            << (iso7816::tck_required(atr.levels) ? " (required)" : " (only T=0 indicated)")
            << '\n';
    }
}

void write_summary(const AtrInspection& inspection, std::ostream& out) {
    const Atr& atr = inspection.atr;
    if (reached(inspection, AtrProgress::interface_bytes)) {
        std::string protocols;
        for (const std::uint8_t protocol : atr.protocols) {
            protocols += (protocols.empty() ? "T=" : ", T=") + std::to_string(protocol);
        }
        out << "\nProtocols:       " << protocols << " (default T=" << int(atr.default_protocol)
            << ")\n";
        out << "Mode:            "
            << (atr.specific_mode ? "specific, T=" + std::to_string(atr.specific_mode->protocol)
                                  : std::string("negotiable"))
            << '\n';
        out << "Fi / Di / fmax:  " << atr.fi << " / " << int(atr.di) << " / " << mhz(atr.fmax_khz)
            << '\n';
        out << "Guard time N:    " << int(atr.n) << '\n';
        out << "WI (T=0):        " << int(atr.wi) << '\n';
        out << "T=1:             IFSC " << int(atr.ifsc) << ", BWI " << int(atr.bwi) << ", CWI "
            << int(atr.cwi) << ", EDC " << (atr.edc == iso7816::Edc::crc ? "CRC" : "LRC")
            << (atr.offers(1) ? "" : " (T=1 not offered)") << '\n';
        if (atr.class_indicator) {
            const auto byte = static_cast<std::uint8_t>(
                (static_cast<unsigned>(atr.class_indicator->clock_stop) << 6) |
                atr.class_indicator->classes);
            out << "Class indicator: " << class_indicator_text(byte) << '\n';
        }
        for (const iso7816::AtrWarning warning : atr.warnings) {
            out << "Warning:         " << iso7816::describe(warning) << '\n';
        }
    }
    out << (inspection.valid() ? "\nvalid ATR\n"
                               : "\ninvalid ATR: " + inspection.error.message() + "\n");
}

void write_text(const AtrInspection& inspection, ByteView input, std::ostream& out) {
    out << "ATR: " << to_hex(input, true) << '\n';
    if (!input.empty() && input.front() == iso7816::kTsInverseOnWire) {
        out << "     raw image of an inverse-convention card; decoded: "
            << to_hex(iso7816::convert_for_convention(input, iso7816::Convention::inverse), true)
            << '\n';
    }
    write_bytes(inspection, out);
    write_summary(inspection, out);
}

}  // namespace

int run_atr_command(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
    bool json = false;
    bool options_done = false;
    std::string hex_text;
    for (const std::string_view arg : args) {
        if (!options_done && (arg == "--help" || arg == "-h")) {
            out << kUsage;
            return kExitOk;
        }
        if (!options_done && arg == "--json") {
            json = true;
        } else if (!options_done && arg == "--") {
            options_done = true;
        } else if (!options_done && arg.starts_with("-")) {
            err << "tessera atr: unknown option '" << arg << "'\n" << kUsage;
            return kExitUsage;
        } else {
            hex_text += hex_text.empty() ? "" : " ";
            hex_text += arg;
        }
    }
    const auto bytes = parse_hex(hex_text);
    if (!bytes) {
        err << "tessera atr: not a hex byte string: '" << hex_text << "'\n" << kUsage;
        return kExitUsage;
    }
    if (bytes->empty()) {
        err << "tessera atr: no ATR given\n" << kUsage;
        return kExitUsage;
    }
    const AtrInspection inspection = iso7816::inspect_atr_from_wire(*bytes);
    if (json) {
        write_json(inspection, out);
    } else {
        write_text(inspection, *bytes, out);
    }
    return inspection.valid() ? kExitOk : kExitInvalidInput;
}

}  // namespace tessera::tools
