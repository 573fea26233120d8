// Test helpers for the emulated reader's suite: a minimal host that drives a CcidDevice
// through the UsbDeviceModel calls only, with bytes built by the transport codec and
// answers decoded by it. Test-only; each helper REQUIREs what it relies on.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <optional>

#include "base/bytes.hpp"
#include "tests/emulator/model/ccid_device.hpp"
#include "tests/emulator/model/reader_profiles.hpp"
#include "transport/ccid_command.hpp"
#include "transport/ccid_interrupt.hpp"
#include "transport/ccid_response.hpp"

namespace tessera::emulator::testing {

inline std::unique_ptr<CcidDevice> make_device(ReaderConfig config) {
    auto device = CcidDevice::create(std::move(config));
    REQUIRE(device.has_value());
    return std::move(*device);
}

inline std::unique_ptr<CcidDevice> make_device(Profile profile) {
    return make_device(make_profile(profile));
}

/// What a host knows of the device and the bSeq it allocates.
class Host {
public:
    explicit Host(CcidDevice& device)
        : device_(device),
          limits_{device.config().descriptor.bMaxSlotIndex,
                  device.config().descriptor.dwMaxCCIDMessageLength} {}

    const transport::MessageLimits& limits() const { return limits_; }
    transport::Address next(std::uint8_t slot = 0) { return {slot, seq_++}; }
    std::uint8_t last_seq() const { return static_cast<std::uint8_t>(seq_ - 1); }

    UsbAnswer send(ByteView message) {
        return device_.bulk_out(device_.config().endpoints.bulk_out, message);
    }
    UsbAnswer read(std::size_t max_length = transport::kMaxMaxMessageLength) {
        return device_.in(device_.config().endpoints.bulk_in, max_length);
    }
    UsbAnswer read_interrupt(std::size_t max_length = 64) {
        REQUIRE(device_.config().endpoints.interrupt_in.has_value());
        return device_.in(*device_.config().endpoints.interrupt_in, max_length);
    }

    /// Reads one bulk IN message and decodes it (REQUIREs both).
    transport::Response receive() {
        const UsbAnswer answer = read();
        REQUIRE(answer.status == Completion::done);
        auto decoded = transport::decode_response(answer.data, limits_);
        REQUIRE_MESSAGE(decoded.has_value(), decoded.error().message());
        return *decoded;
    }

    /// Reads until an answer that is not a time extension; counts the extensions.
    transport::Response receive_final(std::size_t* time_extensions = nullptr) {
        std::size_t extensions = 0;
        for (;;) {
            transport::Response response = receive();
            if (!response.time_extension()) {
                if (time_extensions != nullptr) {
                    *time_extensions = extensions;
                }
                return response;
            }
            ++extensions;
            REQUIRE(extensions < 10000);
        }
    }

    /// Sends an encoded command and returns its final answer, checked against bSeq,
    /// bSlot and the expected message type.
    transport::Response run(const Result<Bytes>& command, std::size_t* time_extensions = nullptr) {
        REQUIRE_MESSAGE(command.has_value(), command.error().message());
        const auto expected = transport::expected_answer(*command);
        REQUIRE(expected.has_value());
        REQUIRE(send(*command).status == Completion::done);
        transport::Response response = receive_final(time_extensions);
        CHECK(response.bSeq == expected->bSeq);
        CHECK(response.bSlot == expected->bSlot);
        CHECK(response.bMessageType == expected->bMessageType);
        return response;
    }

    transport::Response power_on(std::uint8_t slot = 0,
                                 transport::PowerSelect select = transport::PowerSelect::automatic) {
        return run(transport::encode_icc_power_on(limits_, next(slot), select));
    }
    transport::Response xfr(ByteView data, std::uint8_t slot = 0, std::uint16_t level = 0,
                            std::size_t* time_extensions = nullptr) {
        return run(transport::encode_xfr_block(limits_, next(slot), data, 0, level), time_extensions);
    }
    transport::Response set_parameters(const transport::ProtocolData& data, std::uint8_t slot = 0) {
        return run(transport::encode_set_parameters(limits_, next(slot), data));
    }
    transport::Response get_parameters(std::uint8_t slot = 0) {
        return run(transport::encode_get_parameters(limits_, next(slot)));
    }
    transport::Response slot_status(std::uint8_t slot = 0) {
        return run(transport::encode_get_slot_status(limits_, next(slot)));
    }

    /// A whole extended-level APDU exchange (CCID 6.1.4 chaining both ways): the command
    /// cut into abData pieces of at most the reader's size, the response parts joined.
    Bytes extended_apdu(ByteView apdu, std::size_t* command_messages = nullptr,
                        std::size_t* response_messages = nullptr) {
        const std::size_t piece = limits_.max_data_length();
        std::size_t offset = 0;
        std::size_t sent = 0;
        transport::Response response;
        do {
            const std::size_t size = std::min(piece, apdu.size() - offset);
            const bool first = offset == 0;
            const bool last = offset + size == apdu.size();
            const auto chain = first ? (last ? transport::XfrChain::begins_and_ends
                                             : transport::XfrChain::begins_continues)
                                     : (last ? transport::XfrChain::ends
                                             : transport::XfrChain::continues);
            response = run(transport::encode_xfr_block(limits_, next(), apdu.subspan(offset, size), chain));
            REQUIRE(response.processed());
            ++sent;
            offset += size;
            if (!last) {
                REQUIRE(response.bChainParameter == transport::ChainParameter::continue_command);
            }
        } while (offset < apdu.size());
        Bytes joined = response.abData;
        std::size_t parts = 1;
        while (response.response_continues()) {
            response = run(transport::encode_xfr_block(limits_, next(), {}, transport::XfrChain::continue_response));
            REQUIRE(response.processed());
            joined.insert(joined.end(), response.abData.begin(), response.abData.end());
            ++parts;
            REQUIRE(parts < 100000);
        }
        if (command_messages != nullptr) {
            *command_messages = sent;
        }
        if (response_messages != nullptr) {
            *response_messages = parts;
        }
        return joined;
    }

private:
    CcidDevice& device_;
    transport::MessageLimits limits_;
    std::uint8_t seq_ = 0;
};

/// SW1 SW2 at the end of a response APDU.
inline std::uint16_t status_word(const Bytes& response) {
    REQUIRE(response.size() >= 2);
    return static_cast<std::uint16_t>(response[response.size() - 2] << 8 | response.back());
}

}  // namespace tessera::emulator::testing
