#include "tools/reader_dump.hpp"

#include <charconv>
#include <limits>
#include <set>
#include <utility>

namespace tessera::corpus {

using namespace tessera::transport;

const char* describe(DumpError error) {
    switch (error) {
        case DumpError::ok_is_never_used:
            return "no error";
        case DumpError::no_device:
            return "no idVendor line: not a reader dump";
        case DumpError::unexpected_line:
            return "line out of place in a reader dump";
        case DumpError::bad_value:
            return "value does not match its field's format";
        case DumpError::value_out_of_range:
            return "value too large for its field";
        case DumpError::duplicate_field:
            return "field printed twice in one interface block";
        case DumpError::missing_field:
            return "interface block without a required field";
        case DumpError::several_devices:
            return "the dump holds more than one device";
    }
    return "unknown reader dump error";
}

const PrintedField* DumpedClassDescriptor::field(std::string_view name) const {
    for (const auto& printed : fields) {
        if (printed.name == name) {
            return &printed;
        }
    }
    return nullptr;
}

namespace {

// ---- Values -------------------------------------------------------------------------

enum class Format {
    hex,        // 0x36
    bcd,        // 1.10: two hex numbers
    protocols,  // 0x0000 0x0003: high and low 16-bit halves
    clock,      // 4.000 MHz: kHz / 1000 with three decimals
    decimal,    // 252, optionally followed by a space and a remark
    bps,        // 10753 bps
    bytes,      // 271 bytes
};

struct FieldSpec {
    std::string_view name;
    std::size_t offset;  // CCID 5.1 Table 5.1-1
    std::size_t size;
    Format format;
};

// CCID 5.1 Table 5.1-1, the Smart Card Device Class Descriptor.
constexpr std::array<FieldSpec, 22> kDescriptorFields{{
    {"bLength", 0, 1, Format::hex},
    {"bDescriptorType", 1, 1, Format::hex},
    {"bcdCCID", 2, 2, Format::bcd},
    {"bMaxSlotIndex", 4, 1, Format::hex},
    {"bVoltageSupport", 5, 1, Format::hex},
    {"dwProtocols", 6, 4, Format::protocols},
    {"dwDefaultClock", 10, 4, Format::clock},
    {"dwMaximumClock", 14, 4, Format::clock},
    {"bNumClockSupported", 18, 1, Format::decimal},
    {"dwDataRate", 19, 4, Format::bps},
    {"dwMaxDataRate", 23, 4, Format::bps},
    {"bNumDataRatesSupported", 27, 1, Format::decimal},
    {"dwMaxIFSD", 28, 4, Format::decimal},
    {"dwSynchProtocols", 32, 4, Format::hex},
    {"dwMechanical", 36, 4, Format::hex},
    {"dwFeatures", 40, 4, Format::hex},
    {"dwMaxCCIDMessageLength", 44, 4, Format::bytes},
    {"bClassGetResponse", 48, 1, Format::hex},
    {"bClassEnvelope", 49, 1, Format::hex},
    {"wLcdLayout", 50, 2, Format::hex},
    {"bPINSupport", 52, 1, Format::hex},
    {"bMaxCCIDBusySlots", 53, 1, Format::decimal},
}};
constexpr std::size_t kClockListField = 8;      // bNumClockSupported
constexpr std::size_t kDataRateListField = 11;  // bNumDataRatesSupported

/// A number read from the front of a value, and what follows it.
struct Number {
    std::uint64_t value = 0;
    std::string_view rest;
    bool negative = false;
};

/// Why a value could not be read: bad_value or value_out_of_range.
using ValueResult = Result<Number>;

bool is_hex_digit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/// Up to `max_digits` digits of `base` at the front of `text`.
ValueResult read_unsigned(std::string_view text, int base, std::size_t max_digits) {
    std::size_t digits = 0;
    while (digits < text.size() &&
           (base == 16 ? is_hex_digit(text[digits]) : is_digit(text[digits]))) {
        ++digits;
    }
    if (digits == 0) {
        return DumpError::bad_value;
    }
    if (digits > max_digits) {
        return DumpError::value_out_of_range;
    }
    Number number;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, number.value, base);
    if (ec != std::errc() || end != text.data() + digits) {
        return DumpError::value_out_of_range;
    }
    number.rest = text.substr(digits);
    return number;
}

std::string_view trim_trailing_spaces(std::string_view text) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

/// After a number: nothing, or a space and a remark.
bool ends_field(std::string_view rest) {
    return rest.empty() || rest.front() == ' ';
}

ValueResult read_hex(std::string_view text) {
    if (text.size() < 2 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
        return DumpError::bad_value;
    }
    return read_unsigned(text.substr(2), 16, 8);
}

/// A decimal, possibly negative when `allow_negative` (the dump tool printed some dwords
/// signed): the value is then taken modulo 2^32.
ValueResult read_decimal(std::string_view text, bool allow_negative) {
    const bool negative = !text.empty() && text.front() == '-';
    if (negative && !allow_negative) {
        return DumpError::bad_value;
    }
    auto number = read_unsigned(negative ? text.substr(1) : text, 10, 10);
    if (!number) {
        return number;
    }
    if (negative) {
        if (number->value > std::uint64_t{1} << 31) {
            return DumpError::value_out_of_range;
        }
        number->value = (std::uint64_t{1} << 32) - number->value;
        number->value &= 0xFFFFFFFFu;
        number->negative = true;
    }
    return number;
}

/// "1.10": two hex numbers of at most two digits each.
ValueResult read_bcd(std::string_view text) {
    auto major = read_unsigned(text, 16, 2);
    if (!major) {
        return major;
    }
    if (major->rest.empty() || major->rest.front() != '.') {
        return DumpError::bad_value;
    }
    auto minor = read_unsigned(major->rest.substr(1), 16, 2);
    if (!minor) {
        return minor;
    }
    return Number{major->value << 8 | minor->value, minor->rest};
}

/// "4.000 MHz" -> 4000 (kHz).
ValueResult read_clock(std::string_view text) {
    auto whole = read_unsigned(text, 10, 7);
    if (!whole) {
        return whole;
    }
    std::string_view rest = whole->rest;
    if (rest.size() < 4 || rest[0] != '.' || !is_digit(rest[1]) || !is_digit(rest[2]) ||
        !is_digit(rest[3])) {
        return DumpError::bad_value;
    }
    const std::uint64_t khz =
        whole->value * 1000 +
        static_cast<std::uint64_t>((rest[1] - '0') * 100 + (rest[2] - '0') * 10 + (rest[3] - '0'));
    rest.remove_prefix(4);
    if (trim_trailing_spaces(rest) != " MHz") {
        return DumpError::bad_value;
    }
    return Number{khz, {}};
}

/// "0x0000 0x0003" -> 0x00000003.
ValueResult read_protocols(std::string_view text) {
    auto high = read_hex(text);
    if (!high) {
        return high;
    }
    if (high->rest.empty() || high->rest.front() != ' ') {
        return DumpError::bad_value;
    }
    auto low = read_hex(high->rest.substr(1));
    if (!low) {
        return low;
    }
    if (high->value > 0xFFFF || low->value > 0xFFFF) {
        return DumpError::value_out_of_range;
    }
    return Number{high->value << 16 | low->value, low->rest};
}

/// "10753 bps", "271 bytes": a decimal dword and exactly that unit.
ValueResult read_with_unit(std::string_view text, std::string_view unit) {
    auto number = read_decimal(text, true);
    if (!number) {
        return number;
    }
    if (trim_trailing_spaces(number->rest) != unit) {
        return DumpError::bad_value;
    }
    number->rest = {};
    return number;
}

ValueResult read_value(std::string_view text, Format format, std::size_t size) {
    ValueResult number = DumpError::bad_value;
    switch (format) {
        case Format::hex:
            number = read_hex(text);
            break;
        case Format::bcd:
            number = read_bcd(text);
            break;
        case Format::protocols:
            number = read_protocols(text);
            break;
        case Format::clock:
            number = read_clock(text);
            break;
        case Format::decimal:
            number = read_decimal(text, size == 4);
            break;
        case Format::bps:
            number = read_with_unit(text, " bps");
            break;
        case Format::bytes:
            number = read_with_unit(text, " bytes");
            break;
    }
    if (!number) {
        return number;
    }
    if (!ends_field(number->rest)) {
        return DumpError::bad_value;
    }
    if (number->value > (std::uint64_t{1} << (8 * size)) - 1) {
        return DumpError::value_out_of_range;
    }
    return number;
}

// ---- Lines --------------------------------------------------------------------------

struct Line {
    std::size_t number = 0;
    std::size_t indent = 0;    // leading spaces
    std::string_view content;  // after them, without the line end
};

/// "key: value" -> key and value (one space after the colon skipped). A line without a
/// colon is all key.
std::pair<std::string_view, std::string_view> split_field(std::string_view content) {
    const std::size_t colon = content.find(':');
    if (colon == std::string_view::npos) {
        return {content, {}};
    }
    std::string_view value = content.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
    }
    return {content.substr(0, colon), value};
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// Fields of an interface block outside the class descriptor; the index is a bit in
// Block::seen.
enum BlockKey : unsigned {
    kIdVendor,
    kIManufacturer,
    kIdProduct,
    kIProduct,
    kBcdDevice,
    kBLength,
    kBDescriptorType,
    kBInterfaceNumber,
    kBAlternateSetting,
    kBNumEndpoints,
    kBInterfaceClass,
    kBInterfaceSubClass,
    kBInterfaceProtocol,
    kIInterface,
    kClassDescriptor,
    kBlockKeyCount,
};

constexpr std::array<std::string_view, kBlockKeyCount> kBlockKeyNames{
    "idVendor",           "iManufacturer",    "idProduct",
    "iProduct",           "bcdDevice",        "bLength",
    "bDescriptorType",    "bInterfaceNumber", "bAlternateSetting",
    "bNumEndpoints",      "bInterfaceClass",  "bInterfaceSubClass",
    "bInterfaceProtocol", "iInterface",       "CCID Class Descriptor",
};

// Every block must have these (the strings may be missing: "Can't get ... string").
constexpr unsigned kRequiredBlockKeys = 1u << kIdVendor | 1u << kIdProduct | 1u << kBcdDevice |
                                        1u << kBLength | 1u << kBDescriptorType |
                                        1u << kBInterfaceNumber | 1u << kBAlternateSetting |
                                        1u << kBNumEndpoints | 1u << kBInterfaceClass |
                                        1u << kBInterfaceSubClass | 1u << kBInterfaceProtocol;

enum class Section { identity, interface, descriptor };

struct Block {
    std::size_t line = 0;
    unsigned seen = 0;    // BlockKey bits
    ReaderDump identity;  // interfaces unused
    DumpedInterface interface;
    std::uint32_t descriptor_seen = 0;                             // kDescriptorFields bits
    std::size_t last_descriptor_field = kDescriptorFields.size();  // none yet
};

bool same_identity(const ReaderDump& a, const ReaderDump& b) {
    return a.vendor_id == b.vendor_id && a.product_id == b.product_id &&
           a.bcdDevice == b.bcdDevice && a.manufacturer == b.manufacturer && a.product == b.product;
}

class DumpParser {
  public:
    explicit DumpParser(DumpDiagnostics& diagnostics) : diagnostics_(diagnostics) {}

