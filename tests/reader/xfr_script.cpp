#include "tests/reader/xfr_script.hpp"

#include <algorithm>

#include "transport/usb/usb_error.hpp"

namespace tessera::test {

Result<transport::Response> XfrScript::xfr_block(ByteView abData, std::uint16_t wLevelParameter,
                                                 std::chrono::milliseconds) {
    ++calls_;
    if (script_.empty()) {
        mismatches_.push_back("unscripted XfrBlock " + to_hex(abData, true));
        return usb::UsbError::io;
    }
    XfrStep step = std::move(script_.front());
    script_.pop_front();
    if (!std::equal(abData.begin(), abData.end(), step.expected.begin(), step.expected.end()) ||
        wLevelParameter != step.level) {
        mismatches_.push_back("XfrBlock " + to_hex(abData, true) + " level " +
                              std::to_string(wLevelParameter) + " instead of " +
                              to_hex(step.expected, true) + " level " + std::to_string(step.level));
        return usb::UsbError::io;
    }
    if (step.error) return step.error;
    transport::Response response;
    response.bMessageType = transport::MessageType::RDR_to_PC_DataBlock;
    response.abData = std::move(step.answer);
    response.dwLength = static_cast<std::uint32_t>(response.abData.size());
    response.bChainParameter = step.chain;
    return response;
}

}  // namespace tessera::test
