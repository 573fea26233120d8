// The IFD handler API v3 semantics, every function and tag, over a scripted channel.
#include <doctest/doctest.h>

#include <ostream>
#include <thread>

#include "ifdhandler/pcsc_api.hpp"
#include <PCSC/reader.h>

#include "ifdhandler/driver.hpp"
#include "tests/ifdhandler/fake_channel.hpp"
#include "tests/ifdhandler/pin_verify_structure.hpp"

using namespace tessera;
using namespace tessera::ifd;
using tessera::ifd::test::FakeChannel;
using tessera::ifd::test::verify_structure;

namespace {

constexpr DWORD kLun = 0x00010000;       // reader 1, slot 0
constexpr DWORD kLunSlot1 = 0x00010001;  // reader 1, slot 1

struct Fixture {
    std::shared_ptr<FakeChannel> fake = std::make_shared<FakeChannel>();
    std::vector<std::string> opened;
    std::vector<std::string> log_lines;
    std::error_code open_error;
    DriverSettings settings;
    std::unique_ptr<Driver> driver;

    explicit Fixture(bool escape = false) {
        settings.escape_allowed = escape;
        driver = std::make_unique<Driver>(
            [this](std::string_view name) -> Result<std::shared_ptr<Channel>> {
                opened.emplace_back(name);
                if (open_error) return open_error;
                return std::shared_ptr<Channel>(fake);
            },
            settings,
            Log(0x0F, [this](LogPriority, std::string_view line) { log_lines.emplace_back(line); }));
    }

    void open() { REQUIRE(driver->create_channel_by_name(kLun, "usb:1209/0001:libudev:0:/dev/bus/usb/001/002") == IFD_SUCCESS); }

    Bytes power_up(DWORD lun = kLun) {
        std::uint8_t atr[MAX_ATR_SIZE];
        DWORD length = sizeof atr;
        REQUIRE(driver->power_icc(lun, IFD_POWER_UP, atr, &length) == IFD_SUCCESS);
        return Bytes(atr, atr + length);
    }

    bool logged(std::string_view text) const {
        return std::any_of(log_lines.begin(), log_lines.end(),
                           [&](const std::string& line) { return line.find(text) != std::string::npos; });
    }
};

}  // namespace

TEST_CASE("IFDHCreateChannelByName opens one channel per reader number") {
    Fixture f;
    f.open();
    CHECK(f.opened == std::vector<std::string>{"usb:1209/0001:libudev:0:/dev/bus/usb/001/002"});
    CHECK(f.driver->open_readers() == 1);
    // The same reader number again is refused without opening anything.
    CHECK(f.driver->create_channel_by_name(kLun, "usb:1209/0001:libudev:0:/dev/bus/usb/001/002") ==
          IFD_COMMUNICATION_ERROR);
    CHECK(f.opened.size() == 1);
    CHECK(f.driver->create_channel_by_name(0x00020000, "") == IFD_COMMUNICATION_ERROR);

    f.open_error = make_error(ChannelError::device_gone);
    CHECK(f.driver->create_channel_by_name(0x00030000, "usb:dead/beef:libudev:0:/dev/bus/usb/009/009") ==
          IFD_NO_SUCH_DEVICE);
    f.open_error = make_error(ChannelError::communication);
    CHECK(f.driver->create_channel_by_name(0x00030000, "usb:dead/beef") == IFD_COMMUNICATION_ERROR);
    CHECK(f.driver->open_readers() == 1);
}

TEST_CASE("IFDHCreateChannel (v2) opens the first free reader") {
    Fixture f;
    CHECK(f.driver->create_channel(kLun, 0x200001) == IFD_SUCCESS);
    CHECK(f.opened == std::vector<std::string>{""});
}

