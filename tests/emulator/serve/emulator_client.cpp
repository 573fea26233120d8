// emulator_client: a client process of tessera-emulator, for the cross-process test
// (test_emulator_process.py drives both). It runs under the umockdev preload with the
// emulator's UMOCKDEV_DIR and goes through tessera's own stack: the libusb backend
// (transport/usb) and the CCID reader model (transport/reader).
//
//   emulator_client [--device NAME] [--slot N]
//
// Steps, each printed as one line on stdout (flushed) so the driving script can follow:
//   OPEN <name>            the reader is open (NAME default "usb:1209/0001")
//   ATR <hex>              slot N powered
//   APDU OK                SELECT by AID -> 90 00; READ BINARY 256 -> byte[i] = i & FF
//   WAIT remove            waiting (at most 10 s) for the slot to empty: send `remove`
//   EVENT removed <ns>     CLOCK_MONOTONIC when the reader model reported it
//   WAIT insert / EVENT inserted <ns> / ATR <hex> / APDU OK   the same for insertion
//   WAIT unplug            waiting for the device to go: send `unplug`
//   EVENT gone <ns>        the wait ended with reader_gone
//   DONE
// Any failure prints "FAIL <what>: <why>" and exits 1. Every wait is bounded.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "monotonic_clock.hpp"
#include "number_text.hpp"
#include "transport/reader/ccid_reader.hpp"
#include "transport/reader/reader_error.hpp"
#include "transport/usb/libusb_context.hpp"

namespace {

using namespace std::chrono_literals;
using tessera::Bytes;
using tessera::to_hex;
using tessera::emulator::serve::monotonic_ns;

constexpr auto kEventWait = 10s;

void say(const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

[[noreturn]] void give_up(const std::string& what, const std::string& why) {
    say("FAIL " + what + ": " + why);
    std::exit(1);
}

void power_on_and_exchange(tessera::reader::Slot& slot) {
    auto atr = slot.power_on();
    if (!atr) {
        give_up("power on", atr.error().message());
    }
    say("ATR " + to_hex(*atr));

    const Bytes select{0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00,
                       0x00, 0x05, 0x27, 0x54, 0x45, 0x53};
    auto selected = slot.transmit(select);
    if (!selected) {
        give_up("SELECT", selected.error().message());
    }
    if (*selected != Bytes{0x90, 0x00}) {
        give_up("SELECT", "answer " + to_hex(*selected));
    }

    const Bytes read_binary{0x00, 0xB0, 0x00, 0x00, 0x00};
    auto read = slot.transmit(read_binary);
    if (!read) {
        give_up("READ BINARY", read.error().message());
    }
    if (read->size() != 258 || (*read)[256] != 0x90 || (*read)[257] != 0x00) {
        give_up("READ BINARY", std::to_string(read->size()) + " bytes");
    }
    for (std::size_t i = 0; i < 256; ++i) {
        if ((*read)[i] != static_cast<std::uint8_t>(i & 0xFF)) {
            give_up("READ BINARY", "byte " + std::to_string(i) + " is " + to_hex(Bytes{(*read)[i]}));
        }
    }
    say("APDU OK");
}

// Waits for the slot's presence to become `present`; returns when it saw it.
std::uint64_t wait_presence(tessera::reader::CcidReader& reader, std::size_t slot, bool present,
                            const std::string& what) {
    auto before = reader.presence(slot);
    if (!before) {
        give_up(what, before.error().message());
    }
    say("WAIT " + what);
    std::uint64_t generation = before->generation;
    const auto deadline = std::chrono::steady_clock::now() + kEventWait;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) {
            give_up(what, "no change within 10 s");
        }
        auto outcome = reader.wait_for_slot_change(slot, generation, left);
        const std::uint64_t seen = monotonic_ns();
        if (!outcome) {
            give_up(what, outcome.error().message());
        }
        auto now = reader.presence(slot);
        if (!now) {
            give_up(what, now.error().message());
        }
        if (now->present == present) {
            return seen;
        }
        generation = now->generation;
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string device_name = "usb:1209/0001";
    std::size_t slot_index = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string_view option = argv[i];
        if (option == "--device" && i + 1 < argc) {
            device_name = argv[++i];
        } else if (option == "--slot" && i + 1 < argc) {
            const auto slot = tessera::emulator::serve::parse_decimal(argv[++i], 255);
            if (!slot) {
                give_up("arguments", "--slot needs a number from 0 to 255");
            }
            slot_index = static_cast<std::size_t>(*slot);
        } else {
            give_up("arguments", "usage: emulator_client [--device NAME] [--slot N]");
        }
    }
    if (std::getenv("UMOCKDEV_DIR") == nullptr) {
        give_up("environment", "UMOCKDEV_DIR is not set (run under the emulator's testbed)");
    }

    auto context = tessera::usb::UsbContext::create();
    if (!context) {
        give_up("libusb", context.error().message());
    }
    auto port = context->open(device_name);
    if (!port) {
        give_up("open " + device_name, port.error().message());
    }
    auto opened = tessera::reader::CcidReader::open(**port);
    if (!opened) {
        give_up("reader", opened.error().message());
    }
    auto& reader = **opened;
    say("OPEN " + device_name);
    tessera::reader::Slot* slot = reader.slot(slot_index);
    if (slot == nullptr) {
        give_up("slot", "the reader has no slot " + std::to_string(slot_index));
    }
    if (!reader.notifies_slot_changes()) {
        give_up("reader", "no interrupt endpoint listener");
    }

    power_on_and_exchange(*slot);
    say("EVENT removed " + std::to_string(wait_presence(reader, slot_index, false, "remove")));
    say("EVENT inserted " + std::to_string(wait_presence(reader, slot_index, true, "insert")));
    power_on_and_exchange(*slot);

    say("WAIT unplug");
    auto generation = reader.presence(slot_index);
    if (!generation) {
        give_up("unplug", generation.error().message());
    }
    auto outcome = reader.wait_for_slot_change(
        slot_index, generation->generation,
        std::chrono::duration_cast<std::chrono::milliseconds>(kEventWait));
    const std::uint64_t seen = monotonic_ns();
    if (outcome || outcome.error() != tessera::reader::ReaderError::reader_gone) {
        give_up("unplug", outcome ? "the wait ended without the device going"
                                  : "wrong error: " + outcome.error().message());
    }
    say("EVENT gone " + std::to_string(seen));
    auto after = slot->transmit(Bytes{0x00, 0xA4, 0x04, 0x00, 0x00});
    if (after || after.error() != tessera::reader::ReaderError::reader_gone) {
        give_up("transmit after unplug", after ? "succeeded" : after.error().message());
    }
    reader.close();
    say("DONE");
    return 0;
}
