// The order in which a slot tries supply voltages at power on (ISO/IEC 7816-3:2006 5.1.3
// classes of operating conditions, 6.2.4 selection of the class; CCID 6.1.1 bPowerSelect).
//
// ISO 7816-3 6.2.4: an interface device that supports several classes starts activation
// with the lowest one it supports (class C 1.8 V, then class B 3 V, then class A 5 V), so
// that a low-voltage card never sees a higher voltage than it needs. When the card gives
// no (usable) ATR, the device deactivates it and tries the next higher class. When the
// ATR carries a class indicator (first TA for T=15, 8.3) that does not list the class in
// use, the device deactivates the card and activates it in a class the indicator lists;
// without a class indicator the current class is kept.
//
// A reader with automatic voltage selection (CCID 5.1 dwFeatures 0x08) chooses itself:
// bPowerSelect 00 only. Pure functions; no state.
#pragma once

#include <optional>
#include <vector>

#include "transport/reader/card_parameters.hpp"
#include "transport/ccid_command.hpp"
#include "transport/class_descriptor.hpp"

namespace tessera::reader {

/// The bPowerSelect values to try, in order: {forced} when a voltage is forced (a driver
/// option; the reader refuses one it lacks), {automatic} when the reader selects the
/// voltage itself (or names no voltage in bVoltageSupport), otherwise its supported
/// voltages from the lowest up (1.8 V, 3 V, 5 V).
std::vector<transport::PowerSelect> voltage_order(
    const transport::ReaderCapabilities& caps,
    std::optional<transport::PowerSelect> forced = std::nullopt);

/// Whether the card accepts the class it was activated in, judged by its ATR: true
/// without a class indicator (6.2.4: keep the class) or for automatic selection (the
/// reader chose); otherwise whether the indicator lists that class (A 5 V, B 3 V, C 1.8 V).
bool class_accepted(const CardParameters& card, transport::PowerSelect used);

/// The first voltage after `used` in `order` that the ATR's class indicator lists;
/// nullopt when none is left (or the ATR has no indicator).
std::optional<transport::PowerSelect> next_indicated_voltage(
    const std::vector<transport::PowerSelect>& order, transport::PowerSelect used,
    const CardParameters& card);

}  // namespace tessera::reader
