// The two outputs of `tessera descriptor`: a listing for people and one JSON object.
//
// Both take a descriptor parse_class_descriptor() accepted. The listing names every
// field of CCID rev 1.1 section 5.1 (Table 5.1-1), its value in hex and what it means:
// voltages, protocols, clocks and rates, features bit by bit, the exchange level, the
// PIN and LCD support; then the remarks of transport::make_capabilities(). The JSON
// object's keys are exactly the specification's field names (all integers, bLength and
// bDescriptorType left out) plus "exchange_level": "character", "tpdu", "short_apdu"
// or "extended_apdu". Stateless; write to any stream.
#pragma once

#include <ostream>
#include <string_view>

#include "transport/class_descriptor.hpp"

namespace tessera::tools {

/// The JSON name of an exchange level.
std::string_view exchange_level_key(transport::ExchangeLevel level);

void write_descriptor_json(const transport::ClassDescriptor& descriptor, std::ostream& out);

/// `origin` says where the bytes came from (one line, printed first).
void write_descriptor_text(const transport::ClassDescriptor& descriptor,
                           std::string_view origin, std::ostream& out);

}  // namespace tessera::tools
