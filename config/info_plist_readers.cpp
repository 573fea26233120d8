#include "config/info_plist_readers.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "config/reader_name.hpp"
#include "config/usb_id.hpp"

namespace tessera::config {

const char* describe(BundleError error) {
    switch (error) {
        case BundleError::ok_is_never_used:
            return "no error";
        case BundleError::not_a_dict:
            return "the Info.plist does not hold a dict";
        case BundleError::missing_reader_list:
            return "the Info.plist lacks ifdVendorID, ifdProductID or ifdFriendlyName";
        case BundleError::not_a_string_array:
            return "a reader list is not an array of strings";
        case BundleError::lists_differ_in_length:
            return "the reader lists differ in length";
        case BundleError::bad_listed_id:
            return "a listed vendor or product ID is not a 16-bit hex number";
        case BundleError::bad_reader_name:
            return "the reader name cannot be listed";
        case BundleError::reader_already_listed:
            return "the reader is already listed";
        case BundleError::string_spans_lines:
            return "a listed string spans several lines";
    }
    return "unknown bundle error";
}

namespace {

constexpr std::array<std::string_view, 3> kListKeys = {kVendorIdKey, kProductIdKey,
                                                       kFriendlyNameKey};

std::string id_text(std::uint16_t value) { return "0x" + usb_id_text(value); }

/// The three arrays, checked: present, strings only, equal lengths.
Result<std::array<const PlistValue*, 3>> reader_lists(const PlistValue& root,
                                                      BundleDiagnostics& diagnostics) {
    if (root.as_dict() == nullptr) {
        diagnostics.message = "the <plist> element does not hold a <dict>";
        return BundleError::not_a_dict;
    }
    std::array<const PlistValue*, 3> lists{};
    for (std::size_t i = 0; i < kListKeys.size(); ++i) {
        lists[i] = root.find(kListKeys[i]);
        if (lists[i] == nullptr) {
            diagnostics.message = "no key " + std::string(kListKeys[i]);
            return BundleError::missing_reader_list;
        }
        const PlistArray* items = lists[i]->as_array();
        if (items == nullptr) {
            diagnostics.message = std::string(kListKeys[i]) + " (line " +
                                  std::to_string(lists[i]->line) + ") is not an <array>";
            return BundleError::not_a_string_array;
        }
        for (const PlistValue& item : *items) {
            if (item.as_string() == nullptr) {
                diagnostics.message = std::string(kListKeys[i]) + " holds a non-string at line " +
                                      std::to_string(item.line);
                return BundleError::not_a_string_array;
            }
        }
    }
    const std::size_t count = lists[0]->as_array()->size();
    for (std::size_t i = 1; i < lists.size(); ++i) {
        if (lists[i]->as_array()->size() != count) {
            diagnostics.message = std::string(kListKeys[0]) + " has " + std::to_string(count) +
                                  " entries, " + std::string(kListKeys[i]) + " has " +
                                  std::to_string(lists[i]->as_array()->size());
            return BundleError::lists_differ_in_length;
        }
    }
    return lists;
}

std::string_view leading_space(std::string_view text, std::size_t offset) {
    const auto newline = text.rfind('\n', offset == 0 ? 0 : offset - 1);
    const std::size_t line_start =
        (newline == std::string_view::npos || offset == 0) ? 0 : newline + 1;
    const std::string_view line = text.substr(line_start);
    return line.substr(0, line.find_first_not_of(" \t"));
}

struct Edit {
    std::size_t offset = 0;
    std::size_t removed = 0;
    std::string inserted;
};

/// Where and what to write so that `element` becomes the array's last item.
Edit append_to_array(std::string_view text, const PlistValue& array, const std::string& element) {
    const std::string_view array_indent = leading_space(text, array.source_begin);
    const std::string_view source =
        text.substr(array.source_begin, array.source_end - array.source_begin);
    if (source.ends_with("/>")) {
        return Edit{array.source_begin, source.size(),
                    "<array>\n" + std::string(array_indent) + "\t" + element + "\n" +
                        std::string(array_indent) + "</array>"};
    }
    const std::size_t close = text.rfind("</", array.source_end);
    const PlistArray& items = *array.as_array();
    const std::string item_indent =
        items.empty() ? std::string(leading_space(text, close)) + "\t"
                      : std::string(leading_space(text, items.back().source_begin));
    const auto newline = text.rfind('\n', close == 0 ? 0 : close - 1);
    const std::size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
    const bool closing_tag_alone =
        text.substr(line_start, close - line_start).find_first_not_of(" \t") ==
        std::string_view::npos;
    if (closing_tag_alone && newline != std::string_view::npos) {
        return Edit{line_start, 0, item_indent + element + "\n"};
    }
    return Edit{close, 0, "\n" + item_indent + element + "\n" + std::string(array_indent)};
}

}  // namespace

Result<std::vector<ListedReader>> listed_readers(const PlistValue& root,
                                                 BundleDiagnostics& diagnostics) {
    diagnostics = {};
    const auto lists = reader_lists(root, diagnostics);
    if (!lists) {
        return lists.error();
    }
    const PlistArray& vendors = *(*lists)[0]->as_array();
    const PlistArray& products = *(*lists)[1]->as_array();
    const PlistArray& names = *(*lists)[2]->as_array();
    std::vector<ListedReader> readers;
    for (std::size_t i = 0; i < vendors.size(); ++i) {
        const auto vendor = parse_usb_id(*vendors[i].as_string());
        const auto product = parse_usb_id(*products[i].as_string());
        if (!vendor || !product) {
            diagnostics.message = "entry " + std::to_string(i) + " (line " +
                                  std::to_string((vendor ? products[i] : vendors[i]).line) +
                                  ") is not a hex ID of at most 4 digits";
            return BundleError::bad_listed_id;
        }
        readers.push_back(ListedReader{*vendor, *product, *names[i].as_string()});
    }
    return readers;
}

Result<std::string> add_reader_to_info_plist(std::string_view info_plist, std::uint16_t vendor_id,
                                             std::uint16_t product_id, std::string_view name,
                                             BundleDiagnostics& diagnostics) {
    diagnostics = {};
    if (const ReaderNameProblem problem = check_reader_name(name);
        problem != ReaderNameProblem::none) {
        diagnostics.message = describe(problem);
        return BundleError::bad_reader_name;
    }
    PlistDiagnostics plist_diagnostics;
    const auto root = parse_plist(info_plist, plist_diagnostics);
    if (!root) {
        diagnostics.message =
            "line " + std::to_string(plist_diagnostics.line) + ": " + plist_diagnostics.message;
        return root.error();
    }
    const auto readers = listed_readers(*root, diagnostics);
    if (!readers) {
        return readers.error();
    }
    for (const ListedReader& reader : *readers) {
        if (reader.vendor_id == vendor_id && reader.product_id == product_id) {
            diagnostics.message = id_text(vendor_id) + ":" + id_text(product_id) +
                                  " is already listed as '" + reader.name + "'";
            return BundleError::reader_already_listed;
        }
    }
    std::array<const PlistValue*, 3> lists{};
    for (std::size_t i = 0; i < kListKeys.size(); ++i) {
        lists[i] = root->find(kListKeys[i]);
        for (const PlistValue& item : *lists[i]->as_array()) {
            const std::string_view source =
                info_plist.substr(item.source_begin, item.source_end - item.source_begin);
            if (source.find('\n') != std::string_view::npos) {
                diagnostics.message = "the <string> at line " + std::to_string(item.line) + " of " +
                                      std::string(kListKeys[i]) +
                                      " spans lines; pcscd would not read it";
                return BundleError::string_spans_lines;
            }
        }
    }
    const std::array<std::string, 3> values = {id_text(vendor_id), id_text(product_id),
                                               std::string(name)};
    std::vector<Edit> edits;
    for (std::size_t i = 0; i < lists.size(); ++i) {
        edits.push_back(
            append_to_array(info_plist, *lists[i], "<string>" + values[i] + "</string>"));
    }
    std::sort(edits.begin(), edits.end(),
              [](const Edit& a, const Edit& b) { return a.offset > b.offset; });
    std::string edited(info_plist);
    for (const Edit& edit : edits) {
        edited.replace(edit.offset, edit.removed, edit.inserted);
    }

    BundleDiagnostics check;
    const auto reparsed = parse_plist(edited);
    const auto after = reparsed ? listed_readers(*reparsed, check)
                                : Result<std::vector<ListedReader>>(reparsed.error());
    if (!after || after->size() != readers->size() + 1 ||
        after->back() != ListedReader{vendor_id, product_id, std::string(name)}) {
        diagnostics.message = "the edited Info.plist did not list the new reader as expected";
        return std::make_error_code(std::errc::state_not_recoverable);
    }
    return edited;
}

}  // namespace tessera::config
