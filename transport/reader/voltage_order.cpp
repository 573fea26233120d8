#include "transport/reader/voltage_order.hpp"

#include <algorithm>

namespace tessera::reader {

using transport::PowerSelect;

std::vector<PowerSelect> voltage_order(const transport::ReaderCapabilities& caps,
                                       std::optional<PowerSelect> forced) {
    if (forced) return {*forced};
    const transport::VoltageSupport& v = caps.voltages;
    if (caps.features.automatic_voltage || !(v.v1_8 || v.v3_0 || v.v5_0)) {
        return {PowerSelect::automatic};
    }
    std::vector<PowerSelect> order;
    if (v.v1_8) order.push_back(PowerSelect::volts_1_8);  // class C first (7816-3 6.2.4)
    if (v.v3_0) order.push_back(PowerSelect::volts_3_0);  // class B
    if (v.v5_0) order.push_back(PowerSelect::volts_5_0);  // class A
    return order;
}

namespace {

// Class indicator Y (ISO 7816-3 8.3): b1 class A, b2 class B, b3 class C.
bool indicator_lists(std::uint8_t classes, PowerSelect voltage) {
    switch (voltage) {
        case PowerSelect::volts_5_0: return (classes & 0x01) != 0;
        case PowerSelect::volts_3_0: return (classes & 0x02) != 0;
        case PowerSelect::volts_1_8: return (classes & 0x04) != 0;
        case PowerSelect::automatic: return true;
    }
    return false;
}

}  // namespace

bool class_accepted(const CardParameters& card, PowerSelect used) {
    if (!card.classes) return true;
    return indicator_lists(*card.classes, used);
}

std::optional<PowerSelect> next_indicated_voltage(const std::vector<PowerSelect>& order,
                                                  PowerSelect used, const CardParameters& card) {
    if (!card.classes) return std::nullopt;
    auto it = std::find(order.begin(), order.end(), used);
    if (it == order.end()) return std::nullopt;
    for (++it; it != order.end(); ++it) {
        if (indicator_lists(*card.classes, *it)) return *it;
    }
    return std::nullopt;
}

}  // namespace tessera::reader
