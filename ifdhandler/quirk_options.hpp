// The one place where the reader database's quirk flags (config/quirk.hpp) become options
// of the reader model (reader::ReaderOptions). Transport code never sees config/: it
// tests these options, and every flag maps to at least one of them here.
//
// Pure code, no state; may be called from any thread.
#pragma once

#include "config/quirk.hpp"
#include "transport/reader/reader_options.hpp"

namespace tessera::ifd {

/// `options` with what each flag of `quirks` asks for (see config::Quirk); fields no flag
/// of the set touches keep their value.
///   vendor_interface_class       descriptor.accept_vendor_interface_class = true
///   proprietary_descriptor_type  descriptor.accept_proprietary_type = true
///   clock_request_refused        request_clock_list = false
///   data_rate_request_refused    request_data_rate_list = false
///   zero_length_packet           zero_length_packet = true
reader::ReaderOptions apply_quirks(reader::ReaderOptions options, config::QuirkSet quirks);

}  // namespace tessera::ifd
