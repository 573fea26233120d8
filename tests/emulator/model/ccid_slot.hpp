// One slot of the emulated CCID reader: the card in it, its power state and protocol
// parameters, and the handling of every PC_to_RDR command addressed to it (CCID 6.1),
// except Abort, whose two-part sequence spans the whole device (ccid_device.hpp).
//
// The slot answers each command with one final RDR_to_PC message, possibly preceded by
// time extensions; the device queues them, addresses them and applies faults. It checks
// each command's own fields (dwLength, bPowerSelect, parameters, ...) and answers a
// defect with the CCID 6.2.6 error; bSlot, busy slots and message framing are the
// device's. Slots are independent of each other.
//
// Not thread-safe; owned by its CcidDevice.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>
#include <vector>

#include "base/bytes.hpp"
#include "tests/emulator/model/pin_pad.hpp"
#include "tests/emulator/model/reader_config.hpp"
#include "tests/emulator/model/slot_parameters.hpp"
#include "tests/emulator/model/xfr_exchange.hpp"
#include "tests/sim/card.hpp"
#include "tests/emulator/wire/ccid_wire.hpp"

namespace tessera::emulator {

/// What the reader can do, as every slot needs it (a copy of ReaderConfig's parts).
struct SlotEnvironment {
    transport::ClassDescriptor descriptor;
    std::vector<std::uint32_t> clocks_khz;
    std::vector<std::uint32_t> data_rates_bps;
    EscapeHandler escape;
    bool answers_beyond_max_message_length = false;  // ReaderConfig's

    ReaderRateLimits limits() const { return {descriptor, clocks_khz, data_rates_bps}; }
};

/// The slot's answer to one command: `time_extensions` RDR_to_PC_DataBlock messages with
/// bmCommandStatus 2 and bError `time_extension_multiplier`, then `response`. bSlot and
/// bSeq of the response are the command's.
struct SlotAnswer {
    wire::Answer response;
    std::size_t time_extensions = 0;
    std::uint8_t time_extension_multiplier = 1;
};

class CcidSlot {
public:
    CcidSlot(std::shared_ptr<const SlotEnvironment> environment, std::uint8_t index);

    /// Puts a card in (replacing any); it stays unpowered until IccPowerOn (or at once,
    /// with dwFeatures 0x04 automatic activation). Errors: what sim::Card::create rejects.
    std::error_code insert(InsertedCard card);
    void remove();
    bool card_present() const noexcept { return card_ != nullptr; }
    /// The card, or nullptr for an empty slot.
    sim::Card* card() noexcept { return card_.get(); }
    const sim::Card* card() const noexcept { return card_.get(); }
    wire::IccStatus icc_status() const noexcept;
    /// An overcurrent or other hardware fault: the reader cuts the card's power.
    void power_cut();

    /// One command to this slot (`message`: header and abData, length already checked
    /// against its header's dwLength). Abort is not handled here. `pin_pad`: the reader's
    /// keypad for PC_to_RDR_Secure, nullptr for a reader without one.
    SlotAnswer execute(const wire::CommandHeader& header, ByteView message,
                       PinPad* pin_pad = nullptr);

    const wire::Parameters& parameters() const noexcept { return parameters_; }

private:
    SlotAnswer dispatch(wire::MessageType type, ByteView message, PinPad* pin_pad);
    SlotAnswer power_on(ByteView message);
    SlotAnswer power_off();
    SlotAnswer slot_status() const;
    SlotAnswer xfr_block(ByteView message);
    SlotAnswer get_parameters() const;
    SlotAnswer reset_parameters();
    SlotAnswer set_parameters(ByteView message);
    SlotAnswer escape(ByteView message) const;
    SlotAnswer icc_clock(ByteView message);
    SlotAnswer t0_apdu(ByteView message);
    SlotAnswer secure(ByteView message, PinPad* pin_pad);
    SlotAnswer send_pin_apdu(const Bytes& apdu, const std::array<std::uint8_t, 3>& bTeoPrologue);
    SlotAnswer mechanical(ByteView message) const;
    SlotAnswer set_data_rate_and_clock(ByteView message);

    SlotAnswer answer(wire::MessageType type) const;
    SlotAnswer failed(wire::MessageType type, std::uint8_t bError) const;
    bool link_matches() const;
    void after_reset();
    void exchange_ifsd_if_due();
    std::uint8_t clock_status() const noexcept;

    std::shared_ptr<const SlotEnvironment> environment_;
    std::uint8_t index_;
    std::unique_ptr<sim::Card> card_;
    InsertedCard inserted_{};
    wire::Parameters parameters_;
    wire::Parameters parameters_after_reset_;
    XfrExchange exchange_;
    bool clock_stopped_ = false;
    bool ifsd_exchanged_ = false;
    std::uint32_t clock_khz_ = 0;
    std::uint32_t data_rate_bps_ = 0;
};

}  // namespace tessera::emulator