TEST_CASE("IFDHCloseChannel powers powered cards down, stops waiters, forgets the Lun") {
    Fixture f;
    f.open();
    f.power_up();
    CHECK(f.driver->close_channel(kLun) == IFD_SUCCESS);
    CHECK(std::count(f.fake->calls.begin(), f.fake->calls.end(), "power_down 0") == 1);
    CHECK(std::count(f.fake->calls.begin(), f.fake->calls.end(), "power_down 1") == 0);
    CHECK(f.driver->open_readers() == 0);
    CHECK(f.driver->icc_presence(kLun) == IFD_COMMUNICATION_ERROR);
    CHECK(f.driver->close_channel(kLun) == IFD_COMMUNICATION_ERROR);
}

TEST_CASE("IFDHGetCapabilities: pcscd's tags, attributes, buffer sizes, unknown tags") {
    Fixture f;
    f.open();
    std::uint8_t value[64];
    DWORD length = sizeof value;
    CHECK(f.driver->get_capabilities(kLun, TAG_IFD_SLOTS_NUMBER, &length, value) == IFD_SUCCESS);
    CHECK(length == 1);
    CHECK(value[0] == 2);
    length = sizeof value;
    CHECK(f.driver->get_capabilities(kLun, TAG_IFD_SIMULTANEOUS_ACCESS, &length, value) == IFD_SUCCESS);
    CHECK(value[0] == kSimultaneousReaders);
    length = sizeof value;
    CHECK(f.driver->get_capabilities(kLun, TAG_IFD_THREAD_SAFE, &length, value) == IFD_SUCCESS);
    CHECK(value[0] == 1);
    length = sizeof value;
    CHECK(f.driver->get_capabilities(kLun, TAG_IFD_SLOT_THREAD_SAFE, &length, value) == IFD_SUCCESS);
    CHECK(value[0] == 0);
    length = sizeof value;
    CHECK(f.driver->get_capabilities(kLun, TAG_IFD_POLLING_THREAD_KILLABLE, &length, value) == IFD_SUCCESS);
    CHECK(value[0] == 0);
    length = sizeof value;
    CHECK(f.driver->get_capabilities(kLun, SCARD_ATTR_VENDOR_NAME, &length, value) == IFD_SUCCESS);
    CHECK(std::string(reinterpret_cast<char*>(value)) == "Tessera");
    length = sizeof value;
    CHECK(f.driver->get_capabilities(kLun, SCARD_ATTR_MAXINPUT, &length, value) == IFD_SUCCESS);
    CHECK(Bytes(value, value + length) == Bytes{0x05, 0x01, 0x00, 0x00});

    // The ATR exists only while powered.
    length = sizeof value;
    CHECK(f.driver->get_capabilities(kLun, TAG_IFD_ATR, &length, value) == IFD_ERROR_TAG);
    f.power_up();
    length = sizeof value;
    CHECK(f.driver->get_capabilities(kLun, TAG_IFD_ATR, &length, value) == IFD_SUCCESS);
    CHECK(Bytes(value, value + length) == Bytes{0x3B, 0x02, 0x14, 0x50});
    length = 3;
    CHECK(f.driver->get_capabilities(kLun, SCARD_ATTR_ATR_STRING, &length, value) ==
          IFD_ERROR_INSUFFICIENT_BUFFER);
    CHECK(length == 4);

    length = sizeof value;
    CHECK(f.driver->get_capabilities(kLun, 0xDEAD, &length, value) == IFD_ERROR_TAG);
    CHECK(f.driver->get_capabilities(kLun, TAG_IFD_SLOTS_NUMBER, nullptr, value) == IFD_COMMUNICATION_ERROR);
    length = sizeof value;
    CHECK(f.driver->get_capabilities(0x00050000, TAG_IFD_SLOTS_NUMBER, &length, value) ==
          IFD_COMMUNICATION_ERROR);
    // Slot numbers beyond the reader's are refused.
    length = sizeof value;
    CHECK(f.driver->get_capabilities(0x00010002, TAG_IFD_SLOTS_NUMBER, &length, value) ==
          IFD_COMMUNICATION_ERROR);
}

