// ReaderConfig from a real reader's dump (tools/reader_dump.hpp; the corpus in
// tests/data/readers): its USB identity, the chosen CCID/ICCD interface's number, class,
// protocol and endpoint count, the class descriptor exactly as the reader sends it, and
// the GET_CLOCK_FREQUENCIES / GET_DATA_RATES lists as it answered them.
//
// What a dump does not say is taken from DumpModelOptions (endpoint addresses, where the
// class descriptor sits, the card). Pure functions; no state.
#pragma once

#include <cstddef>
#include <optional>
#include <system_error>

#include "base/error.hpp"
#include "base/result.hpp"
#include "tests/emulator/model/reader_config.hpp"
#include "tools/reader_dump.hpp"

namespace tessera::emulator {

enum class DumpModelError {
    ok_is_never_used = 0,
    no_ccid_interface = 1,   // no interface with a class descriptor
    interface_out_of_range,  // DumpModelOptions::ccid_interface beyond those there are
    control_transfer_iccd,   // fewer than two endpoints: an ICCD that moves APDUs over
                             // control transfers (USB ICCD 1.0), which is not emulated;
                             // interfaces with bulk pipes are served as CCID whatever
                             // their bInterfaceProtocol says
    unusable_descriptor,     // the class descriptor does not parse (transport rejects it)
};

const char* describe(DumpModelError error);

}  // namespace tessera::emulator

TESSERA_ERROR_ENUM(tessera::emulator, DumpModelError, "emulator dump model");

namespace tessera::emulator {

struct DumpModelOptions {
    /// Which of the dump's interfaces that carry a class descriptor (0 = the first).
    std::size_t ccid_interface = 0;
    /// The card put in slot 0 (and, with card_in_every_slot, in every slot); nullopt:
    /// card_for(descriptor).
    std::optional<InsertedCard> card;
    bool card_in_every_slot = false;
    bool no_card = false;  // start with every slot empty
    transport::DescriptorPlacement placement = transport::DescriptorPlacement::interface;
    Endpoints endpoints{};  // interrupt_in is dropped when the dump shows two endpoints
    std::string serial;
};

Result<ReaderConfig> from_dump(const corpus::ReaderDump& dump, const DumpModelOptions& options = {});

}  // namespace tessera::emulator