    Result<std::vector<ReaderDump>> parse(std::string_view text) {
        diagnostics_ = {};
        std::size_t number = 0;
        while (!text.empty()) {
            const std::size_t newline = text.find('\n');
            std::string_view raw = text.substr(0, newline);
            text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
            ++number;
            if (!raw.empty() && raw.back() == '\r') {
                raw.remove_suffix(1);
            }
            Line line{number, 0, raw};
            while (line.indent < raw.size() && raw[line.indent] == ' ') {
                ++line.indent;
            }
            line.content = raw.substr(line.indent);
            if (trim_trailing_spaces(line.content).empty()) {
                continue;
            }
            if (auto error = on_line(line)) {
                return error;
            }
        }
        if (block_) {
            if (auto error = finish_block()) {
                return error;
            }
        }
        if (devices_.empty()) {
            return fail(DumpError::no_device, number, {});
        }
        return std::move(devices_);
    }

  private:
    std::error_code fail(DumpError error, std::size_t line, std::string_view text,
                         std::string_view field = {}) {
        diagnostics_.line = line;
        diagnostics_.text = std::string(text.substr(0, 120));
        diagnostics_.field = std::string(field);
        return error;
    }

    std::error_code fail(DumpError error, const Line& line, std::string_view field = {}) {
        return fail(error, line.number, line.content, field);
    }

