#include "tools/descriptor_input.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "tools/command.hpp"
#include "tools/reader_dump.hpp"

namespace tessera::tools {

namespace {

std::string hex16(std::uint16_t value) {
    const Bytes bytes{static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
    return to_hex(bytes);
}

std::variant<DescriptorSource, InputProblem> from_dump(std::string_view text,
                                                       const std::string& path,
                                                       std::optional<std::uint8_t> wanted) {
    corpus::DumpDiagnostics where;
    const auto devices = corpus::parse_reader_dumps(text, where);
    if (!devices) {
        return InputProblem{kExitInvalidInput, "'" + path + "' is not a valid reader dump: line " +
                                                   std::to_string(where.line) + ": " +
                                                   devices.error().message()};
    }
    DescriptorSource source;
    const corpus::ReaderDump* chosen_device = nullptr;
    const corpus::DumpedInterface* chosen = nullptr;
    for (const corpus::ReaderDump& device : *devices) {
        for (const corpus::DumpedInterface& interface : device.interfaces) {
            if (!interface.ccid) {
                continue;
            }
            source.ccid_interfaces.push_back(interface.bInterfaceNumber);
            const bool matches = !wanted || interface.bInterfaceNumber == *wanted;
            if (chosen == nullptr && matches) {
                chosen_device = &device;
                chosen = &interface;
            }
        }
    }
    if (source.ccid_interfaces.empty()) {
        return InputProblem{kExitInvalidInput,
                            "the reader dump '" + path + "' holds no CCID class descriptor"};
    }
    if (chosen == nullptr) {
        return InputProblem{kExitUsage, "the reader dump '" + path + "' has no interface " +
                                            std::to_string(*wanted) +
                                            " with a CCID class descriptor"};
    }
    source.bytes.assign(chosen->ccid->raw.begin(), chosen->ccid->raw.end());
    source.vendor_interface = chosen->bInterfaceClass == 0xFF;
    source.origin = "reader dump " + path + ", interface " +
                    std::to_string(chosen->bInterfaceNumber) + " of " +
                    hex16(chosen_device->vendor_id) + ":" + hex16(chosen_device->product_id) +
                    (chosen_device->product ? " \"" + *chosen_device->product + "\"" : "");
    return source;
}

std::variant<DescriptorSource, InputProblem> from_file(const std::string& path,
                                                       std::optional<std::uint8_t> interface) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return InputProblem{kExitUsage, "cannot read '" + path + "'"};
    }
    const std::string content((std::istreambuf_iterator<char>(file)),
                              std::istreambuf_iterator<char>());
    if (content.find("idVendor") != std::string::npos) {
        return from_dump(content, path, interface);
    }
    if (interface) {
        return InputProblem{kExitUsage, "--interface applies to reader dumps only"};
    }
    DescriptorSource source;
    if (auto text = parse_hex(content); text && !text->empty()) {
        source.bytes = std::move(*text);
        source.origin = "hex text file " + path;
    } else {
        source.bytes.assign(content.begin(), content.end());
        source.origin = "binary file " + path;
    }
    return source;
}

}  // namespace

std::variant<DescriptorSource, InputProblem> read_descriptor_source(
    std::span<const std::string_view> operands, std::optional<std::uint8_t> interface) {
    if (operands.empty()) {
        return InputProblem{kExitUsage, "no descriptor given"};
    }
    if (operands.size() == 1) {
        const std::string path(operands.front());
        std::error_code error;
        if (std::filesystem::is_regular_file(path, error)) {
            return from_file(path, interface);
        }
    }
    std::string joined;
    for (const std::string_view operand : operands) {
        joined += joined.empty() ? "" : " ";
        joined += operand;
    }
    auto bytes = parse_hex(joined);
    if (!bytes) {
        return InputProblem{kExitUsage,
                            "'" + joined + "' is neither hex bytes nor a readable file"};
    }
    if (interface) {
        return InputProblem{kExitUsage, "--interface applies to reader dumps only"};
    }
    DescriptorSource source;
    source.bytes = std::move(*bytes);
    source.origin = "command line";
    return source;
}

}  // namespace tessera::tools
