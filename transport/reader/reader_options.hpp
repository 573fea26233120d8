// ReaderOptions: the knobs of the reader and slot model, with defaults a real reader and
// pcscd are served well by. Every wait below is bounded; tests shorten them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "transport/ccid_command.hpp"
#include "transport/class_descriptor.hpp"
#include "transport/reader/command_channel.hpp"

namespace tessera::reader {

struct ReaderOptions {
    /// The CCID exchange bounds (time extensions, stale messages, total wait, ABORT
    /// timeout); the message limits come from the class descriptor.
    ExchangeBounds exchange{};
    /// Bounds each bulk-OUT transfer.
    std::chrono::milliseconds write_timeout{5'000};
    /// GET_CLOCK_FREQUENCIES / GET_DATA_RATES at open (CCID 5.3.2, 5.3.3).
    std::chrono::milliseconds control_timeout{1'000};
    /// First wait for the ATR of PC_to_RDR_IccPowerOn (the reader answers ICC_MUTE
    /// itself after ISO 7816-3 6.2.2's 40 000 clock cycles; this bounds a silent reader).
    std::chrono::milliseconds power_on_timeout{5'000};
    /// First wait for commands that do not involve the card (GetSlotStatus, IccPowerOff,
    /// SetParameters, SetDataRateAndClockFrequency).
    std::chrono::milliseconds status_timeout{3'000};
    /// Added to every card waiting time (WT, BWT) for the USB round trip and the reader.
    std::chrono::milliseconds command_overhead{1'000};
    /// First wait for a whole APDU at short / extended APDU level (the reader runs the
    /// protocol; a slow card makes it send time extensions).
    std::chrono::milliseconds apdu_timeout{5'000};
    /// ISO 7816-3 9 fallbacks: faster PPS candidates per protocol (iso7816::RateRequest).
    std::size_t max_pps_candidates = 3;
    /// The one supply voltage cards are activated with (the tesseraPowerOnVoltage driver
    /// option), instead of the class order of voltage_order(); nullopt: that order.
    std::optional<transport::PowerSelect> power_on_voltage;
    // What the reader quirk flags of config/ change here (config::QuirkSet is mapped to
    // these fields in one place, ifdhandler/quirk_options.hpp); the defaults are the
    // specification's behaviour.

    /// Class descriptor parsing options (vendor interface class, descriptor type 0xFF).
    transport::DescriptorOptions descriptor{};
    /// Send GET_CLOCK_FREQUENCIES at open (CCID 5.3.2). false: the request is never sent
    /// and the descriptor's dwDefaultClock and dwMaximumClock stand (a reader that stalls
    /// or times out on it).
    bool request_clock_list = true;
    /// Send GET_DATA_RATES at open (CCID 5.3.3). false: never sent; every rate between
    /// dwDataRate and dwMaxDataRate is assumed (CCID 5.1, bNumDataRatesSupported = 0).
    bool request_data_rate_list = true;
    /// End each bulk-OUT message of whole packets with a zero-length packet (USB 2.0
    /// 5.8.3, UsbPort::set_zero_length_packet), for a reader that otherwise waits.
    bool zero_length_packet = false;
};

}  // namespace tessera::reader
