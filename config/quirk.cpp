#include "config/quirk.hpp"

namespace tessera::config {

std::string_view quirk_name(Quirk quirk) {
    switch (quirk) {
        case Quirk::vendor_interface_class:
            return "vendor_interface_class";
        case Quirk::proprietary_descriptor_type:
            return "proprietary_descriptor_type";
        case Quirk::clock_request_refused:
            return "clock_request_refused";
        case Quirk::data_rate_request_refused:
            return "data_rate_request_refused";
        case Quirk::zero_length_packet:
            return "zero_length_packet";
    }
    return "unknown";
}

std::optional<Quirk> quirk_from_name(std::string_view name) {
    for (Quirk quirk : kAllQuirks) {
        if (quirk_name(quirk) == name) {
            return quirk;
        }
    }
    return std::nullopt;
}

std::string_view describe(Quirk quirk) {
    switch (quirk) {
        case Quirk::vendor_interface_class:
            return "CCID on an interface of class 0xFF: look for the class descriptor there";
        case Quirk::proprietary_descriptor_type:
            return "class descriptor of type 0xFF: accept it as the CCID descriptor";
        case Quirk::clock_request_refused:
            return "GET_CLOCK_FREQUENCIES fails: do not send it, use the descriptor's clocks";
        case Quirk::data_rate_request_refused:
            return "GET_DATA_RATES fails: do not send it, use the descriptor's rate range";
        case Quirk::zero_length_packet:
            return "send a zero-length packet after a bulk-OUT message of whole packets";
    }
    return "unknown quirk";
}

}  // namespace tessera::config
