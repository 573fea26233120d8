// `tessera atr [--json] HEX...`: decodes an Answer-to-Reset (iso7816/atr.hpp).
//
// HEX is the ATR in hex, as one argument or several joined with spaces; spaces and colons
// between bytes are allowed. A first byte 03 is the raw image of an inverse-convention
// card and is decoded; 3F starts the logical bytes of one (as pcsc_scan shows them). The
// text output explains every byte, then the parameters to use and one "Warning:" line per
// value the card sent that is replaced by its default; --json prints one object with the
// keys valid, error, warnings (array of strings, empty when none), convention, ts, t0,
// interface, historical, tck, tck_ok, protocols, specific_mode, fi, di, fmax_khz, n,
// ifsc, bwi, cwi, edc (null where the bytes did not tell; the parameters are the ones to
// use, the interface bytes the ones sent). Exit: 0 valid ATR (warnings or not), 1 invalid
// (structurally broken) ATR (output still printed), 2 usage.
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace tessera::tools {

int run_atr_command(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace tessera::tools
