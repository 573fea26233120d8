// CcidChannel: the Channel of a USB CCID reader: a UsbDevice from the process's UsbContext,
// the CcidReader over it, and the translation of reader errors into ChannelErrors (the
// only place that translation happens).
//
// Presence comes from the reader's interrupt endpoint (no USB traffic per question) when
// it has one, and from PC_to_RDR_GetSlotStatus otherwise. wait_for_change() (the polling
// function's wait) keeps its own contract, whatever else is called in between: it returns
// `changed` when the slot's presence changed since its own previous `changed` return (since
// the channel opened, for the first one), and present() already reflects that change when
// it returns. present() never moves the wait's reference point, so a presence question
// from another thread cannot hide a change from the polling thread, and a caller that
// never asks present() gets one return per change, not a busy loop.
//
// Threads: as Channel says. The reader serialises its commands; the wait state per slot
// has its own small lock.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string_view>
#include <vector>

#include "config/quirk.hpp"
#include "ifdhandler/channel.hpp"
#include "transport/reader/ccid_reader.hpp"
#include "transport/usb/libusb_context.hpp"

namespace tessera::ifd {

struct CcidChannelSettings {
    reader::ReaderOptions reader{};
    /// Quirk lookup (config/): the flags of the opened device, looked up once at open and
    /// applied to `reader` with apply_quirks() (quirk_options.hpp). Empty: no flags.
    std::function<config::QuirkSet(const usb::UsbPortInfo&)> quirks;
};

class CcidChannel final : public Channel {
public:
    /// Opens the device pcscd names (usb:VVVV/PPPP[:libudev:IF:/dev/bus/usb/BBB/DDD], the
    /// libusb form, or empty for the first CCID device) and its CCID interface.
    /// Errors: device_gone (not found / unplugged), communication (cannot open it).
    static Result<std::shared_ptr<CcidChannel>> open(usb::UsbContext& context,
                                                     std::string_view device_name,
                                                     const CcidChannelSettings& settings);
    ~CcidChannel() override;

    const ReaderFacts& facts() const override { return facts_; }
    Result<bool> present(std::size_t slot) override;
    SlotFacts slot_facts(std::size_t slot) override;
    Result<Bytes> power_up(std::size_t slot) override;
    Result<Bytes> reset(std::size_t slot) override;
    std::error_code power_down(std::size_t slot) override;
    Result<std::uint8_t> select_protocol(std::size_t slot, std::uint16_t protocols) override;
    Result<std::size_t> transmit(std::size_t slot, ByteView apdu,
                                 std::span<std::uint8_t> response) override;
    Result<std::size_t> escape(ByteView command, std::span<std::uint8_t> response) override;
    Result<std::size_t> verify_pin(std::size_t slot, const transport::PinVerification& pin,
                                   std::span<std::uint8_t> response) override;
    Result<std::size_t> modify_pin(std::size_t slot, const transport::PinModification& pin,
                                   std::span<std::uint8_t> response) override;
    WaitOutcome wait_for_change(std::size_t slot, std::chrono::milliseconds timeout) override;
    void stop_waiting(std::size_t slot) override;
    void device_removed() override;

private:
    /// PC_to_RDR_Secure with a verification or modification structure (one body for both).
    template <class Structure>
    Result<std::size_t> secure(std::size_t slot, const Structure& pin, std::span<std::uint8_t> response);

    struct SlotWait {
        std::mutex mutex;
        std::stop_source stop;
        bool stop_pending = false;          // a stop with nobody waiting
        std::uint64_t polled_generation = 0;  // where the last `changed` return left off
    };

    CcidChannel(std::unique_ptr<usb::UsbDevice> device, std::unique_ptr<reader::CcidReader> reader);
    reader::Slot* slot_of(std::size_t slot);
    bool gone() const;

    std::unique_ptr<usb::UsbDevice> device_;  // outlives reader_ (declared first)
    std::unique_ptr<reader::CcidReader> reader_;
    ReaderFacts facts_;
    std::vector<std::unique_ptr<SlotWait>> waits_;
    std::atomic<bool> removed_{false};
};

/// ReaderError (or any lower error) -> ChannelError, for the operation kind: protocol
/// selection failures are PPS failures, activation failures are power failures.
enum class Operation { other, power, protocol, transmit };
std::error_code to_channel_error(std::error_code error, Operation operation);

}  // namespace tessera::ifd