TEST_CASE("IFDHSetCapabilities: TAG_IFD_DEVICE_REMOVED marks the reader gone; nothing else is settable") {
    Fixture f;
    f.open();
    std::uint8_t zero = 0, one = 1;
    CHECK(f.driver->set_capabilities(kLun, TAG_IFD_DEVICE_REMOVED, 1, &zero) == IFD_SUCCESS);
    CHECK_FALSE(f.fake->removed);
    CHECK(f.driver->set_capabilities(kLun, TAG_IFD_DEVICE_REMOVED, 1, &one) == IFD_SUCCESS);
    CHECK(f.fake->removed);
    CHECK(f.driver->set_capabilities(kLun, SCARD_ATTR_VENDOR_NAME, 1, &one) == IFD_ERROR_TAG);
}

TEST_CASE("IFDHSetProtocolParameters: protocol masks, PPS failures, an already active protocol") {
    Fixture f;
    f.open();
    f.power_up();
    CHECK(f.driver->set_protocol_parameters(kLun, SCARD_PROTOCOL_T1, 0, 0, 0, 0) == IFD_SUCCESS);
    CHECK(f.fake->calls.back() == "select_protocol 2");
    // Asking again for the active protocol does no second PPS.
    const auto calls = f.fake->calls.size();
    CHECK(f.driver->set_protocol_parameters(kLun, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, 0, 0, 0, 0) ==
          IFD_SUCCESS);
    CHECK(f.fake->calls.size() == calls);

    f.power_up();
    CHECK(f.driver->set_protocol_parameters(kLun, SCARD_PROTOCOL_T0, 0, 0, 0, 0) ==
          IFD_PROTOCOL_NOT_SUPPORTED);
    CHECK(f.driver->set_protocol_parameters(kLun, SCARD_PROTOCOL_RAW, 0, 0, 0, 0) ==
          IFD_PROTOCOL_NOT_SUPPORTED);
    CHECK(f.driver->set_protocol_parameters(kLun, 0, 0, 0, 0, 0) == IFD_PROTOCOL_NOT_SUPPORTED);
    f.fake->next_error = make_error(ChannelError::pps_failed);
    CHECK(f.driver->set_protocol_parameters(kLun, SCARD_PROTOCOL_T1, 0, 0, 0, 0) == IFD_ERROR_PTS_FAILURE);
    CHECK(f.driver->set_protocol_parameters(kLun, SCARD_PROTOCOL_T1, IFD_NEGOTIATE_PTS1, 0x96, 0, 0) ==
          IFD_SUCCESS);
    CHECK(f.logged("ignored"));
}

TEST_CASE("IFDHPowerICC: up, reset, down, buffers and failures") {
    Fixture f;
    f.open();
    CHECK(f.power_up() == Bytes{0x3B, 0x02, 0x14, 0x50});
    std::uint8_t atr[MAX_ATR_SIZE];
    DWORD length = sizeof atr;
    CHECK(f.driver->power_icc(kLun, IFD_RESET, atr, &length) == IFD_SUCCESS);
    CHECK(length == 4);
    CHECK(f.fake->calls.back() == "reset 0");
    length = sizeof atr;
    CHECK(f.driver->power_icc(kLun, IFD_POWER_DOWN, atr, &length) == IFD_SUCCESS);
    CHECK(length == 0);
    CHECK_FALSE(f.fake->slots_[0].powered);

    length = 2;
    CHECK(f.driver->power_icc(kLun, IFD_POWER_UP, atr, &length) == IFD_ERROR_INSUFFICIENT_BUFFER);
    length = sizeof atr;
    CHECK(f.driver->power_icc(kLun, 999, atr, &length) == IFD_NOT_SUPPORTED);
    f.fake->slots_[1].present = false;
    length = sizeof atr;
    CHECK(f.driver->power_icc(kLunSlot1, IFD_POWER_UP, atr, &length) == IFD_ERROR_POWER_ACTION);
    CHECK(length == 0);
    f.fake->next_error = make_error(ChannelError::power_failed);
    length = sizeof atr;
    CHECK(f.driver->power_icc(kLun, IFD_POWER_UP, atr, &length) == IFD_ERROR_POWER_ACTION);
    f.fake->next_error = make_error(ChannelError::device_gone);
    length = sizeof atr;
    CHECK(f.driver->power_icc(kLun, IFD_POWER_UP, atr, &length) == IFD_NO_SUCH_DEVICE);
    CHECK(f.driver->power_icc(kLun, IFD_POWER_UP, atr, nullptr) == IFD_COMMUNICATION_ERROR);
}

