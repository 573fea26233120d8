// Driver: the IFD handler API v3 (pcsc-lite ifdhandler.h) over Channels.
//
// One Driver object owns every open reader. pcscd names a reader and slot by its Lun:
// (reader number << 16) | slot. The Driver maps the reader number to the Channel it opened
// for it in create_channel_by_name(); there is no fixed array and no limit but
// kSimultaneousReaders, which pcscd reads. For a multi-slot reader pcscd opens (and later
// closes) the Lun of every slot with the same device name: the later slots share the
// channel, which is closed with the last of them.
//
// Every method is one IFDH function with the same arguments in C++ types and returns its
// RESPONSECODE; the extern "C" exports (exports.cpp) only forward to the process's Driver.
// Errors from the channels are translated here, in one function (response_code), and
// logged with the function's name.
//
// Threads: pcscd calls from several threads at once (TAG_IFD_THREAD_SAFE says it may).
// The reader table is guarded by a mutex held only to look up or change entries; each
// call works on a shared_ptr to its Channel, so close_channel() on one thread never frees
// a Channel another thread is inside (the last user releases it).
#pragma once

#include "ifdhandler/pcsc_api.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "ifdhandler/channel.hpp"
#include "ifdhandler/log.hpp"
#include "ifdhandler/part10.hpp"

namespace tessera::ifd {

/// Opens a reader by pcscd device name ("usb:VID/PID:libudev:IF:/dev/bus/usb/B/D", or the
/// emulated reader's names); an empty name means "the first reader not open yet"
/// (IFDHCreateChannel). Errors: ChannelError::device_gone (no such device),
/// communication (it exists but cannot be opened).
using ChannelOpener =
    std::function<Result<std::shared_ptr<Channel>>(std::string_view device_name)>;

struct DriverSettings {
    bool escape_allowed = false;  // CCID_ESC_COMMAND through IFDHControl (off by default)
};

class Driver {
public:
    Driver(ChannelOpener opener, DriverSettings settings, Log log);
    Driver(const Driver&) = delete;
    Driver& operator=(const Driver&) = delete;

    RESPONSECODE create_channel_by_name(DWORD lun, std::string_view device_name);
    RESPONSECODE create_channel(DWORD lun, DWORD channel);
    RESPONSECODE close_channel(DWORD lun);

    /// Data tags only; the function-pointer tags are the exports' business.
    RESPONSECODE get_capabilities(DWORD lun, DWORD tag, DWORD* length, std::uint8_t* value);
    RESPONSECODE set_capabilities(DWORD lun, DWORD tag, DWORD length, const std::uint8_t* value);
    RESPONSECODE set_protocol_parameters(DWORD lun, DWORD protocol, std::uint8_t flags,
                                         std::uint8_t pts1, std::uint8_t pts2, std::uint8_t pts3);
    RESPONSECODE power_icc(DWORD lun, DWORD action, std::uint8_t* atr, DWORD* atr_length);
    RESPONSECODE transmit_to_icc(DWORD lun, const SCARD_IO_HEADER& send_pci, ByteView command,
                                 std::uint8_t* response, DWORD* response_length,
                                 SCARD_IO_HEADER* receive_pci);
    RESPONSECODE control(DWORD lun, DWORD control_code, ByteView command, std::uint8_t* response,
                         DWORD response_length, DWORD* bytes_returned);
    RESPONSECODE icc_presence(DWORD lun);

    /// The polling callback pcscd gets through TAG_IFD_POLLING_THREAD_WITH_TIMEOUT: waits
    /// (timeout in ms) for a change of the slot's presence; IFD_SUCCESS on a change, on a
    /// timeout and when stopped (pcscd then asks icc_presence), IFD_NO_SUCH_DEVICE when
    /// the reader is gone.
    RESPONSECODE poll(DWORD lun, int timeout_ms);
    /// TAG_IFD_STOP_POLLING_THREAD: makes a poll() on that slot return promptly.
    RESPONSECODE stop_polling(DWORD lun);

    /// Whether the Lun's reader reports slot changes by interrupt (then pcscd gets the
    /// polling callbacks); false for an unknown Lun.
    bool interrupt_events(DWORD lun) const;

    /// Readers open now (for tests and logs).
    std::size_t open_readers() const;

    const Log& log() const noexcept { return log_; }

private:
    struct Reader {
        std::shared_ptr<Channel> channel;
        std::string device_name;
        std::set<std::size_t> open_slots;  // pcscd opens and closes each slot's Lun
    };
    struct Target {
        std::shared_ptr<Channel> channel;
        std::size_t slot = 0;
    };

    /// The channel and slot of a Lun; nullopt (logged) for an unknown reader or slot.
    std::optional<Target> find(DWORD lun, std::string_view function) const;
    RESPONSECODE open(DWORD lun, std::string_view device_name, std::string_view function);
    RESPONSECODE fail(std::string_view function, DWORD lun, std::error_code error) const;
    Part10Reader part10(const Channel& channel) const;
    RESPONSECODE control_feature(DWORD lun, const Target& target, Feature feature, ByteView command,
                                 std::span<std::uint8_t> response, DWORD* bytes_returned);

    ChannelOpener opener_;
    DriverSettings settings_;
    Log log_;
    mutable std::mutex mutex_;
    std::map<DWORD, Reader> readers_;  // by reader number (Lun >> 16)
};

/// The RESPONSECODE for a failure (one translation for the whole driver).
RESPONSECODE response_code(std::error_code error) noexcept;

}  // namespace tessera::ifd
