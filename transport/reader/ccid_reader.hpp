// CcidReader: one USB CCID reader interface (CCID rev 1.1) over one UsbPort: its
// capabilities, its slots, its command channel and its interrupt listener.
//
// Open: the class descriptor (found in the port's configuration, or given), then the
// GET_CLOCK_FREQUENCIES and GET_DATA_RATES class requests (CCID 5.3.2, 5.3.3) unless
// ReaderOptions says the reader refuses them, make_capabilities(); the port's
// zero-length-packet setting from ReaderOptions; the interrupt listener starts (when the
// interface has an interrupt-IN endpoint) before one PC_to_RDR_GetSlotStatus per slot
// learns the initial presence, so no change is missed.
//
// While open, RDR_to_PC_NotifySlotChange (6.3.1) updates each slot's presence and wakes
// only the waiters of the slots it reports; RDR_to_PC_HardwareError (6.3.2) is recorded
// per slot. Malformed interrupt messages are ignored. The device going away (no_device
// from any call or from the listener) is final: every waiter and every later call ends
// with ReaderError::reader_gone at once.
//
// Commands: one CCID command in flight per reader, whatever bMaxCCIDBusySlots allows
// (simpler, and enough for pcscd, which serialises calls per reader anyway); slots of a
// multi-slot reader take turns on the reader's command lock. The abort sequence (5.3.1)
// runs when an exchange leaves the reader busy (command_channel.hpp).
//
// Threads: pcscd calls from several threads: transmit / power from client threads,
// presence and wait_for_slot_change() from its polling thread. Every function may be
// called from any thread. wait_for_slot_change() never takes the command lock, so it
// never waits for a running command. The interrupt handler runs on the USB event thread
// and only touches the presence board. Destruction stops the listener and wakes waiters
// (cancelled); no other thread may be inside a reader function by then (UsbPort rule).
//
// Ownership: the reader references the port (which must outlive it) and owns its slots.
// What it does not do: quirk lookup (the caller maps config/'s flags to ReaderOptions), IFD_*
// translation (ifdhandler/), secure PIN entry (later).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <stop_token>
#include <vector>

#include "base/result.hpp"
#include "transport/class_descriptor.hpp"
#include "transport/reader/command_channel.hpp"
#include "transport/reader/presence_board.hpp"
#include "transport/reader/reader_error.hpp"
#include "transport/reader/reader_options.hpp"
#include "transport/reader/slot.hpp"
#include "transport/usb/usb_port.hpp"

namespace tessera::reader {

struct ReaderContext;

class CcidReader {
public:
    /// Finds the class descriptor of the port's interface in its configuration
    /// (find_class_descriptors, then the interface's extra bytes) and opens. An interface
    /// of class 0xFF is refused unless options.descriptor.accept_vendor_interface_class.
    /// Errors: DescriptorError mapped (not_supported), reader_gone, reader_failed.
    static Result<std::unique_ptr<CcidReader>> open(usb::UsbPort& port, ReaderOptions options = {});
    /// Opens with a descriptor already parsed.
    static Result<std::unique_ptr<CcidReader>> open(usb::UsbPort& port,
                                                    const transport::ClassDescriptor& descriptor,
                                                    ReaderOptions options = {});
    ~CcidReader();
    CcidReader(const CcidReader&) = delete;
    CcidReader& operator=(const CcidReader&) = delete;

    const transport::ReaderCapabilities& capabilities() const noexcept;
    std::size_t slot_count() const noexcept { return slots_.size(); }
    /// The slot, or nullptr beyond bMaxSlotIndex.
    Slot* slot(std::size_t index) noexcept;

    /// True while the interrupt listener delivers presence changes.
    bool notifies_slot_changes() const noexcept;
    /// Presence as the board knows it (no USB transfer). Errors: invalid_slot.
    Result<SlotPresence> presence(std::size_t slot) const;

    /// Blocks until the slot's presence changes (from the moment of the call), `stop` is
    /// requested, or `timeout` passes. Errors: invalid_slot, reader_gone, cancelled
    /// (closed), not_supported (no interrupt endpoint: the caller polls instead).
    Result<WaitOutcome> wait_for_slot_change(std::size_t slot, std::chrono::milliseconds timeout,
                                             std::stop_token stop = {});
    /// The same from a known generation (SlotPresence::generation), so that a change
    /// between reading the presence and waiting is not missed. With `seen`, the
    /// generation the wait ended on (PresenceBoard::wait_for_change).
    Result<WaitOutcome> wait_for_slot_change(std::size_t slot, std::uint64_t since_generation,
                                             std::chrono::milliseconds timeout,
                                             std::stop_token stop = {},
                                             std::uint64_t* seen = nullptr);

    /// PC_to_RDR_Escape (CCID 6.1.8) to slot 0: vendor bytes in, the RDR_to_PC_Escape
    /// abData written into `response`. Takes the command lock. Errors: buffer_too_small,
    /// not_supported (the reader refuses the command), reader_gone, timeout.
    Result<std::size_t> escape(ByteView command, std::span<std::uint8_t> response);

    bool gone() const;
    /// Counters of the command channel (commands, aborts, stalls cleared).
    ChannelCounters counters() const;

    /// Stops the listener and wakes every waiter with cancelled. Idempotent; call it from
    /// one thread (the owner's), as the destructor does.
    void close();

private:
    explicit CcidReader(std::unique_ptr<ReaderContext> context);
    std::error_code start_listening();
    void learn_initial_presence();

    std::unique_ptr<ReaderContext> context_;
    std::vector<std::unique_ptr<Slot>> slots_;
    bool listener_started_ = false;
    bool closed_ = false;
};

}  // namespace tessera::reader