TEST_CASE("IFDHPowerICC: an ATR with reserved values goes to pcscd unchanged, each deviation logged") {
    Fixture f;
    f.open();
    const Bytes sky{0x3F, 0xFD, 0xFF, 0x25, 0x02, 0x50, 0x80, 0x0F, 0x54, 0xB0, 0x04,
                    0x69, 0xFF, 0x4A, 0x50, 0xD0, 0x80, 0x00, 0x49, 0x54, 0x03};
    f.fake->slots_[0].atr = sky;
    CHECK(f.power_up() == sky);
    CHECK(f.logged("IFDHPowerICC: Lun 0x10000: ATR reserved FI in TA1"));
    CHECK(f.logged("IFDHPowerICC: Lun 0x10000: ATR reserved DI in TA1"));
    const auto before = f.log_lines.size();
    f.fake->slots_[0].atr = Bytes{0x3B, 0x02, 0x14, 0x50};
    f.power_up();
    for (std::size_t i = before; i < f.log_lines.size(); ++i) {
        CHECK(f.log_lines[i].find("ATR") == std::string::npos);
    }
}

TEST_CASE("IFDHTransmitToICC: protocol number, response buffer, errors, masked trace") {
    Fixture f;
    f.open();
    f.power_up();
    REQUIRE(f.driver->set_protocol_parameters(kLun, SCARD_PROTOCOL_T1, 0, 0, 0, 0) == IFD_SUCCESS);
    const Bytes verify{0x00, 0x20, 0x00, 0x01, 0x04, 0x31, 0x32, 0x33, 0x34};
    std::uint8_t response[MAX_BUFFER_SIZE_EXTENDED];
    DWORD length = sizeof response;
    SCARD_IO_HEADER send{1, 8}, receive{0, 0};
    CHECK(f.driver->transmit_to_icc(kLun, send, verify, response, &length, &receive) == IFD_SUCCESS);
    CHECK(length == 2);
    CHECK(receive.Protocol == 1);
    CHECK(f.fake->last_apdu == verify);
    CHECK(f.logged("APDU -> 00 20 00 01 04 ** ** ** **"));
    CHECK_FALSE(f.logged("31 32 33 34"));

    length = sizeof response;
    CHECK(f.driver->transmit_to_icc(kLun, SCARD_IO_HEADER{0, 8}, verify, response, &length, nullptr) ==
          IFD_PROTOCOL_NOT_SUPPORTED);
    CHECK(f.driver->transmit_to_icc(kLun, SCARD_IO_HEADER{2, 8}, verify, response, &length, nullptr) ==
          IFD_PROTOCOL_NOT_SUPPORTED);
    length = 1;
    CHECK(f.driver->transmit_to_icc(kLun, send, verify, response, &length, nullptr) ==
          IFD_ERROR_INSUFFICIENT_BUFFER);
    CHECK(length == 0);
    length = sizeof response;
    f.fake->next_error = make_error(ChannelError::timeout);
    CHECK(f.driver->transmit_to_icc(kLun, send, verify, response, &length, nullptr) == IFD_RESPONSE_TIMEOUT);
    f.fake->next_error = make_error(ChannelError::no_card);
    length = sizeof response;
    CHECK(f.driver->transmit_to_icc(kLun, send, verify, response, &length, nullptr) == IFD_ICC_NOT_PRESENT);
    f.fake->next_error = make_error(ChannelError::device_gone);
    length = sizeof response;
    CHECK(f.driver->transmit_to_icc(kLun, send, verify, response, &length, nullptr) == IFD_NO_SUCH_DEVICE);
    CHECK(f.driver->transmit_to_icc(kLun, send, verify, response, nullptr, nullptr) == IFD_COMMUNICATION_ERROR);
}

