#include "tests/emulator/model/config_from_dump.hpp"

#include <vector>

#include "tests/emulator/model/reader_profiles.hpp"

namespace tessera::emulator {

const char* describe(DumpModelError error) {
    switch (error) {
        case DumpModelError::ok_is_never_used: return "no error";
        case DumpModelError::no_ccid_interface: return "the dump has no CCID class descriptor";
        case DumpModelError::interface_out_of_range: return "no CCID interface of that index";
        case DumpModelError::control_transfer_iccd:
            return "no bulk pipes (ICCD over control transfers) is not emulated";
        case DumpModelError::unusable_descriptor: return "the class descriptor does not parse";
    }
    return "unknown dump model error";
}

Result<ReaderConfig> from_dump(const corpus::ReaderDump& dump, const DumpModelOptions& options) {
    std::vector<const corpus::DumpedInterface*> ccid;
    for (const auto& interface : dump.interfaces) {
        if (interface.ccid) {
            ccid.push_back(&interface);
        }
    }
    if (ccid.empty()) {
        return DumpModelError::no_ccid_interface;
    }
    if (options.ccid_interface >= ccid.size()) {
        return DumpModelError::interface_out_of_range;
    }
    const corpus::DumpedInterface& interface = *ccid[options.ccid_interface];
    if (interface.bNumEndpoints < 2) {
        return DumpModelError::control_transfer_iccd;
    }
    transport::DescriptorOptions parse_options;
    parse_options.accept_proprietary_type = true;
    auto descriptor = transport::parse_class_descriptor(interface.ccid->raw, parse_options);
    if (!descriptor) {
        return DumpModelError::unusable_descriptor;
    }

    ReaderConfig config;
    config.vendor_id = dump.vendor_id;
    config.product_id = dump.product_id;
    config.bcd_device = dump.bcdDevice;
    config.manufacturer = dump.manufacturer.value_or("");
    config.product = dump.product.value_or("");
    config.serial = options.serial;
    config.interface_number = interface.bInterfaceNumber;
    config.interface_class = interface.bInterfaceClass;
    config.interface_protocol = static_cast<InterfaceProtocol>(interface.bInterfaceProtocol);
    config.placement = options.placement;
    config.endpoints = options.endpoints;
    if (interface.bNumEndpoints < 3) {
        config.endpoints.interrupt_in.reset();
    }
    config.descriptor = *descriptor;
    config.clocks_khz = interface.ccid->clocks_khz.values;
    config.data_rates_bps = interface.ccid->data_rates_bps.values;

    if (!options.no_card) {
        const InsertedCard card = options.card.value_or(card_for(config.descriptor));
        const std::size_t slots = options.card_in_every_slot ? transport::slot_count(config.descriptor) : 1;
        config.cards.assign(slots, card);
    }
    return config;
}

}  // namespace tessera::emulator
