// XfrScript: an XfrChannel for tests of the exchange levels: each expected XfrBlock
// (abData, wLevelParameter) is answered with a DataBlock (abData, bChainParameter) or an
// error. Calls beyond the script or off the script fail with UsbError::io and are
// recorded, so a test never hangs.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "transport/ccid_response.hpp"
#include "transport/reader/xfr_channel.hpp"

namespace tessera::test {

struct XfrStep {
    XfrStep(Bytes expected_data, std::uint16_t expected_level, Bytes answer_data = {},
            transport::ChainParameter answer_chain = transport::ChainParameter::begins_and_ends,
            std::error_code failure = {})
        : expected(std::move(expected_data)),
          level(expected_level),
          answer(std::move(answer_data)),
          chain(answer_chain),
          error(failure) {}

    Bytes expected;
    std::uint16_t level = 0;
    Bytes answer;
    transport::ChainParameter chain = transport::ChainParameter::begins_and_ends;
    std::error_code error;
};

class XfrScript final : public reader::XfrChannel {
public:
    explicit XfrScript(std::size_t max_data_length = 261) : max_data_(max_data_length) {}

    void add(XfrStep step) { script_.push_back(std::move(step)); }
    std::size_t remaining() const { return script_.size(); }
    const std::vector<std::string>& mismatches() const { return mismatches_; }
    std::size_t calls() const { return calls_; }

    Result<transport::Response> xfr_block(ByteView abData, std::uint16_t wLevelParameter,
                                          std::chrono::milliseconds timeout) override;
    std::size_t max_data_length() const override { return max_data_; }

private:
    std::size_t max_data_;
    std::deque<XfrStep> script_;
    std::vector<std::string> mismatches_;
    std::size_t calls_ = 0;
};

}  // namespace tessera::test