    std::error_code on_line(const Line& line) {
        const auto [key, value] = split_field(line.content);
        if (line.indent <= 1 && key == "idVendor") {
            if (block_) {
                if (auto error = finish_block()) {
                    return error;
                }
            }
            block_.emplace();
            block_->line = line.number;
            block_->interface.line = line.number;
            section_ = Section::identity;
        }
        if (!block_) {
            return fail(DumpError::unexpected_line, line);
        }
        if (section_ == Section::descriptor) {
            return on_descriptor_line(line, key, value);
        }
        return on_block_line(line, key, value);
    }

    std::error_code mark(BlockKey key, const Line& line) {
        const unsigned bit = 1u << key;
        if (block_->seen & bit) {
            return fail(DumpError::duplicate_field, line, kBlockKeyNames[key]);
        }
        block_->seen |= bit;
        return {};
    }

    /// Reads `value` as `format`, at most `max`.
    std::error_code read_number(const Line& line, std::string_view field, std::string_view value,
                                Format format, std::uint64_t max, std::uint64_t& out) {
        ValueResult number = DumpError::bad_value;
        switch (format) {
            case Format::hex:
                number = read_hex(value);
                break;
            case Format::bcd:
                number = read_bcd(value);
                break;
            default:
                number = read_decimal(value, false);
                break;
        }
        if (!number) {
            return fail(static_cast<DumpError>(number.error().value()), line, field);
        }
        if (!ends_field(number->rest)) {
            return fail(DumpError::bad_value, line, field);
        }
        if (number->value > max) {
            return fail(DumpError::value_out_of_range, line, field);
        }
        out = number->value;
        return {};
    }

