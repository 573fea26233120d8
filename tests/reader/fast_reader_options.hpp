// ReaderOptions for tests of the reader model against the in-memory emulated reader
// (tests/emulator/port): short bounds, so that a failing case ends within seconds (the
// defaults are sized for real readers and pcscd); the emulated card answers at once.
#pragma once

#include <chrono>

#include "transport/reader/reader_options.hpp"

namespace tessera::reader {

inline ReaderOptions fast_options() {
    using namespace std::chrono_literals;
    ReaderOptions options;
    options.power_on_timeout = 1000ms;
    options.status_timeout = 500ms;
    options.command_overhead = 200ms;
    options.apdu_timeout = 1000ms;
    options.exchange.max_total_wait = 5000ms;
    return options;
}

}  // namespace tessera::reader
