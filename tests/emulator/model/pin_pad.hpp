// PinPad: the keypad of an emulated PIN pad reader while it runs. It hands out the
// user's entries (the configured queue, then the default PIN), applies the keypad's entry
// rules to each, and keeps a trace of the command APDUs the reader built with the PINs
// (so that tests can check the exact bytes sent to the card).
//
// Entry rules (CCID 6.1.11.7 wPINMaxExtraDigit and bEntryValidationCondition). CCID rev
// 1.1 defines no bError for a PIN outside the minimum / maximum; this keypad checks the
// length while the user types, as deployed pads do:
//   - keys other than '0'..'9' are ignored, and digits beyond the maximum are not accepted;
//   - Cancel ends the entry with PIN_CANCELLED (0xEF);
//   - bEntryValidationCondition bit 0: the entry ends by itself at the maximum size;
//   - bit 1: the validation key ends it, but only once the minimum is reached (the key is
//     refused below it);
//   - bit 2: the timeout ends it and validates what was typed, if the minimum is reached;
//   - an entry none of these ends runs into the timeout: PIN_TIMEOUT (0xF0). So a PIN
//     shorter than the minimum ends with PIN_TIMEOUT and one longer than the maximum is
//     cut at the maximum.
//
// Sans-IO and without time. Not thread-safe; owned by its CcidDevice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "tests/emulator/model/pin_pad_config.hpp"

namespace tessera::emulator {

/// bError of a PIN entry that did not end with a PIN (CCID 6.2.6).
inline constexpr std::uint8_t kErrorPinTimeout = 0xF0;    // PIN_TIMEOUT
inline constexpr std::uint8_t kErrorPinCancelled = 0xEF;  // PIN_CANCELLED
/// A modification whose two entries of the new PIN differ. CCID rev 1.1 names no error
/// for it; the model uses the first user-defined code (6.2.6: C0h to 81h), which a
/// driver maps to part 10's 6402.
inline constexpr std::uint8_t kErrorPinMismatch = 0xC0;

/// What the reader asks of one entry.
struct PinEntryRules {
    std::size_t min_digits = 0;
    std::size_t max_digits = 0;  // already capped by what the PIN block can hold
    std::uint8_t bEntryValidationCondition = 0x02;
};

/// The PIN typed (digits '0'..'9'), or the bError that ended the entry.
struct PinEntryResult {
    std::optional<std::string> pin;
    std::uint8_t bError = 0;
};

class PinPad {
public:
    explicit PinPad(PinPadConfig config);

    const PinPadConfig& config() const noexcept { return config_; }

    /// Queues an entry after the ones not yet typed.
    void type(PinEntry entry) { queue_.push_back(std::move(entry)); }
    std::size_t entries_waiting() const noexcept { return queue_.size(); }

    /// The user's next entry under `rules` (see the file comment).
    PinEntryResult enter(const PinEntryRules& rules);

    /// The reader built `apdu` with the entered PIN(s) and sends it to the card.
    void record_apdu(Bytes apdu) { apdus_.push_back(std::move(apdu)); }

    /// Every APDU built with PINs, oldest first; nullopt / empty before the first.
    const std::vector<Bytes>& apdus() const noexcept { return apdus_; }
    std::optional<Bytes> last_apdu() const;
    /// Entries taken (typed, cancelled or timed out) since construction.
    std::size_t entries_taken() const noexcept { return entries_taken_; }

private:
    PinPadConfig config_;
    std::deque<PinEntry> queue_;
    std::vector<Bytes> apdus_;
    std::size_t entries_taken_ = 0;
};

}  // namespace tessera::emulator