    template <class T>
    std::error_code read_into(const Line& line, BlockKey key, std::string_view value, Format format,
                              T& out) {
        if (auto error = mark(key, line)) {
            return error;
        }
        std::uint64_t number = 0;
        if (auto error = read_number(line, kBlockKeyNames[key], value, format,
                                     std::numeric_limits<T>::max(), number)) {
            return error;
        }
        out = static_cast<T>(number);
        return {};
    }

    std::error_code on_block_line(const Line& line, std::string_view key, std::string_view value) {
        Block& b = *block_;
        if (line.indent >= 2) {
            // The device strings, printed under idVendor / idProduct.
            if (key == "iManufacturer" || key == "iProduct") {
                if (section_ != Section::identity) {
                    return fail(DumpError::unexpected_line, line);
                }
                const bool manufacturer = key == "iManufacturer";
                if (auto error = mark(manufacturer ? kIManufacturer : kIProduct, line)) {
                    return error;
                }
                (manufacturer ? b.identity.manufacturer : b.identity.product) = std::string(value);
                return {};
            }
            if (starts_with(line.content, "Can't get iManufacturer string") ||
                starts_with(line.content, "Can't get iProduct string")) {
                if (section_ != Section::identity) {
                    return fail(DumpError::unexpected_line, line);
                }
                return mark(starts_with(line.content, "Can't get iManufacturer") ? kIManufacturer
                                                                                 : kIProduct,
                            line);
            }
            if (section_ == Section::interface) {
                b.interface.comments.emplace_back(line.content);
                return {};
            }
            return fail(DumpError::unexpected_line, line);
        }

        if (key == "idVendor") {
            return read_into(line, kIdVendor, value, Format::hex, b.identity.vendor_id);
        }
        if (key == "idProduct") {
            return read_into(line, kIdProduct, value, Format::hex, b.identity.product_id);
        }
        if (key == "bcdDevice") {
            return read_into(line, kBcdDevice, value, Format::bcd, b.identity.bcdDevice);
        }
        // The interface descriptor (USB 2.0 9.6.5).
        section_ = Section::interface;
        DumpedInterface& i = b.interface;
        std::uint8_t ignored = 0;
        if (key == "bLength") {
            return read_into(line, kBLength, value, Format::decimal, ignored);
        }
        if (key == "bDescriptorType") {
            return read_into(line, kBDescriptorType, value, Format::decimal, ignored);
        }
        if (key == "bInterfaceNumber") {
            return read_into(line, kBInterfaceNumber, value, Format::decimal, i.bInterfaceNumber);
        }
        if (key == "bAlternateSetting") {
            return read_into(line, kBAlternateSetting, value, Format::decimal, i.bAlternateSetting);
        }
        if (key == "bNumEndpoints") {
            return read_into(line, kBNumEndpoints, value, Format::decimal, i.bNumEndpoints);
        }
        if (key == "bInterfaceClass") {
            return read_into(line, kBInterfaceClass, value, Format::hex, i.bInterfaceClass);
        }
        if (key == "bInterfaceSubClass") {
            return read_into(line, kBInterfaceSubClass, value, Format::decimal,
                             i.bInterfaceSubClass);
        }
        if (key == "bInterfaceProtocol") {
            return read_into(line, kBInterfaceProtocol, value, Format::decimal,
                             i.bInterfaceProtocol);
        }
        if (key == "iInterface") {
            if (auto error = mark(kIInterface, line)) {
                return error;
            }
            i.interface_name = std::string(value);
            return {};
        }
        if (starts_with(line.content, "Can't get iInterface string")) {
            return mark(kIInterface, line);
        }
        if (line.content == "CCID Class Descriptor" ||
            trim_trailing_spaces(line.content) == "CCID Class Descriptor") {
            if (auto error = mark(kClassDescriptor, line)) {
                return error;
            }
            section_ = Section::descriptor;
            i.ccid.emplace();
            i.ccid->line = line.number;
            return {};
        }
        return fail(DumpError::unexpected_line, line);
    }

