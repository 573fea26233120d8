// Where `tessera descriptor` gets its class descriptor bytes from: hex on the command line,
// or a file holding the raw descriptor (binary or hex text) or a reader dump
// (tools/reader_dump.hpp, the format of tests/data/readers/*.txt).
//
// Pure apart from reading the one named file; no state. The caller parses the bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.hpp"

namespace tessera::tools {

/// The bytes to parse as a class descriptor, and where they came from.
struct DescriptorSource {
    Bytes bytes;
    /// For people: "command line", "binary file F", "reader dump F, interface 0 ...".
    std::string origin;
    /// Reader dump only: the interface is of the vendor class 0xFF, whose readers may
    /// carry bDescriptorType 0xFF (class_descriptor.hpp, kProprietaryDescriptorType).
    bool vendor_interface = false;
    /// Reader dump only: bInterfaceNumber of every interface with a class descriptor.
    std::vector<std::uint8_t> ccid_interfaces;
};

/// Why no bytes could be had, with the exit code the command returns (command.hpp).
struct InputProblem {
    int exit_code = 0;
    std::string message;
};

/// `operands` are the command's non-option arguments. A single operand naming an
/// existing file is read as a file; otherwise the operands joined with spaces must be
/// hex (spaces and colons between bytes allowed). In a reader dump, `interface` selects
/// the interface by bInterfaceNumber; without it the first one with a class descriptor.
/// Problems: usage (no operand, neither hex nor a readable file, no such interface) or
/// invalid input (an unreadable dump, a dump without class descriptor).
std::variant<DescriptorSource, InputProblem> read_descriptor_source(
    std::span<const std::string_view> operands, std::optional<std::uint8_t> interface);

}  // namespace tessera::tools
