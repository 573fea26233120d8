// The driver's log: categories as libccid users know them (ifdLogLevel bits: 1 critical,
// 2 info, 4 communication, 8 periodic), written to a sink the driver's owner provides
// (pcscd's log_msg when loaded by pcscd, stderr otherwise).
//
// APDU tracing never shows PIN material: the data field of commands that carry a PIN or
// key reference data in clear (ISO 7816-4 VERIFY 20/21, CHANGE REFERENCE DATA 24/25,
// RESET RETRY COUNTER 2C/2D, ENABLE/DISABLE VERIFICATION REQUIREMENT 26/28) is
// replaced by "**" per byte, and PIN pad structures are logged by their fields only.
//
// Thread rules: a Log is immutable after construction; log calls may come from any thread
// and go straight to the sink, which must be thread-safe itself.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "config/driver_options.hpp"
#include "base/bytes.hpp"

namespace tessera::ifd {

/// The ifdLogLevel bits, as the driver options define them.
using LogCategory = config::LogCategory;

/// pcscd's priorities (debuglog.h PCSC_LOG_DEBUG .. PCSC_LOG_CRITICAL).
enum class LogPriority : int { debug = 0, info = 1, error = 2, critical = 3 };

using LogSink = std::function<void(LogPriority, std::string_view)>;

/// libccid's default: critical and info.
inline constexpr std::uint32_t kDefaultLogLevel = config::LogLevel{}.bits;

class Log {
public:
    Log() = default;
    Log(std::uint32_t level_mask, LogSink sink) : level_(level_mask), sink_(std::move(sink)) {}

    bool enabled(LogCategory category) const noexcept {
        return sink_ && (level_ & static_cast<std::uint32_t>(category)) != 0;
    }
    std::uint32_t level() const noexcept { return level_; }

    void write(LogCategory category, std::string_view message) const;

    /// "<label> 00 A4 04 00 ..." with PIN data masked, at the communication level.
    void command_apdu(std::string_view label, ByteView apdu) const;
    void response_apdu(std::string_view label, ByteView apdu) const;

private:
    std::uint32_t level_ = 0;
    LogSink sink_;
};

/// The APDU as spaced hex, PIN-bearing data fields masked (see above).
std::string masked_command_apdu(ByteView apdu);

/// True for the instructions whose data field is masked.
bool carries_pin(std::uint8_t cla, std::uint8_t ins) noexcept;

}  // namespace tessera::ifd
