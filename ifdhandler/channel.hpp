// Channel: what the IFD handler needs of one opened reader, whatever drives it.
//
// The pcscd-facing Driver (driver.hpp) works only through this interface; ccid_channel.hpp
// implements it over the CCID transport, and the tests implement it with scripted fakes so
// that every IFDH function and tag is tested without a device. A channel is one reader
// (one USB CCID interface) with slot_count() slots, numbered from 0.
//
// Errors: every call reports failures as ChannelError codes (below); the implementation
// translates its transport's errors into them (the edge), and the Driver turns them into
// pcsc-lite RESPONSECODEs (the other edge). After the device is gone every call returns
// device_gone at once.
//
// Threads: pcscd calls one reader from several threads: its event thread (presence, the
// polling wait), client threads (power, transmit, control), possibly at the same time.
// Implementations must be safe for that; wait_for_change() must not hold anything that
// the other calls need, and stop_waiting() must make it return promptly.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>

#include "ifdhandler/attributes.hpp"
#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "transport/ccid_command.hpp"

namespace tessera::ifd {

enum class ChannelError {
    ok_is_never_used = 0,
    no_card = 1,            // no card in the slot
    card_unpowered,         // the card is present but not powered (power it up first)
    power_failed,           // activation failed: mute card, bad ATR, no usable class
    protocol_not_supported, // neither the card nor the reader offers the protocol asked
    pps_failed,             // the card refused every PPS the rate plan allows
    timeout,                // the card or the reader did not answer in time
    device_gone,            // the reader was unplugged (final)
    insufficient_buffer,    // the answer does not fit the caller's buffer
    not_supported,          // the reader cannot do this (e.g. no PIN pad, escape off)
    bad_request,            // the caller's bytes are malformed (too long APDU, ...)
    communication,          // any other failure of the reader or the card
    pin_timeout,            // the user did not finish the PIN entry in time (PIN_TIMEOUT)
    pin_cancelled,          // the user pressed Cancel at the keypad (PIN_CANCELLED)
};

const char* describe(ChannelError error);

/// How a wait_for_change() ended.
enum class WaitOutcome { changed, timed_out, stopped, device_gone };

class Channel {
public:
    virtual ~Channel() = default;

    virtual const ReaderFacts& facts() const = 0;

    /// Presence as the reader last reported it (interrupt endpoint), without bus traffic
    /// when the reader has an interrupt endpoint; a GetSlotStatus otherwise.
    virtual Result<bool> present(std::size_t slot) = 0;

    /// What IFDHGetCapabilities needs of the slot now; never blocks on the device.
    virtual SlotFacts slot_facts(std::size_t slot) = 0;

    /// Cold reset (activation): returns the ATR. No protocol is selected yet.
    virtual Result<Bytes> power_up(std::size_t slot) = 0;
    /// Warm reset of a powered card (a cold reset of an unpowered one): the new ATR.
    virtual Result<Bytes> reset(std::size_t slot) = 0;
    virtual std::error_code power_down(std::size_t slot) = 0;

    /// Selects the protocol among `protocols` (bit 0 T=0, bit 1 T=1) with PPS and
    /// parameters as the reader needs; returns the protocol number chosen.
    virtual Result<std::uint8_t> select_protocol(std::size_t slot, std::uint16_t protocols) = 0;

    /// One APDU through the active protocol; the response (data + SW) goes to `response`,
    /// returns its size.
    virtual Result<std::size_t> transmit(std::size_t slot, ByteView apdu,
                                         std::span<std::uint8_t> response) = 0;

    /// PC_to_RDR_Escape with `command`; the reader's answer into `response`.
    virtual Result<std::size_t> escape(ByteView command, std::span<std::uint8_t> response) = 0;

    /// PC_to_RDR_Secure PIN verification / modification (CCID 6.1.11); the card's response.
    /// A PIN entry ended at the keypad is pin_timeout or pin_cancelled.
    virtual Result<std::size_t> verify_pin(std::size_t slot, const transport::PinVerification& pin,
                                           std::span<std::uint8_t> response) = 0;
    virtual Result<std::size_t> modify_pin(std::size_t slot, const transport::PinModification& pin,
                                           std::span<std::uint8_t> response) = 0;

    /// Blocks until the slot's presence changes, stop_waiting(slot) is called, the device
    /// goes, or `timeout` passes. A stop_waiting() with nobody waiting makes the next wait
    /// on that slot return `stopped` at once (pcscd may stop before its thread waits).
    virtual WaitOutcome wait_for_change(std::size_t slot, std::chrono::milliseconds timeout) = 0;
    virtual void stop_waiting(std::size_t slot) = 0;

    /// pcscd says the device is gone (TAG_IFD_DEVICE_REMOVED): fail everything from now on.
    virtual void device_removed() = 0;
};

}  // namespace tessera::ifd

TESSERA_ERROR_ENUM(tessera::ifd, ChannelError, "IFD channel");
