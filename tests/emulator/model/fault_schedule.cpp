#include "tests/emulator/model/fault_schedule.hpp"

#include <algorithm>

namespace tessera::emulator {

const char* to_string(FaultKind kind) noexcept {
    switch (kind) {
        case FaultKind::bulk_out_stall: return "bulk OUT stall";
        case FaultKind::bulk_in_stall: return "bulk IN stall";
        case FaultKind::no_answer: return "no answer";
        case FaultKind::short_reply: return "short reply";
        case FaultKind::trailing_bytes: return "trailing bytes";
        case FaultKind::oversized_reply: return "oversized reply";
        case FaultKind::wrong_bseq: return "wrong bSeq";
        case FaultKind::wrong_bslot: return "wrong bSlot";
        case FaultKind::endless_time_extension: return "endless time extension";
        case FaultKind::hardware_error: return "hardware error";
        case FaultKind::unplug: return "unplug";
    }
    return "unknown fault";
}

void FaultSchedule::add(FaultPlan plan) {
    plans_.push_back(ActivePlan{plan, 0, 0});
}

std::vector<FaultKind> FaultSchedule::on_command(std::uint8_t bMessageType, std::uint8_t bSlot) {
    std::vector<FaultKind> hits;
    for (auto& active : plans_) {
        const FaultPlan& plan = active.plan;
        if (plan.slot && *plan.slot != bSlot) {
            continue;
        }
        if (plan.message_type && static_cast<std::uint8_t>(*plan.message_type) != bMessageType) {
            continue;
        }
        const std::size_t index = active.seen++;
        if (index < plan.after || active.fired >= plan.times) {
            continue;
        }
        ++active.fired;
        if (std::find(hits.begin(), hits.end(), plan.what) == hits.end()) {
            hits.push_back(plan.what);
            ++fired_by_kind_.at(static_cast<std::size_t>(plan.what));
        }
    }
    return hits;
}

std::size_t FaultSchedule::fired(FaultKind kind) const noexcept {
    return fired_by_kind_[static_cast<std::size_t>(kind)];
}

}  // namespace tessera::emulator