    std::error_code on_descriptor_line(const Line& line, std::string_view key,
                                       std::string_view value) {
        Block& b = *block_;
        DumpedClassDescriptor& d = *b.interface.ccid;
        if (line.indent <= 1) {
            return fail(DumpError::unexpected_line, line);
        }
        if (line.indent >= 3) {
            if (b.last_descriptor_field == kDescriptorFields.size()) {
                return fail(DumpError::unexpected_line, line);
            }
            return on_comment(line, d);
        }
        for (std::size_t index = 0; index < kDescriptorFields.size(); ++index) {
            const FieldSpec& spec = kDescriptorFields[index];
            if (key != spec.name) {
                continue;
            }
            const std::uint32_t bit = std::uint32_t{1} << index;
            if (b.descriptor_seen & bit) {
                return fail(DumpError::duplicate_field, line, spec.name);
            }
            auto number = read_value(value, spec.format, spec.size);
            if (!number) {
                return fail(static_cast<DumpError>(number.error().value()), line, spec.name);
            }
            b.descriptor_seen |= bit;
            b.last_descriptor_field = index;
            const auto field_value = static_cast<std::uint32_t>(number->value);
            for (std::size_t k = 0; k < spec.size; ++k) {  // little-endian, CCID 5.1
                d.raw[spec.offset + k] = static_cast<std::uint8_t>(field_value >> (8 * k));
            }
            d.fields.push_back(PrintedField{std::string(spec.name), field_value, line.number, {}});
            return {};
        }
        return fail(DumpError::unexpected_line, line);
    }

