// libFuzzer target: every parser of transport/class_descriptor.hpp and
// tools/reader_dump.hpp on the same arbitrary input, with their invariants.
//  - parse_class_descriptor: on success, encode() gives back the first 54 input bytes;
//  - find_class_descriptors: every valid entry is the parse of the bytes at its offset;
//  - parse_rate_list: at most the declared (or 256) entries, each the dword at its place;
//  - make_capabilities: slots, busy slots, IFSD and lists within their bounds;
//  - parse_reader_dumps: every rebuilt descriptor that parses encodes back to itself.
// Seeds (tests/fuzz/corpus/class_descriptor): raw descriptors rebuilt from reader dumps,
// configuration blobs and dump texts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "base/bytes.hpp"
#include "transport/class_descriptor.hpp"
#include "tools/reader_dump.hpp"

using namespace tessera::transport;
using namespace tessera::corpus;

namespace {

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

void check_capabilities(const ClassDescriptor& d, const std::optional<RateList>& clocks,
                        const std::optional<RateList>& rates) {
    const ReaderCapabilities caps = make_capabilities(d, clocks, rates);
    require(caps.slots == d.bMaxSlotIndex + 1u);
    require(caps.max_busy_slots >= 1 && caps.max_busy_slots <= caps.slots);
    require(caps.max_ifsd >= 1 && caps.max_ifsd <= 254);
    require(caps.exchange_level == exchange_level(d.dwFeatures));
    require(std::is_sorted(caps.diagnostics.begin(), caps.diagnostics.end()));
    const std::uint32_t clock_bound = std::max(d.dwMaximumClock, d.dwDefaultClock);
    for (std::uint32_t clock : caps.clocks_khz) {
        require(clock != 0 && (d.dwMaximumClock == 0 || clock <= clock_bound));
    }
    for (std::uint32_t rate : caps.data_rates_bps) {
        require(rate != 0 && (d.dwMaxDataRate == 0 || rate <= d.dwMaxDataRate));
        require(caps.supports_data_rate(rate));
    }
}

void fuzz_descriptor(tessera::ByteView bytes, std::optional<RateList> clocks,
                     std::optional<RateList> rates) {
    for (bool proprietary : {false, true}) {
        const DescriptorOptions options{.accept_proprietary_type = proprietary};
        auto d = parse_class_descriptor(bytes, options);
        if (!d) {
            continue;
        }
        const tessera::Bytes encoded = encode_class_descriptor(*d);
        require(encoded.size() == kClassDescriptorSize);
        require(std::equal(encoded.begin(), encoded.end(), bytes.begin()));
        auto again = parse_class_descriptor(encoded, options);
        require(again.has_value() == (d->bLength == kClassDescriptorSize));
        if (again) {
            require(*again == *d);
        }
        check_capabilities(*d, clocks, rates);
    }
}

void fuzz_configuration(tessera::ByteView bytes) {
    for (bool lenient : {false, true}) {
        const DescriptorOptions options{.accept_proprietary_type = lenient,
                                        .accept_vendor_interface_class = lenient};
        auto all = find_class_descriptors(bytes, options);
        auto first = find_class_descriptor(bytes, options);
        if (!all) {
            require(!first && first.error() == all.error());
            continue;
        }
        require(!all->empty());
        bool any_valid = false;
        for (const auto& entry : *all) {
            if (entry.error) {
                continue;
            }
            any_valid = true;
            require(entry.offset < bytes.size());
            auto direct = parse_class_descriptor(bytes.subspan(entry.offset), options);
            require(direct && *direct == entry.descriptor);
        }
        require(first.has_value() == any_valid);
    }
}

void fuzz_rate_list(tessera::ByteView bytes) {
    const std::uint8_t declared = bytes.empty() ? 0 : bytes[0];
    const tessera::ByteView answer = bytes.empty() ? bytes : bytes.subspan(1);
    const RateList list = parse_rate_list(answer, declared);
    require(list.dwords_received == answer.size() / 4);
    require(list.trailing_bytes == answer.size() % 4);
    require(list.values.size() <= kMaxRateListEntries);
    require(list.values.size() <= list.dwords_received);
    require(declared == 0 || list.values.size() <= declared);
    for (std::size_t i = 0; i < list.values.size(); ++i) {
        const std::uint32_t expected = static_cast<std::uint32_t>(answer[4 * i]) |
                                       static_cast<std::uint32_t>(answer[4 * i + 1]) << 8 |
                                       static_cast<std::uint32_t>(answer[4 * i + 2]) << 16 |
                                       static_cast<std::uint32_t>(answer[4 * i + 3]) << 24;
        require(list.values[i] == expected);
    }
}

void fuzz_dump(std::string_view text) {
    DumpDiagnostics where;
    auto devices = parse_reader_dumps(text, where);
    if (!devices) {
        require(where.text.size() <= 120);
        return;
    }
    require(!devices->empty());
    for (const ReaderDump& device : *devices) {
        require(!device.interfaces.empty());
        for (const DumpedInterface& interface : device.interfaces) {
            if (!interface.ccid) {
                continue;
            }
            const DumpedClassDescriptor& dumped = *interface.ccid;
            require(dumped.fields.size() == 22);
            auto d = parse_class_descriptor(dumped.raw, {.accept_proprietary_type = true});
            if (!d) {
                continue;
            }
            const tessera::Bytes encoded = encode_class_descriptor(*d);
            require(
                std::equal(encoded.begin(), encoded.end(), dumped.raw.begin(), dumped.raw.end()));
            check_capabilities(
                *d, make_rate_list(dumped.clocks_khz.values, d->bNumClockSupported),
                make_rate_list(dumped.data_rates_bps.values, d->bNumDataRatesSupported));
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const tessera::ByteView bytes(data, size);
    // The lists for the capabilities: the bytes after the first 54, split in two.
    std::optional<RateList> clocks;
    std::optional<RateList> rates;
    if (size > kClassDescriptorSize) {
        const tessera::ByteView tail = bytes.subspan(kClassDescriptorSize);
        clocks = parse_rate_list(tail.first(tail.size() / 2), bytes[18]);
        rates = parse_rate_list(tail.subspan(tail.size() / 2), bytes[27]);
    }
    fuzz_descriptor(bytes, clocks, rates);
    fuzz_configuration(bytes);
    fuzz_rate_list(bytes);
    fuzz_dump(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
