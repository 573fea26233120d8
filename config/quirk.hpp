// Reader quirks: the ways a real reader departs from the CCID specification, as flags.
//
// A quirk is a fact about a reader model recorded in the reader database (readers.conf),
// each with the reason it was set. The driver looks the flags up once when it opens a
// reader (by VID/PID and bcdDevice, see reader_database.hpp) and maps them, in one
// function (ifdhandler/quirk_options.hpp), to options of the transport layer; protocol
// and transport code then test those options, never vendor or product IDs. This file
// names the flags and says what each one makes the driver do.
//
// Every flag acts; tests/ifdhandler/test_quirk_options.cpp has one row per flag and fails
// for a flag without one. Anomalies the driver handles for every reader need no flag:
// answers to GET_CLOCK_FREQUENCIES / GET_DATA_RATES of the wrong size are bounded by the
// request's wLength and cut to whole dwords for all readers (transport/class_descriptor.hpp,
// parse_rate_list), so readers.conf records them as comments only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tessera::config {

enum class Quirk : std::uint8_t {
    /// The CCID interface has bInterfaceClass 0xFF (vendor specific) instead of 0x0B.
    /// The driver takes a class 0xFF interface for a CCID one, and looks for the class
    /// descriptor there, only with this flag (DescriptorOptions::
    /// accept_vendor_interface_class; without it CcidReader::open refuses the interface).
    vendor_interface_class,
    /// The class descriptor has bDescriptorType 0xFF instead of 0x21 (CCID 5.1).
    /// The driver accepts that type (DescriptorOptions::accept_proprietary_type).
    proprietary_descriptor_type,
    /// bNumClockSupported is not 0 but the reader stalls or times out on
    /// GET_CLOCK_FREQUENCIES (CCID 5.3.2). The driver does not send it (no stall, no
    /// timeout at open) and uses dwDefaultClock and dwMaximumClock
    /// (ReaderOptions::request_clock_list false).
    clock_request_refused,
    /// bNumDataRatesSupported is not 0 but the reader stalls or times out on
    /// GET_DATA_RATES (CCID 5.3.3). The driver does not send it and uses the range
    /// dwDataRate .. dwMaxDataRate (ReaderOptions::request_data_rate_list false).
    data_rate_request_refused,
    /// The reader needs a zero-length packet after a bulk-OUT message whose length is a
    /// multiple of the endpoint's wMaxPacketSize, or it waits for more data (USB 2.0
    /// 5.8.3). The driver sends one (ReaderOptions::zero_length_packet,
    /// UsbPort::set_zero_length_packet). No reader in the dump corpus shows it; the flag
    /// is for entries added from bug reports.
    zero_length_packet,
};

inline constexpr std::size_t kQuirkCount = 5;

/// Every quirk, in enum order.
inline constexpr std::array<Quirk, kQuirkCount> kAllQuirks = {
    Quirk::vendor_interface_class, Quirk::proprietary_descriptor_type,
    Quirk::clock_request_refused,  Quirk::data_rate_request_refused,
    Quirk::zero_length_packet,
};

/// The flag's name as written in readers.conf (the enumerator's name).
std::string_view quirk_name(Quirk quirk);

/// The flag of that name, or nullopt for a name no flag has (exact, case-sensitive).
std::optional<Quirk> quirk_from_name(std::string_view name);

/// One sentence on what the flag asks of the driver, for logs and tools.
std::string_view describe(Quirk quirk);

/// A set of quirks: a value type, cheap to copy, tested with has().
class QuirkSet {
  public:
    constexpr QuirkSet() = default;

    constexpr bool has(Quirk quirk) const { return (bits_ & bit(quirk)) != 0; }
    constexpr void add(Quirk quirk) { bits_ |= bit(quirk); }
    constexpr void add(QuirkSet other) { bits_ |= other.bits_; }
    constexpr bool empty() const { return bits_ == 0; }
    constexpr std::uint32_t bits() const { return bits_; }
    constexpr bool operator==(const QuirkSet&) const = default;

  private:
    static constexpr std::uint32_t bit(Quirk quirk) {
        return std::uint32_t{1} << static_cast<unsigned>(quirk);
    }
    std::uint32_t bits_ = 0;
};

}  // namespace tessera::config