TEST_CASE("IFDHControl: part 10 features of a PIN pad reader") {
    Fixture f;
    f.fake->facts_.bPINSupport = 0x03;
    f.fake->facts_.wLcdLayout = 0x0210;
    f.open();
    std::uint8_t out[256];
    DWORD returned = 99;
    CHECK(f.driver->control(kLun, CM_IOCTL_GET_FEATURE_REQUEST, {}, out, sizeof out, &returned) == IFD_SUCCESS);
    CHECK(returned == 24);
    CHECK(out[0] == FEATURE_VERIFY_PIN_DIRECT);

    const Bytes structure = verify_structure();
    CHECK(f.driver->control(kLun, control_code(Feature::verify_pin_direct), structure, out, sizeof out,
                            &returned) == IFD_SUCCESS);
    CHECK(returned == 2);
    REQUIRE(f.fake->last_verify.has_value());
    CHECK(f.fake->last_verify->abPINApdu.size() == 13);
    CHECK(f.logged("VERIFY_PIN_DIRECT for 00 20 00 01 08 ** ** ** ** ** ** ** **"));

    Bytes broken = structure;
    broken[7] = 0;
    CHECK(f.driver->control(kLun, control_code(Feature::verify_pin_direct), broken, out, sizeof out,
                            &returned) == IFD_NOT_SUPPORTED);
    CHECK(returned == 0);

    CHECK(f.driver->control(kLun, control_code(Feature::ifd_pin_properties), {}, out, sizeof out,
                            &returned) == IFD_SUCCESS);
    CHECK(Bytes(out, out + returned) == Bytes{0x10, 0x02, 0x07, 0x00});
    CHECK(f.driver->control(kLun, control_code(Feature::get_tlv_properties), {}, out, sizeof out,
                            &returned) == IFD_SUCCESS);
    CHECK(returned > 0);
    CHECK(f.driver->control(kLun, control_code(Feature::ifd_pin_properties), {}, out, 3, &returned) ==
          IFD_ERROR_INSUFFICIENT_BUFFER);
    // Escape commands are off unless the driver option turns them on.
    CHECK(f.driver->control(kLun, control_code(Feature::ccid_esc_command), Bytes{1}, out, sizeof out,
                            &returned) == IFD_ERROR_NOT_SUPPORTED);
    CHECK(f.driver->control(kLun, 0x42001234, {}, out, sizeof out, &returned) == IFD_ERROR_NOT_SUPPORTED);
    CHECK(f.driver->control(kLun, CM_IOCTL_GET_FEATURE_REQUEST, {}, out, sizeof out, nullptr) ==
          IFD_COMMUNICATION_ERROR);
}

TEST_CASE("IFDHControl: a PIN entry ended at the keypad answers SW 64 00 / 64 01 (part 10)") {
    Fixture f;
    f.fake->facts_.bPINSupport = 0x03;
    f.open();
    std::uint8_t out[8];
    DWORD returned = 0;
    f.fake->next_error = make_error_code(ChannelError::pin_timeout);
    CHECK(f.driver->control(kLun, control_code(Feature::verify_pin_direct), verify_structure(), out,
                            sizeof out, &returned) == IFD_SUCCESS);
    CHECK(Bytes(out, out + returned) == Bytes{0x64, 0x00});
    CHECK(f.logged("PIN entry timed out at the keypad"));
    f.fake->next_error = make_error_code(ChannelError::pin_cancelled);
    CHECK(f.driver->control(kLun, control_code(Feature::verify_pin_direct), verify_structure(), out,
                            sizeof out, &returned) == IFD_SUCCESS);
    CHECK(Bytes(out, out + returned) == Bytes{0x64, 0x01});
    f.fake->next_error = make_error_code(ChannelError::pin_cancelled);
    CHECK(f.driver->control(kLun, control_code(Feature::verify_pin_direct), verify_structure(), out, 1,
                            &returned) == IFD_ERROR_INSUFFICIENT_BUFFER);
    // Any other failure stays a failure.
    f.fake->next_error = make_error_code(ChannelError::timeout);
    CHECK(f.driver->control(kLun, control_code(Feature::verify_pin_direct), verify_structure(), out,
                            sizeof out, &returned) == IFD_RESPONSE_TIMEOUT);
}