    /// A line printed under a descriptor field: a list entry, or a comment. Under
    /// bNumClockSupported and bNumDataRatesSupported, "Support N kHz" is a clock and
    /// "Support N bps" a data rate, whichever of the two it follows: an older dump tool
    /// printed the data rates under bNumClockSupported, and the unit is what counts.
    std::error_code on_comment(const Line& line, DumpedClassDescriptor& d) {
        const std::size_t field = block_->last_descriptor_field;
        const std::string_view content = trim_trailing_spaces(line.content);
        const bool in_lists = field == kClockListField || field == kDataRateListField;
        if (in_lists && starts_with(content, "Support ")) {
            const std::string_view number_and_unit = content.substr(8);
            const bool clock = number_and_unit.size() >= 4 &&
                               number_and_unit.substr(number_and_unit.size() - 4) == " kHz";
            auto number = read_with_unit(number_and_unit, clock ? " kHz" : " bps");
            if (!number) {
                return fail(static_cast<DumpError>(number.error().value()), line,
                            kDescriptorFields[field].name);
            }
            if (number->value > 0xFFFFFFFFu) {
                return fail(DumpError::value_out_of_range, line, kDescriptorFields[field].name);
            }
            (clock ? d.clocks_khz : d.data_rates_bps)
                .values.push_back(static_cast<std::uint32_t>(number->value));
            return {};
        }
        if (field == kClockListField) {
            d.clocks_khz.notes.emplace_back(line.content);
        } else if (field == kDataRateListField) {
            d.data_rates_bps.notes.emplace_back(line.content);
        }
        d.fields.back().comments.emplace_back(line.content);
        return {};
    }

    std::error_code finish_block() {
        Block& b = *block_;
        for (unsigned key = 0; key < kBlockKeyCount; ++key) {
            if ((kRequiredBlockKeys & (1u << key)) && !(b.seen & (1u << key))) {
                return fail(DumpError::missing_field, b.line, "idVendor", kBlockKeyNames[key]);
            }
        }
        if (b.interface.ccid) {
            for (std::size_t index = 0; index < kDescriptorFields.size(); ++index) {
                if (!(b.descriptor_seen & (std::uint32_t{1} << index))) {
                    return fail(DumpError::missing_field, b.interface.ccid->line,
                                "CCID Class Descriptor", kDescriptorFields[index].name);
                }
            }
        }
        add_to_device(std::move(b));
        block_.reset();
        return {};
    }

    void add_to_device(Block&& b) {
        const auto key = static_cast<std::uint16_t>(b.interface.bInterfaceNumber << 8 |
                                                    b.interface.bAlternateSetting);
        if (!devices_.empty() && same_identity(devices_.back(), b.identity) &&
            device_interfaces_.insert(key).second) {
            devices_.back().interfaces.push_back(std::move(b.interface));
            return;
        }
        devices_.push_back(std::move(b.identity));
        devices_.back().interfaces.clear();
        devices_.back().interfaces.push_back(std::move(b.interface));
        device_interfaces_.clear();
        device_interfaces_.insert(key);
    }

    DumpDiagnostics& diagnostics_;
    std::optional<Block> block_;
    Section section_ = Section::identity;
    std::vector<ReaderDump> devices_;
    std::set<std::uint16_t> device_interfaces_;  // number << 8 | alternate, last device
};

}  // namespace

Result<std::vector<ReaderDump>> parse_reader_dumps(std::string_view text,
                                                   DumpDiagnostics& diagnostics) {
    DumpParser parser(diagnostics);
    return parser.parse(text);
}

Result<std::vector<ReaderDump>> parse_reader_dumps(std::string_view text) {
    DumpDiagnostics ignored;
    return parse_reader_dumps(text, ignored);
}

Result<ReaderDump> parse_reader_dump(std::string_view text, DumpDiagnostics& diagnostics) {
    auto devices = parse_reader_dumps(text, diagnostics);
    if (!devices) {
        return devices.error();
    }
    if (devices->size() != 1) {
        diagnostics.line = (*devices)[1].interfaces.front().line;
        diagnostics.text = "idVendor";
        return DumpError::several_devices;
    }
    return std::move(devices->front());
}

Result<ReaderDump> parse_reader_dump(std::string_view text) {
    DumpDiagnostics ignored;
    return parse_reader_dump(text, ignored);
}

}  // namespace tessera::corpus
