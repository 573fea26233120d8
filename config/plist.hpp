// A small, strict reader for the XML property lists that pcscd bundles use (Info.plist).
//
// The subset: an optional <?xml?> declaration, <!DOCTYPE> (without internal subset) and
// comments, then <plist> holding one value, where a value is <dict> (of <key> + value
// pairs), <array>, <string>, <key>, <integer> (decimal, or 0x hex as pcscd-style files
// write it), <true/> or <false/>. Text may use the five XML entities and numeric
// character references. Anything else (other elements, attributes outside <plist>, CDATA,
// text between elements, duplicate keys) is an error, never a guess.
//
// The input is untrusted (an administrator's file, read inside pcscd): every size is
// bounded by PlistLimits, nesting is bounded before recursing, and any byte sequence
// gives a value or an error with its line and column, never a crash. Pure code, no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "base/error.hpp"
#include "base/result.hpp"

namespace tessera::config {

enum class PlistError {
    ok_is_never_used = 0,
    too_large = 1,        // the text exceeds PlistLimits::max_bytes
    truncated,            // the text ends inside the document
    malformed_markup,     // a tag, comment, declaration or text that is not well formed
    unsupported_element,  // an element outside the subset (e.g. <real>, <data>, <date>)
    mismatched_tag,       // an end tag that does not close the open element
    nesting_too_deep,     // arrays and dicts nested deeper than PlistLimits::max_depth
    string_too_long,      // a key or string longer than PlistLimits::max_string_bytes
    too_many_values,      // more values than PlistLimits::max_values
    bad_entity,           // an unknown entity, or a character reference out of range
    bad_integer,          // <integer> that is not a number within 64 bits
    missing_value,        // a <key> in a dict not followed by a value
    missing_key,          // a value in a dict not preceded by a <key>
    duplicate_key,        // the same key twice in one dict
    not_a_plist,          // no <plist> root, or it does not hold exactly one value
    trailing_content,     // something after </plist> other than space and comments
};

const char* describe(PlistError error);

struct PlistLimits {
    std::size_t max_bytes = 1024 * 1024;
    std::size_t max_depth = 16;  // <plist><dict><array> is depth 2
    std::size_t max_string_bytes = 4096;
    std::size_t max_values = 100000;
};

/// Where parsing stopped: 1-based line and column (in bytes) and what was wrong.
struct PlistDiagnostics {
    std::size_t line = 0;
    std::size_t column = 0;
    std::string message;
};

class PlistValue;
struct PlistDictEntry;
using PlistArray = std::vector<PlistValue>;
using PlistDict = std::vector<PlistDictEntry>;  // in document order, keys unique

/// One value of a property list, with the place of its element in the source text.
class PlistValue {
  public:
    enum class Type { string, integer, boolean, array, dict };

    PlistValue();
    explicit PlistValue(std::string text);
    explicit PlistValue(std::int64_t number);
    explicit PlistValue(bool flag);
    explicit PlistValue(PlistArray items);
    explicit PlistValue(PlistDict entries);
    PlistValue(const PlistValue&);
    PlistValue(PlistValue&&) noexcept;
    PlistValue& operator=(const PlistValue&);
    PlistValue& operator=(PlistValue&&) noexcept;
    ~PlistValue();

    Type type() const;
    /// The content, or nullptr when the value is of another type.
    const std::string* as_string() const;
    const std::int64_t* as_integer() const;
    const bool* as_boolean() const;
    const PlistArray* as_array() const;
    const PlistDict* as_dict() const;

    /// In a dict: the value of that key, or nullptr (also when this is not a dict).
    const PlistValue* find(std::string_view key) const;

    /// The element in the source text: offset of its '<' and one past its last '>',
    /// and the line it starts on. Zero for values not read from a text.
    std::size_t source_begin = 0;
    std::size_t source_end = 0;
    std::size_t line = 0;

  private:
    std::variant<std::string, std::int64_t, bool, PlistArray, PlistDict> content_;
};

struct PlistDictEntry {
    std::string key;
    PlistValue value;
};

/// The value the <plist> element holds.
Result<PlistValue> parse_plist(std::string_view text, PlistDiagnostics& diagnostics,
                               const PlistLimits& limits = {});
Result<PlistValue> parse_plist(std::string_view text);

}  // namespace tessera::config

TESSERA_ERROR_ENUM(tessera::config, PlistError, "property list");