TEST_CASE("IFDHControl: a reader without PIN pad; escape when allowed") {
    Fixture f(/*escape=*/true);
    f.open();
    std::uint8_t out[64];
    DWORD returned = 0;
    CHECK(f.driver->control(kLun, CM_IOCTL_GET_FEATURE_REQUEST, {}, out, sizeof out, &returned) == IFD_SUCCESS);
    CHECK(Bytes(out, out + returned) == Bytes{0x0A, 0x04, 0x42, 0x00, 0x0D, 0x52, 0x12, 0x04, 0x42, 0x00,
                                              0x0D, 0x5A, 0x13, 0x04, 0x42, 0x00, 0x0D, 0x5B});
    CHECK(f.driver->control(kLun, control_code(Feature::verify_pin_direct), verify_structure(), out,
                            sizeof out, &returned) == IFD_ERROR_NOT_SUPPORTED);
    CHECK(f.driver->control(kLun, control_code(Feature::ccid_esc_command), Bytes{0x01}, out, sizeof out,
                            &returned) == IFD_SUCCESS);
    CHECK(Bytes(out, out + returned) == Bytes{0xE5});
}

TEST_CASE("IFDHICCPresence: present, absent, gone") {
    Fixture f;
    f.open();
    CHECK(f.driver->icc_presence(kLun) == IFD_ICC_PRESENT);
    f.fake->slots_[1].present = false;
    CHECK(f.driver->icc_presence(kLunSlot1) == IFD_ICC_NOT_PRESENT);
    f.fake->next_error = make_error(ChannelError::device_gone);
    CHECK(f.driver->icc_presence(kLun) == IFD_NO_SUCH_DEVICE);
    f.fake->next_error = make_error(ChannelError::communication);
    CHECK(f.driver->icc_presence(kLun) == IFD_COMMUNICATION_ERROR);
}

