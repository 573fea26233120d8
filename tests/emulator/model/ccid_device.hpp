// CcidDevice: a USB CCID smart card reader (CCID rev 1.1) in software, behind the
// UsbDeviceModel interface that the emulator's hosts serve (umockdev testbed, in-memory
// port). Sans-IO: it answers calls with bytes and never does I/O, sleeps or reads a clock.
//
// What it does:
//   bulk OUT   reassembles PC_to_RDR messages (MessageAssembler), checks the framing,
//              bSlot, busy slots and the Abort sequence, and hands each command to its
//              slot (CcidSlot). Defects get the CCID 6.2.6 errors: bad length (bError 1),
//              bad slot (5), CMD_NOT_SUPPORTED (0) for an unknown bMessageType,
//              CMD_SLOT_BUSY (E0) for a slot still working on a command or when
//              bMaxCCIDBusySlots slots are, CMD_ABORTED (FF) during an abort.
//   bulk IN    the RDR_to_PC answers in order (time extensions before their answer);
//              `pending` when none waits. A slot is busy from its command until the host
//              has read the command's final answer.
//   interrupt  NotifySlotChange and HardwareError (InterruptQueue); `pending` otherwise.
//   control    ABORT (CCID 5.3.1), GET_CLOCK_FREQUENCIES and GET_DATA_RATES (5.3.2/3,
//              stalled when the list is empty), standard GET_DESCRIPTOR, GET_STATUS,
//              SET_CONFIGURATION / SET_INTERFACE; anything else stalls.
//
// Abort (CCID 5.3.1, 6.1.13): the ABORT request for (bSlot, bSeq) ends the slot's command
// in progress (its queued answers are dropped; it is answered with CMD_ABORTED under its
// own bSeq); PC_to_RDR_Abort with the same bSeq is then answered with a SlotStatus. When
// PC_to_RDR_Abort comes first, its answer waits for the ABORT request. Between the two,
// other commands to the slot fail with CMD_ABORTED.
//
// Test controls (card insertion, hardware errors, faults, counters) are plain member
// functions; the host serialises them with the USB calls. Not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <system_error>
#include <type_traits>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "tests/emulator/model/ccid_slot.hpp"
#include "tests/emulator/model/fault_schedule.hpp"
#include "tests/emulator/model/interrupt_queue.hpp"
#include "tests/emulator/model/message_assembler.hpp"
#include "tests/emulator/model/pin_pad.hpp"
#include "tests/emulator/model/reader_config.hpp"
#include "tests/emulator/usb_device_model.hpp"
#include "tests/emulator/wire/ccid_wire.hpp"

namespace tessera::emulator {

/// What crossed the device's pipes since construction.
struct DeviceCounters {
    std::array<std::size_t, 256> received_by_type{};  // PC_to_RDR messages by bMessageType
    std::size_t messages_received = 0;                // every message assembled
    std::size_t responses_sent = 0;                    // bulk IN messages (time extensions too)
    std::size_t time_extensions_sent = 0;
    std::size_t interrupts_sent = 0;
    std::size_t control_requests = 0;
    std::size_t stalls = 0;  // transfers answered with a stall

    /// By a bMessageType enumerator (the emulator's or a host's own enum of CCID 6.1).
    template <typename MessageTypeEnum>
        requires std::is_enum_v<MessageTypeEnum>
    std::size_t received(MessageTypeEnum type) const noexcept {
        return received_by_type[static_cast<std::uint8_t>(type)];
    }
};

class CcidDevice final : public UsbDeviceModel {
public:
    /// Errors: what sim::Card::create rejects in a configured card.
    static Result<std::unique_ptr<CcidDevice>> create(ReaderConfig config);

    // --- UsbDeviceModel ---------------------------------------------------------------------
    const UsbIdentity& identity() const override { return identity_; }
    UsbAnswer bulk_out(std::uint8_t endpoint, ByteView data) override;
    UsbAnswer in(std::uint8_t endpoint, std::size_t max_length) override;
    UsbAnswer control(const SetupPacket& setup, ByteView out_data) override;
    void clear_halt(std::uint8_t endpoint) override;

