// libFuzzer target for the Info.plist readers of config/: parse_plist (plist.hpp) with
// the default limits, then what the driver and the tool do with the parsed value, with
// their invariants.
//  - parse_plist: an error has a message and a 1-based line and column; a value tree
//    keeps every limit (depth, string length, value count), each element lies inside its
//    parent's, and dict keys are unique;
//  - options_from_info_plist and load_driver_options agree, and an error says why;
//  - listed_readers: the three lists read as readers; when it succeeds, the bundle editor
//    (add_reader_to_info_plist) either refuses with a message or gives a text that lists
//    the same readers plus the new one, last.
// Seeds (tests/fuzz/corpus/plist): Info.plist files shaped as pcscd bundles write them
// (the generated one included), small and malformed ones.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/driver_options.hpp"
#include "config/info_plist_readers.hpp"
#include "config/plist.hpp"

using namespace tessera::config;

namespace {

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

struct TreeCounts {
    std::size_t values = 0;
};

/// Checks one value and its children; `depth` counts the arrays and dicts around it.
void check_value(const PlistValue& value, std::size_t parent_begin, std::size_t parent_end,
                 std::size_t depth, const PlistLimits& limits, TreeCounts& counts) {
    ++counts.values;
    require(value.source_begin >= parent_begin && value.source_begin < value.source_end &&
            value.source_end <= parent_end);
    require(value.line >= 1);
    switch (value.type()) {
        case PlistValue::Type::string:
            require(value.as_string() != nullptr &&
                    value.as_string()->size() <= limits.max_string_bytes);
            break;
        case PlistValue::Type::integer:
            require(value.as_integer() != nullptr);
            break;
        case PlistValue::Type::boolean:
            require(value.as_boolean() != nullptr);
            break;
        case PlistValue::Type::array:
            require(depth + 1 <= limits.max_depth);
            for (const PlistValue& item : *value.as_array()) {
                check_value(item, value.source_begin, value.source_end, depth + 1, limits,
                            counts);
            }
            break;
        case PlistValue::Type::dict: {
            require(depth + 1 <= limits.max_depth);
            std::set<std::string_view> keys;
            for (const PlistDictEntry& entry : *value.as_dict()) {
                require(entry.key.size() <= limits.max_string_bytes);
                require(keys.insert(entry.key).second);
                require(value.find(entry.key) == &entry.value);
                check_value(entry.value, value.source_begin, value.source_end, depth + 1,
                            limits, counts);
            }
            break;
        }
    }
}

void check_options(std::string_view text, const tessera::Result<PlistValue>& root) {
    OptionsDiagnostics loaded_diagnostics;
    const auto loaded = load_driver_options(text, {}, loaded_diagnostics);
    if (!root) {
        require(!loaded && loaded.error() == root.error());
        return;
    }
    OptionsDiagnostics diagnostics;
    const auto options = options_from_info_plist(*root, diagnostics);
    require(options.has_value() == loaded.has_value());
    if (!options) {
        require(!diagnostics.message.empty() && loaded.error() == options.error());
        return;
    }
    require(*options == *loaded);
    require(options->max_transfer_timeout.count() >= 1 &&
            options->max_transfer_timeout <= kMaxTransferTimeoutLimit);
    require((options->log_level.bits & ~kAllLogCategories) == 0);
}

/// A VID/PID the lists do not hold (the first of a few), or false when all are taken.
bool pick_new_reader(const std::vector<ListedReader>& readers, ListedReader& picked) {
    for (std::uint16_t product : {0xFFFF, 0xFFFE, 0x0000, 0x1234}) {
        bool taken = false;
        for (const ListedReader& reader : readers) {
            taken = taken || (reader.vendor_id == 0xF022 && reader.product_id == product);
        }
        if (!taken) {
            picked = ListedReader{0xF022, product, "Fuzz Reader (test) 1.0"};
            return true;
        }
    }
    return false;
}

void check_readers(std::string_view text, const PlistValue& root) {
    BundleDiagnostics diagnostics;
    const auto readers = listed_readers(root, diagnostics);
    if (!readers) {
        require(!diagnostics.message.empty());
        return;
    }
    ListedReader added;
    if (!pick_new_reader(*readers, added)) {
        return;
    }
    BundleDiagnostics edit_diagnostics;
    const auto edited = add_reader_to_info_plist(text, added.vendor_id, added.product_id,
                                                 added.name, edit_diagnostics);
    if (!edited) {
        require(!edit_diagnostics.message.empty());
        return;
    }
    const auto reparsed = parse_plist(*edited);
    require(reparsed.has_value());
    BundleDiagnostics after_diagnostics;
    const auto after = listed_readers(*reparsed, after_diagnostics);
    require(after.has_value() && after->size() == readers->size() + 1);
    require(std::equal(readers->begin(), readers->end(), after->begin()));
    require(after->back() == added);
    // A duplicate of what was just added is refused.
    BundleDiagnostics again_diagnostics;
    const auto again = add_reader_to_info_plist(*edited, added.vendor_id, added.product_id,
                                                added.name, again_diagnostics);
    require(!again && again.error() == BundleError::reader_already_listed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const PlistLimits limits;
    PlistDiagnostics diagnostics;
    const auto root = parse_plist(text, diagnostics, limits);
    if (!root) {
        require(!diagnostics.message.empty() && diagnostics.line >= 1 &&
                diagnostics.column >= 1);
    } else {
        TreeCounts counts;
        check_value(*root, 0, text.size(), 0, limits, counts);
        require(counts.values <= limits.max_values);
    }
    check_options(text, root);
    if (root) {
        check_readers(text, *root);
    }
    return 0;
}
