// The dwFeatures bits CCID rev 1.1 section 5.1 names, each with the boolean of
// transport::Features it sets: the expectation the descriptor and corpus tests share.
#pragma once

#include <cstdint>

#include "transport/class_descriptor.hpp"

namespace tessera::test {

struct FeatureBit {
    std::uint32_t value;
    bool transport::Features::*member;
};

inline constexpr FeatureBit kNamedFeatureBits[] = {
    {0x00000002, &transport::Features::automatic_parameter_configuration},
    {0x00000004, &transport::Features::automatic_activation},
    {0x00000008, &transport::Features::automatic_voltage},
    {0x00000010, &transport::Features::automatic_clock},
    {0x00000020, &transport::Features::automatic_baud_rate},
    {0x00000040, &transport::Features::automatic_parameter_negotiation},
    {0x00000080, &transport::Features::automatic_pps},
    {0x00000100, &transport::Features::clock_stop},
    {0x00000200, &transport::Features::nad_other_than_00},
    {0x00000400, &transport::Features::automatic_ifsd_exchange},
    {0x00000800, &transport::Features::iccd_token},
    {0x00100000, &transport::Features::usb_wake_up},
};

}  // namespace tessera::test