    // --- test controls ------------------------------------------------------------------------
    /// Puts a card in `slot` (replacing any) and queues a NotifySlotChange. Errors:
    /// std::errc::invalid_argument for a slot beyond bMaxSlotIndex; what sim::Card::create
    /// rejects.
    std::error_code insert_card(std::uint8_t slot, InsertedCard card);
    std::error_code insert_card(std::uint8_t slot, sim::CardConfig card);
    /// Takes the card out and queues a NotifySlotChange (nothing for an empty slot).
    void remove_card(std::uint8_t slot);
    /// The card in `slot`; nullptr for an empty or unknown slot. Owned by the device.
    sim::Card* card(std::uint8_t slot) noexcept;
    /// An overcurrent (CCID 6.3.2 bHardwareErrorCode 01, or `code`): the card's power is
    /// cut and RDR_to_PC_HardwareError goes out on the interrupt pipe.
    void hardware_error(std::uint8_t slot, std::uint8_t code = wire::kHardwareErrorOvercurrent);
    /// The device is unplugged: this and every later call answers `gone`.
    void unplug() noexcept { unplugged_ = true; }
    bool unplugged() const noexcept { return unplugged_; }

    void add_fault(FaultPlan plan) { faults_.add(plan); }
    void clear_faults() noexcept { faults_.clear(); }
    const FaultSchedule& faults() const noexcept { return faults_; }

    /// The PIN pad's keypad (queue user entries, read the APDUs it built); nullptr for a
    /// reader without one.
    PinPad* pin_pad() noexcept { return pin_pad_ ? &*pin_pad_ : nullptr; }

    const DeviceCounters& counters() const noexcept { return counters_; }
    const ReaderConfig& config() const noexcept { return config_; }
    std::size_t slot_count() const noexcept { return slots_.size(); }
    /// The slot is working on a command (its final answer not yet read by the host).
    bool slot_busy(std::uint8_t slot) const;
    /// Bulk IN messages waiting to be read.
    std::size_t queued_responses() const noexcept { return bulk_in_queue_.size(); }
    /// The slot's current protocol parameters (CCID 6.1.7).
    const wire::Parameters& slot_parameters(std::uint8_t slot) const;

    CcidDevice(const CcidDevice&) = delete;
    CcidDevice& operator=(const CcidDevice&) = delete;

private:
    explicit CcidDevice(ReaderConfig config);

    // One bulk IN message and what happens when it is sent.
    struct Outgoing {
        Bytes bytes;
        std::uint8_t slot = 0;
        std::uint8_t command_seq = 0;           // bSeq of the command it answers
        wire::MessageType command_type{};  // the command it answers
        bool in_progress = false;  // part of a command the slot is still working on
        bool repeats = false;      // an endless time extension: sent again and again
        bool stall_first = false;  // bulk_in_stall fault: stall once before sending
    };
    // A command whose answer never comes (no_answer fault), until aborted.
    struct SilentCommand {
        std::uint8_t bSeq = 0;
        wire::MessageType type{};
    };
    // The two halves of the abort sequence seen so far for a slot.
    struct AbortState {
        std::optional<std::uint8_t> request_seq;  // ABORT control request
        std::optional<std::uint8_t> message_seq;  // PC_to_RDR_Abort
    };

    UsbAnswer stall();
    UsbAnswer bulk_in(std::size_t max_length);
    UsbAnswer interrupt_in(std::size_t max_length);
    UsbAnswer class_request(const SetupPacket& setup);
    void on_message(AssembledMessage message, std::vector<FaultKind>& faults);
    void handle_command(const wire::CommandHeader& header, ByteView message,
                        const std::vector<FaultKind>& faults);
    void handle_abort_message(const wire::CommandHeader& header);
    void handle_abort_request(std::uint8_t slot, std::uint8_t bSeq);
    void queue_error(const wire::CommandHeader& header, wire::MessageType response_type,
                     std::uint8_t bError, wire::IccStatus status);
    void queue_answer(const wire::CommandHeader& header, SlotAnswer answer,
                      const std::vector<FaultKind>& faults);
    std::size_t busy_slot_count() const;
    static bool has(const std::vector<FaultKind>& faults, FaultKind kind);

    ReaderConfig config_;
    UsbIdentity identity_;
    std::shared_ptr<const SlotEnvironment> environment_;
    std::vector<CcidSlot> slots_;
    std::vector<std::optional<SilentCommand>> silent_;
    std::vector<AbortState> aborts_;
    MessageAssembler assembler_;
    InterruptQueue interrupts_;
    FaultSchedule faults_;
    DeviceCounters counters_;
    std::deque<Outgoing> bulk_in_queue_;
    std::optional<PinPad> pin_pad_;
    bool bulk_out_halted_ = false;
    bool bulk_in_halted_ = false;
    bool unplug_on_next_call_ = false;
    bool unplugged_ = false;
};

}  // namespace tessera::emulator
