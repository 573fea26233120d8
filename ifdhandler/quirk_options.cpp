#include "ifdhandler/quirk_options.hpp"

namespace tessera::ifd {

reader::ReaderOptions apply_quirks(reader::ReaderOptions options, config::QuirkSet quirks) {
    for (const config::Quirk quirk : config::kAllQuirks) {
        if (!quirks.has(quirk)) continue;
        switch (quirk) {  // no default: a new flag without a case does not compile (-Wswitch)
            case config::Quirk::vendor_interface_class:
                options.descriptor.accept_vendor_interface_class = true;
                break;
            case config::Quirk::proprietary_descriptor_type:
                options.descriptor.accept_proprietary_type = true;
                break;
            case config::Quirk::clock_request_refused:
                options.request_clock_list = false;
                break;
            case config::Quirk::data_rate_request_refused:
                options.request_data_rate_list = false;
                break;
            case config::Quirk::zero_length_packet:
                options.zero_length_packet = true;
                break;
        }
    }
    return options;
}

}  // namespace tessera::ifd
