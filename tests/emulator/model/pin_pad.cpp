#include "tests/emulator/model/pin_pad.hpp"

namespace tessera::emulator {

// bEntryValidationCondition bits (CCID 6.1.11.7).
namespace {
constexpr std::uint8_t kEndsAtMaxSize = 0x01;
constexpr std::uint8_t kEndsWithKey = 0x02;
constexpr std::uint8_t kEndsWithTimeout = 0x04;
}  // namespace

PinPad::PinPad(PinPadConfig config)
    : config_(std::move(config)), queue_(config_.entries.begin(), config_.entries.end()) {}

std::optional<Bytes> PinPad::last_apdu() const {
    if (apdus_.empty()) {
        return std::nullopt;
    }
    return apdus_.back();
}

PinEntryResult PinPad::enter(const PinEntryRules& rules) {
    PinEntry entry{config_.default_pin, PinUserAction::validate};
    if (!queue_.empty()) {
        entry = std::move(queue_.front());
        queue_.pop_front();
    }
    ++entries_taken_;
    if (entry.action == PinUserAction::cancel) {
        return {std::nullopt, kErrorPinCancelled};
    }
    std::string accepted;
    for (const char key : entry.digits) {
        if (key >= '0' && key <= '9' && accepted.size() < rules.max_digits) {
            accepted.push_back(key);
        }
    }
    const std::uint8_t condition = rules.bEntryValidationCondition;
    const bool long_enough = accepted.size() >= rules.min_digits;
    if ((condition & kEndsAtMaxSize) != 0 && accepted.size() == rules.max_digits) {
        return {accepted, 0};
    }
    if (entry.action == PinUserAction::validate && (condition & kEndsWithKey) != 0 && long_enough) {
        return {accepted, 0};
    }
    if ((condition & kEndsWithTimeout) != 0 && long_enough) {
        return {accepted, 0};
    }
    return {std::nullopt, kErrorPinTimeout};
}

}  // namespace tessera::emulator
