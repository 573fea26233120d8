// `tessera descriptor [--json] [--proprietary] [--interface N] HEX...|FILE`: decodes a
// USB CCID class descriptor (CCID rev 1.1 section 5.1, transport/class_descriptor.hpp).
//
// Input (tools/descriptor_input.hpp): the descriptor in hex (one argument or several,
// spaces and colons allowed; 54 bytes starting with bLength and bDescriptorType 21, longer
// ones accepted as the parser accepts them), or a FILE holding it raw, in hex, or a reader
// dump (tests/data/readers/*.txt; --interface N picks the interface by bInterfaceNumber,
// default the first with a class descriptor). --proprietary also accepts
// bDescriptorType FF (a reader quirk); a dump's vendor-class (FF) interface accepts it by
// itself. Output (tools/descriptor_listing.hpp): a listing, or with --json one object.
// Exit: 0 valid descriptor, 1 invalid descriptor or dump (message on stderr, nothing on
// stdout), 2 usage (message and usage on stderr).
#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace tessera::tools {

int run_descriptor_command(std::span<const std::string_view> args, std::ostream& out,
                           std::ostream& err);

}  // namespace tessera::tools
