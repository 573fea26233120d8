#include "transport/reader/reader_error.hpp"

#include "iso7816/atr_error.hpp"
#include "iso7816/pps.hpp"
#include "iso7816/rate_choice.hpp"
#include "t0/error.hpp"
#include "t1/error.hpp"
#include "transport/ccid_error.hpp"
#include "transport/class_descriptor.hpp"
#include "transport/usb/usb_error.hpp"

namespace tessera::reader {

const char* describe(ReaderError error) {
    switch (error) {
        case ReaderError::ok_is_never_used: return "no error";
        case ReaderError::no_card: return "no card in the slot";
        case ReaderError::card_inactive: return "the card is not powered";
        case ReaderError::card_mute: return "the card does not answer";
        case ReaderError::bad_atr: return "the card sent no usable ATR";
        case ReaderError::protocol_error: return "protocol error between reader and card";
        case ReaderError::reader_gone: return "the reader is gone";
        case ReaderError::reader_failed: return "the reader failed";
        case ReaderError::busy: return "the reader is busy";
        case ReaderError::timeout: return "the reader did not answer in time";
        case ReaderError::not_supported: return "not supported by the reader or the card";
        case ReaderError::buffer_too_small: return "the response does not fit the buffer";
        case ReaderError::invalid_slot: return "no such slot";
        case ReaderError::invalid_apdu: return "malformed command APDU";
        case ReaderError::cancelled: return "cancelled";
    }
    return "unknown reader error";
}

namespace {

template <class Enum>
bool is(std::error_code code) {
    return code.category() == error_category_of<Enum>();
}

ReaderError from_usb(usb::UsbError error) {
    switch (error) {
        case usb::UsbError::no_device:
        case usb::UsbError::closed: return ReaderError::reader_gone;
        case usb::UsbError::timeout: return ReaderError::timeout;
        case usb::UsbError::cancelled: return ReaderError::cancelled;
        case usb::UsbError::busy: return ReaderError::busy;
        case usb::UsbError::overflow: return ReaderError::protocol_error;
        case usb::UsbError::not_supported:
        case usb::UsbError::no_endpoint: return ReaderError::not_supported;
        default: return ReaderError::reader_failed;
    }
}

ReaderError from_ccid(transport::CcidError error) {
    using transport::CcidError;
    switch (error) {
        case CcidError::icc_mute: return ReaderError::card_mute;
        case CcidError::bad_atr_ts:
        case CcidError::bad_atr_tck: return ReaderError::bad_atr;
        case CcidError::xfr_parity_error:
        case CcidError::xfr_overrun:
        case CcidError::procedure_byte_conflict: return ReaderError::protocol_error;
        case CcidError::hw_error: return ReaderError::reader_failed;
        case CcidError::cmd_slot_busy:
        case CcidError::busy_with_auto_sequence: return ReaderError::busy;
        case CcidError::cmd_aborted: return ReaderError::cancelled;
        case CcidError::deactivated_protocol: return ReaderError::card_inactive;
        case CcidError::pin_timeout: return ReaderError::timeout;
        case CcidError::pin_cancelled: return ReaderError::cancelled;
        case CcidError::command_not_supported:
        case CcidError::bad_parameter:
        case CcidError::icc_protocol_not_supported:
        case CcidError::icc_class_not_supported: return ReaderError::not_supported;
        default: return ReaderError::reader_failed;
    }
}

ReaderError from_exchange(transport::ExchangeError error) {
    using transport::ExchangeError;
    switch (error) {
        case ExchangeError::timeout:
        case ExchangeError::time_extension_limit:
        case ExchangeError::wait_time_limit: return ReaderError::timeout;
        case ExchangeError::invalid_command: return ReaderError::invalid_apdu;
        default: return ReaderError::protocol_error;
    }
}

ReaderError from_t0(t0::T0Error error) {
    using t0::T0Error;
    switch (error) {
        case T0Error::apdu_too_short:
        case T0Error::apdu_length_mismatch:
        case T0Error::invalid_class:
        case T0Error::invalid_instruction: return ReaderError::invalid_apdu;
        case T0Error::extended_length_unsupported: return ReaderError::not_supported;
        case T0Error::timeout: return ReaderError::card_mute;
        default: return ReaderError::protocol_error;
    }
}

ReaderError from_t1(t1::Error error) {
    switch (error) {
        case t1::Error::empty_command:
        case t1::Error::command_too_long: return ReaderError::invalid_apdu;
        default: return ReaderError::protocol_error;
    }
}

}  // namespace

std::error_code to_reader_error(std::error_code cause) {
    if (!cause) return cause;
    ReaderError mapped = ReaderError::reader_failed;
    const int value = cause.value();
    if (is<ReaderError>(cause)) return cause;
    if (is<usb::UsbError>(cause)) {
        mapped = from_usb(static_cast<usb::UsbError>(value));
    } else if (is<transport::CcidError>(cause)) {
        mapped = from_ccid(static_cast<transport::CcidError>(value));
    } else if (is<transport::ExchangeError>(cause)) {
        mapped = from_exchange(static_cast<transport::ExchangeError>(value));
    } else if (is<transport::MessageError>(cause)) {
        mapped = ReaderError::protocol_error;
    } else if (is<transport::CommandError>(cause)) {
        mapped = static_cast<transport::CommandError>(value) == transport::CommandError::data_too_long
                     ? ReaderError::not_supported
                     : ReaderError::invalid_apdu;
    } else if (is<transport::DescriptorError>(cause)) {
        mapped = ReaderError::not_supported;
    } else if (is<t0::T0Error>(cause)) {
        mapped = from_t0(static_cast<t0::T0Error>(value));
    } else if (is<t1::Error>(cause) || is<t1::BlockError>(cause)) {
        mapped = is<t1::Error>(cause) ? from_t1(static_cast<t1::Error>(value))
                                      : ReaderError::protocol_error;
    } else if (is<iso7816::AtrError>(cause)) {
        mapped = ReaderError::bad_atr;
    } else if (is<iso7816::PpsError>(cause)) {
        mapped = ReaderError::protocol_error;
    } else if (is<iso7816::RateChoiceError>(cause)) {
        mapped = ReaderError::not_supported;
    }
    return make_error_code(mapped);
}

}  // namespace tessera::reader
