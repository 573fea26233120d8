// Slot::Xfr: the slot's XfrChannel over the reader's command channel (internal to
// transport/reader; used by slot_protocol.cpp and slot_transmit.cpp). Call with the
// reader's command lock held.
#pragma once

#include "transport/reader/slot.hpp"

namespace tessera::reader {

class Slot::Xfr final : public XfrChannel {
public:
    explicit Xfr(Slot& slot) : slot_(slot) {}

    Result<transport::Response> xfr_block(ByteView abData, std::uint16_t wLevelParameter,
                                          std::chrono::milliseconds timeout) override;
    std::size_t max_data_length() const override;

private:
    Slot& slot_;
};

}  // namespace tessera::reader
