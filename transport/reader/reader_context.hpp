// ReaderContext: the state one CcidReader shares with its Slots (internal to
// transport/reader). The reader owns it; slots reference it and never outlive it.
//
// Locking: command_mutex serialises every CCID command of the reader (one command in
// flight per reader) and guards `channel`; `board` has its own lock (presence_board.hpp);
// everything else is immutable after open.
#pragma once

#include <atomic>
#include <mutex>

#include "transport/class_descriptor.hpp"
#include "transport/reader/command_channel.hpp"
#include "transport/reader/presence_board.hpp"
#include "transport/reader/reader_options.hpp"
#include "transport/usb/usb_port.hpp"

namespace tessera::reader {

struct ReaderContext {
    ReaderContext(usb::UsbPort& usb_port, transport::ReaderCapabilities capabilities,
                  ReaderOptions reader_options, transport::MessageLimits message_limits,
                  std::uint16_t interface_number)
        : port(usb_port),
          caps(std::move(capabilities)),
          options(std::move(reader_options)),
          limits(message_limits),
          channel(usb_port, limits, options.exchange, interface_number, options.write_timeout),
          board(caps.slots) {}

    usb::UsbPort& port;
    const transport::ReaderCapabilities caps;
    const ReaderOptions options;
    const transport::MessageLimits limits;
    std::mutex command_mutex;
    CommandChannel channel;  // guarded by command_mutex
    PresenceBoard board;
    /// The interrupt listener runs: the board's presence is current without polling.
    std::atomic<bool> listening{false};
};

}  // namespace tessera::reader