TEST_CASE("polling callback: returns on a change and when stopped; timeouts are capped") {
    Fixture f;
    f.open();
    std::thread poller([&] { CHECK(f.driver->poll(kLun, 600'000) == IFD_SUCCESS); });
    REQUIRE(f.fake->wait_until_waiting(std::chrono::seconds(5)));
    f.fake->signal_change(0);
    poller.join();
    CHECK(f.fake->last_wait == std::chrono::milliseconds(600'000));

    std::thread stopped([&] { CHECK(f.driver->poll(kLun, 5'000) == IFD_SUCCESS); });
    REQUIRE(f.fake->wait_until_waiting(std::chrono::seconds(5)));
    CHECK(f.driver->stop_polling(kLun) == IFD_SUCCESS);
    stopped.join();

    CHECK(f.driver->poll(kLun, 1) == IFD_SUCCESS);  // timed out
    CHECK(f.fake->last_wait == std::chrono::milliseconds(1));
    f.fake->clear_stop(0);
    std::thread capped([&] { CHECK(f.driver->poll(kLun, -1) == IFD_SUCCESS); });
    REQUIRE(f.fake->wait_until_waiting(std::chrono::seconds(5)));
    f.fake->signal_change(0);
    capped.join();
    CHECK(f.fake->last_wait == std::chrono::milliseconds(600'000));
    CHECK(f.driver->poll(0x00070000, 10) == IFD_NO_SUCH_DEVICE);
    CHECK(f.driver->stop_polling(0x00070000) == IFD_SUCCESS);
}

TEST_CASE("closing a reader while its polling callback waits releases the callback") {
    Fixture f;
    f.open();
    std::thread poller([&] { CHECK(f.driver->poll(kLunSlot1, 600'000) == IFD_SUCCESS); });
    REQUIRE(f.fake->wait_until_waiting(std::chrono::seconds(5)));
    CHECK(f.driver->close_channel(kLun) == IFD_SUCCESS);
    poller.join();  // bounded: the fake's own cap is 5 s, the stop makes it return at once
    CHECK(f.driver->open_readers() == 0);
}

TEST_CASE("response codes: one translation for every error kind") {
    CHECK(response_code(make_error(ChannelError::no_card)) == IFD_ICC_NOT_PRESENT);
    CHECK(response_code(make_error(ChannelError::power_failed)) == IFD_ERROR_POWER_ACTION);
    CHECK(response_code(make_error(ChannelError::protocol_not_supported)) == IFD_PROTOCOL_NOT_SUPPORTED);
    CHECK(response_code(make_error(ChannelError::pps_failed)) == IFD_ERROR_PTS_FAILURE);
    CHECK(response_code(make_error(ChannelError::timeout)) == IFD_RESPONSE_TIMEOUT);
    CHECK(response_code(make_error(ChannelError::device_gone)) == IFD_NO_SUCH_DEVICE);
    CHECK(response_code(make_error(ChannelError::insufficient_buffer)) == IFD_ERROR_INSUFFICIENT_BUFFER);
    CHECK(response_code(make_error(ChannelError::not_supported)) == IFD_ERROR_NOT_SUPPORTED);
    CHECK(response_code(make_error(ChannelError::bad_request)) == IFD_NOT_SUPPORTED);
    CHECK(response_code(make_error(ChannelError::communication)) == IFD_COMMUNICATION_ERROR);
    CHECK(response_code(make_error(AttributeError::unknown_tag)) == IFD_ERROR_TAG);
    CHECK(response_code(make_error(PinStructureError::too_short)) == IFD_NOT_SUPPORTED);
    CHECK(response_code(std::make_error_code(std::errc::io_error)) == IFD_COMMUNICATION_ERROR);
}

TEST_CASE("polling callbacks are offered only for readers with slot-change interrupts") {
    Fixture f;
    f.open();
    CHECK(f.driver->interrupt_events(kLun));
    f.fake->facts_.interrupt_events = false;
    CHECK_FALSE(f.driver->interrupt_events(kLun));
    CHECK_FALSE(f.driver->interrupt_events(0x00090000));
}

TEST_CASE("a multi-slot reader: pcscd opens every slot's Lun; the channel goes with the last") {
    Fixture f;
    f.open();
    const std::string name = "usb:1209/0001:libudev:0:/dev/bus/usb/001/002";
    CHECK(f.driver->create_channel_by_name(kLunSlot1, name) == IFD_SUCCESS);
    CHECK(f.opened.size() == 1);  // shared, not opened again
    CHECK(f.driver->create_channel_by_name(kLunSlot1, name) == IFD_COMMUNICATION_ERROR);  // twice
    CHECK(f.driver->create_channel_by_name(0x00010002, name) == IFD_COMMUNICATION_ERROR);  // no slot 2
    CHECK(f.driver->create_channel_by_name(kLunSlot1, "usb:1209/0001:libudev:0:/dev/bus/usb/001/009") ==
          IFD_COMMUNICATION_ERROR);

    f.power_up(kLunSlot1);
    CHECK(f.driver->close_channel(kLun) == IFD_SUCCESS);
    CHECK(f.driver->open_readers() == 1);
    CHECK(f.driver->icc_presence(kLunSlot1) == IFD_ICC_PRESENT);
    CHECK(f.driver->close_channel(kLun) == IFD_COMMUNICATION_ERROR);  // already closed
    CHECK(f.driver->close_channel(kLunSlot1) == IFD_SUCCESS);
    CHECK(std::count(f.fake->calls.begin(), f.fake->calls.end(), "power_down 1") == 1);
    CHECK(f.driver->open_readers() == 0);
}
