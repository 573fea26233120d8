// Reader dumps: the text that describes a real reader's USB identity, its interfaces and
// the decoded CCID class descriptor of each CCID/ICCD interface (tests/data/readers/*.txt).
//
// The printed values are lossless, so a dump gives back the 54 raw descriptor bytes
// (rebuilt here from the field names and CCID 5.1 offsets, independently of
// class_descriptor.cpp, so each checks the other) and the GET_CLOCK_FREQUENCIES and
// GET_DATA_RATES lists. Tests and the emulated reader use them; the driver itself never
// reads a dump.
//
// The format, line by line (trailing CR accepted, empty lines ignored):
//   " idVendor: 0x04E6"                  starts an interface block; the identity lines
//   "  iManufacturer: text"              (idVendor, iManufacturer, idProduct, iProduct,
//   " idProduct: 0x5116"                 bcdDevice) repeat in every block. A line
//   "  iProduct: text"                   "Can't get iManufacturer string..." stands for
//   " bcdDevice: 5.23 (...)"             a string the device did not give.
//   " bLength: 9" ... " iInterface: text" the interface descriptor; lines indented deeper
//                                        are comments on the field above them.
//   " CCID Class Descriptor"             then "  name: value" for each of the 22 fields,
//                                        each followed by comment lines indented deeper.
// Values: hex "0x.." (bLength, bDescriptorType, bMaxSlotIndex, bVoltageSupport, the dw
// bit fields, bClass*, wLcdLayout, bPINSupport), BCD "1.10" (bcdCCID, bcdDevice: two hex
// numbers), dwProtocols as two 16-bit halves "0xHHHH 0xLLLL", clocks "4.000 MHz" (kHz
// / 1000, three decimals), "10753 bps", "271 bytes", decimals. Under bNumClockSupported
// and bNumDataRatesSupported, "Support N kHz" / "Support N bps" lines are the lists (the
// unit says which: one old dump prints its data rates under bNumClockSupported); the
// dump tool printed these dwords signed, so negative numbers are read back modulo 2^32.
// Other lines there (failed request, wrong answer size, count mismatch) are kept as notes.
//
// Pure code, no state; any text is accepted (bytes of any value) without crash or
// unbounded work: the cost is linear in the text size.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "base/result.hpp"
#include "transport/class_descriptor.hpp"

namespace tessera::corpus {

enum class DumpError {
    ok_is_never_used = 0,
    no_device = 1,       // no "idVendor" line: not a reader dump
    unexpected_line,     // a line that has no place where it stands
    bad_value,           // a value that does not read as its field's format
    value_out_of_range,  // a value too large for its field's width
    duplicate_field,     // the same field twice in one block
    missing_field,       // a block ended without one of its fields
    several_devices,     // parse_reader_dump() on a dump of more than one device
};

/// A short English description of the error, for logs.
const char* describe(DumpError error);

/// Where a parse failed: the 1-based line number and the line (at most 120 bytes).
struct DumpDiagnostics {
    std::size_t line = 0;
    std::string text;
    std::string field;  // the field concerned (missing_field, duplicate_field), if any
};

/// One printed class descriptor field: its name (CCID 5.1), the value as printed, and the
/// comment lines printed under it (e.g. "T=0", "5.0V", "01.... TPDU level exchange").
struct PrintedField {
    std::string name;
    std::uint32_t value = 0;  // kHz for the clocks; dwProtocols rebuilt from its halves
    std::size_t line = 0;
    std::vector<std::string> comments;  // without their indentation
};

/// A "Support N kHz/bps" list and the notes printed with it.
struct PrintedList {
    std::vector<std::uint32_t> values;
    std::vector<std::string> notes;  // the other comment lines, e.g. "Got 256 data rates
                                     // but was expecting 106", "IFD does not support ..."
};

struct DumpedClassDescriptor {
    std::size_t line = 0;                                  // of "CCID Class Descriptor"
    std::vector<PrintedField> fields;                      // the 22 fields, in printed order
    std::array<std::uint8_t, transport::kClassDescriptorSize> raw{};  // rebuilt, CCID 5.1 layout
    PrintedList clocks_khz;
    PrintedList data_rates_bps;

    /// The printed field of that name, or nullptr.
    const PrintedField* field(std::string_view name) const;
};

struct DumpedInterface {
    std::size_t line = 0;  // of the block's "idVendor"
    std::uint8_t bInterfaceNumber = 0;
    std::uint8_t bAlternateSetting = 0;
    std::uint8_t bNumEndpoints = 0;
    std::uint8_t bInterfaceClass = 0;
    std::uint8_t bInterfaceSubClass = 0;
    std::uint8_t bInterfaceProtocol = 0;
    std::optional<std::string> interface_name;  // iInterface; nullopt if not obtained
    std::vector<std::string> comments;          // lines printed under interface fields
    std::optional<DumpedClassDescriptor> ccid;  // the "CCID Class Descriptor" block
};

/// One USB device and its interfaces.
struct ReaderDump {
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    std::optional<std::string> manufacturer;  // nullopt: string not obtained
    std::optional<std::string> product;
    std::uint16_t bcdDevice = 0;
    std::vector<DumpedInterface> interfaces;
};

/// Every device of a dump, in order. Blocks with the same identity (idVendor, idProduct,
/// bcdDevice, strings) belong to one device, until an interface number and alternate
/// setting repeat: then a second, identical device begins (some dumps hold several).
Result<std::vector<ReaderDump>> parse_reader_dumps(std::string_view text,
                                                   DumpDiagnostics& diagnostics);
Result<std::vector<ReaderDump>> parse_reader_dumps(std::string_view text);

/// The dump of exactly one device (several_devices otherwise).
Result<ReaderDump> parse_reader_dump(std::string_view text, DumpDiagnostics& diagnostics);
Result<ReaderDump> parse_reader_dump(std::string_view text);

}  // namespace tessera::corpus

TESSERA_ERROR_ENUM(tessera::corpus, DumpError, "reader dump");
