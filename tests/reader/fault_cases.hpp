// The error each fault of the emulated reader (tests/emulator/model FaultKind) must end
// in at the reader/slot API, whatever carries the transfers (ModelPort in tests/reader,
// the real libusb in tests/usb_reader). One table, so the two suites agree.
#pragma once

#include "tests/emulator/model/fault_schedule.hpp"
#include "transport/reader/reader_error.hpp"

namespace tessera::test {

struct FaultCase {
    emulator::FaultKind fault;
    reader::ReaderError expected;
};

inline constexpr FaultCase kFaultCases[] = {
    {emulator::FaultKind::bulk_out_stall, reader::ReaderError::reader_failed},
    {emulator::FaultKind::bulk_in_stall, reader::ReaderError::reader_failed},
    {emulator::FaultKind::no_answer, reader::ReaderError::timeout},
    {emulator::FaultKind::short_reply, reader::ReaderError::protocol_error},
    {emulator::FaultKind::trailing_bytes, reader::ReaderError::protocol_error},
    {emulator::FaultKind::oversized_reply, reader::ReaderError::protocol_error},
    {emulator::FaultKind::wrong_bseq, reader::ReaderError::timeout},
    {emulator::FaultKind::wrong_bslot, reader::ReaderError::protocol_error},
    {emulator::FaultKind::endless_time_extension, reader::ReaderError::timeout},
    {emulator::FaultKind::hardware_error, reader::ReaderError::reader_failed},
};

}  // namespace tessera::test
