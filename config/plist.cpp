#include "config/plist.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

namespace tessera::config {

PlistValue::PlistValue() : content_(std::string()) {}
PlistValue::PlistValue(std::string text) : content_(std::move(text)) {}
PlistValue::PlistValue(std::int64_t number) : content_(number) {}
PlistValue::PlistValue(bool flag) : content_(flag) {}
PlistValue::PlistValue(PlistArray items) : content_(std::move(items)) {}
PlistValue::PlistValue(PlistDict entries) : content_(std::move(entries)) {}
PlistValue::PlistValue(const PlistValue&) = default;
PlistValue::PlistValue(PlistValue&&) noexcept = default;
PlistValue& PlistValue::operator=(const PlistValue&) = default;
PlistValue& PlistValue::operator=(PlistValue&&) noexcept = default;
PlistValue::~PlistValue() = default;

PlistValue::Type PlistValue::type() const {
    return static_cast<Type>(content_.index());
}
const std::string* PlistValue::as_string() const {
    return std::get_if<std::string>(&content_);
}
const std::int64_t* PlistValue::as_integer() const {
    return std::get_if<std::int64_t>(&content_);
}
const bool* PlistValue::as_boolean() const {
    return std::get_if<bool>(&content_);
}
const PlistArray* PlistValue::as_array() const {
    return std::get_if<PlistArray>(&content_);
}
const PlistDict* PlistValue::as_dict() const {
    return std::get_if<PlistDict>(&content_);
}

const PlistValue* PlistValue::find(std::string_view key) const {
    const PlistDict* dict = as_dict();
    if (dict == nullptr) {
        return nullptr;
    }
    for (const PlistDictEntry& entry : *dict) {
        if (entry.key == key) {
            return &entry.value;
        }
    }
    return nullptr;
}

const char* describe(PlistError error) {
    switch (error) {
        case PlistError::ok_is_never_used:
            return "no error";
        case PlistError::too_large:
            return "property list too large";
        case PlistError::truncated:
            return "property list truncated";
        case PlistError::malformed_markup:
            return "malformed XML";
        case PlistError::unsupported_element:
            return "unsupported property list element";
        case PlistError::mismatched_tag:
            return "mismatched end tag";
        case PlistError::nesting_too_deep:
            return "property list nested too deep";
        case PlistError::string_too_long:
            return "property list string too long";
        case PlistError::too_many_values:
            return "too many property list values";
        case PlistError::bad_entity:
            return "bad XML entity or character reference";
        case PlistError::bad_integer:
            return "bad property list integer";
        case PlistError::missing_value:
            return "dict key without a value";
        case PlistError::missing_key:
            return "dict value without a key";
        case PlistError::duplicate_key:
            return "duplicate dict key";
        case PlistError::not_a_plist:
            return "not a property list";
        case PlistError::trailing_content:
            return "content after the property list";
    }
    return "unknown property list error";
}

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
}

void append_utf8(std::string& out, std::uint32_t code_point) {
    if (code_point < 0x80) {
        out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
        out += static_cast<char>(0xC0 | (code_point >> 6));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
        out += static_cast<char>(0xE0 | (code_point >> 12));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code_point >> 18));
        out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code_point & 0x3F));
    }
}

struct Tag {
    enum class Kind { start, end, empty };
    Kind kind = Kind::start;
    std::string_view name;
    std::size_t begin = 0;  // offset of '<'
    std::size_t end = 0;    // one past '>'
};

/// Recursive descent over the subset; every method returns false once an error is set.
class Reader {
  public:
    Reader(std::string_view text, const PlistLimits& limits, PlistDiagnostics& diagnostics)
        : text_(text), limits_(limits), diagnostics_(diagnostics) {}

    Result<PlistValue> document() {
        if (text_.size() > limits_.max_bytes) {
            fail(PlistError::too_large, 0,
                 "the file has " + std::to_string(text_.size()) + " bytes, more than " +
                     std::to_string(limits_.max_bytes));
            return error_;
        }
        if (text_.starts_with("\xEF\xBB\xBF")) {
            pos_ = 3;
        }
        PlistValue root;
        if (!prolog() || !plist_element(root) || !epilogue()) {
            return error_;
        }
        return root;
    }

  private:
    bool fail(PlistError error, std::size_t at, std::string message) {
        if (!error_) {
            error_ = make_error_code(error);
            at = std::min(at, text_.size());
            const std::string_view before = text_.substr(0, at);
            diagnostics_.line =
                1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
            const auto last_newline = before.rfind('\n');
            diagnostics_.column =
                last_newline == std::string_view::npos ? at + 1 : at - last_newline;
            diagnostics_.message = std::move(message);
        }
        return false;
    }

    /// The 1-based line of an offset; offsets asked for only grow, so the count is linear.
    std::size_t line_at(std::size_t offset) {
        const auto from = text_.begin() + static_cast<std::ptrdiff_t>(line_cursor_);
        const auto to = text_.begin() + static_cast<std::ptrdiff_t>(offset);
        line_count_ += static_cast<std::size_t>(std::count(from, to, '\n'));
        line_cursor_ = offset;
        return line_count_;
    }

    bool at_end() const { return pos_ >= text_.size(); }
    bool looking_at(std::string_view s) const { return text_.substr(pos_).starts_with(s); }

    bool skip_until(std::string_view terminator, std::size_t start, const char* what) {
        const auto found = text_.find(terminator, pos_);
        if (found == std::string_view::npos) {
            return fail(PlistError::truncated, start, std::string("unterminated ") + what);
        }
        pos_ = found + terminator.size();
        return true;
    }

    /// Spaces and comments between elements.
    bool skip_space_and_comments() {
        while (!at_end()) {
            if (is_space(text_[pos_])) {
                ++pos_;
            } else if (looking_at("<!--")) {
                const std::size_t start = pos_;
                pos_ += 4;
                if (!skip_until("-->", start, "comment")) {
                    return false;
                }
            } else {
                break;
            }
        }
        return true;
    }

    bool prolog() {
        while (true) {
            if (!skip_space_and_comments()) {
                return false;
            }
            const std::size_t start = pos_;
            if (looking_at("<?")) {
                if (!skip_until("?>", start, "XML declaration")) {
                    return false;
                }
            } else if (looking_at("<!DOCTYPE")) {
                const auto close = text_.find('>', pos_);
                const auto subset = text_.find('[', pos_);
                if (close == std::string_view::npos) {
                    return fail(PlistError::truncated, start, "unterminated <!DOCTYPE>");
                }
                if (subset < close) {
                    return fail(PlistError::malformed_markup, subset,
                                "a DOCTYPE internal subset is not supported");
                }
                pos_ = close + 1;
            } else {
                return true;
            }
        }
    }

    /// Reads the tag at pos_ ('<' there). Only <plist> may carry attributes.
    bool tag(Tag& out) {
        out.begin = pos_;
        std::size_t i = pos_ + 1;
        out.kind = Tag::Kind::start;
        if (i < text_.size() && text_[i] == '/') {
            out.kind = Tag::Kind::end;
            ++i;
        }
        const std::size_t name_start = i;
        while (i < text_.size() && is_name_char(text_[i])) {
            ++i;
        }
        out.name = text_.substr(name_start, i - name_start);
        if (i >= text_.size()) {
            return fail(PlistError::truncated, out.begin, "the text ends inside a tag");
        }
        if (out.name.empty()) {
            return fail(PlistError::malformed_markup, out.begin, "'<' that starts no tag");
        }
        const std::size_t attributes_start = i;
        while (i < text_.size() && is_space(text_[i])) {
            ++i;
        }
        if (out.kind == Tag::Kind::start && out.name == "plist" && i > attributes_start) {
            while (i < text_.size() && text_[i] != '>' && text_[i] != '<') {
                ++i;
            }
            if (i < text_.size() && text_[i] == '>' && text_[i - 1] == '/') {
                --i;
            }
        }
        if (i >= text_.size()) {
            return fail(PlistError::truncated, out.begin, "the text ends inside a tag");
        }
        if (out.kind == Tag::Kind::start && text_[i] == '/') {
            out.kind = Tag::Kind::empty;
            ++i;
            if (i >= text_.size()) {
                return fail(PlistError::truncated, out.begin, "the text ends inside a tag");
            }
        }
        if (text_[i] != '>') {
            return fail(PlistError::malformed_markup, i,
                        "unexpected character in the <" + std::string(out.name) + "> tag");
        }
        out.end = i + 1;
        pos_ = out.end;
        return true;
    }

    bool expect_end_tag(std::string_view name, std::size_t element_start) {
        if (at_end()) {
            return fail(PlistError::truncated, element_start,
                        "<" + std::string(name) + "> is not closed");
        }
        Tag end;
        if (!tag(end)) {
            return false;
        }
        if (end.kind != Tag::Kind::end || end.name != name) {
            return fail(PlistError::mismatched_tag, end.begin,
                        "expected </" + std::string(name) + ">, found <" +
                            (end.kind == Tag::Kind::end ? "/" : "") + std::string(end.name) + ">");
        }
        return true;
    }

    /// Character data up to the next '<', entities decoded.
    bool text(std::string& out, std::size_t element_start) {
        while (true) {
            if (at_end()) {
                return fail(PlistError::truncated, element_start,
                            "the text ends inside an element");
            }
            const char c = text_[pos_];
            if (c == '<') {
                return true;
            }
            if (c == '&') {
                if (!entity(out)) {
                    return false;
                }
            } else {
                if (static_cast<unsigned char>(c) < 0x20 && !is_space(c)) {
                    return fail(PlistError::malformed_markup, pos_, "control character in text");
                }
                out += c;
                ++pos_;
            }
            if (out.size() > limits_.max_string_bytes) {
                return fail(
                    PlistError::string_too_long, element_start,
                    "a string longer than " + std::to_string(limits_.max_string_bytes) + " bytes");
            }
        }
    }

    bool entity(std::string& out) {
        const std::size_t start = pos_;
        const auto semicolon = text_.find(';', pos_);
        constexpr std::size_t kLongestEntity = 10;  // "&#x10FFFF;"
        if (semicolon == std::string_view::npos || semicolon - pos_ > kLongestEntity) {
            return fail(PlistError::bad_entity, start, "'&' that starts no entity");
        }
        const std::string_view name = text_.substr(pos_ + 1, semicolon - pos_ - 1);
        pos_ = semicolon + 1;
        if (name == "amp") {
            out += '&';
        } else if (name == "lt") {
            out += '<';
        } else if (name == "gt") {
            out += '>';
        } else if (name == "quot") {
            out += '"';
        } else if (name == "apos") {
            out += '\'';
        } else if (name.starts_with('#') && name.size() > 1) {
            const bool hex = name[1] == 'x';
            const std::string_view digits = name.substr(hex ? 2 : 1);
            std::uint32_t code_point = 0;
            const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(),
                                                   code_point, hex ? 16 : 10);
            if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
                code_point == 0 || code_point > 0x10FFFF ||
                (code_point >= 0xD800 && code_point <= 0xDFFF)) {
                return fail(PlistError::bad_entity, start, "bad character reference");
            }
            append_utf8(out, code_point);
        } else {
            return fail(PlistError::bad_entity, start,
                        "unknown entity &" + std::string(name) + ";");
        }
        return true;
    }

    bool plist_element(PlistValue& out) {
        if (at_end()) {
            return fail(PlistError::truncated, pos_, "no <plist> element");
        }
        if (text_[pos_] != '<') {
            return fail(PlistError::not_a_plist, pos_, "expected <plist>");
        }
        Tag open;
        if (!tag(open)) {
            return false;
        }
        if (open.kind != Tag::Kind::start || open.name != "plist") {
            return fail(PlistError::not_a_plist, open.begin,
                        "the root element is <" + std::string(open.name) + ">, not <plist>");
        }
        if (!skip_space_and_comments()) {
            return false;
        }
        if (at_end()) {
            return fail(PlistError::truncated, open.begin, "<plist> is not closed");
        }
        if (looking_at("</")) {
            return fail(PlistError::not_a_plist, pos_, "<plist> holds no value");
        }
        if (!value(out, 0) || !skip_space_and_comments()) {
            return false;
        }
        if (at_end()) {
            return fail(PlistError::truncated, open.begin, "<plist> is not closed");
        }
        if (!looking_at("</")) {
            return fail(PlistError::not_a_plist, pos_, "<plist> holds more than one value");
        }
        return expect_end_tag("plist", open.begin);
    }

    bool epilogue() {
        if (!skip_space_and_comments()) {
            return false;
        }
        if (!at_end()) {
            return fail(PlistError::trailing_content, pos_, "content after </plist>");
        }
        return true;
    }

    /// A value element at pos_ (callers have skipped space and checked for an end tag).
    bool value(PlistValue& out, std::size_t depth) {
        if (at_end()) {
            return fail(PlistError::truncated, pos_, "a value is missing");
        }
        if (text_[pos_] != '<') {
            return fail(PlistError::malformed_markup, pos_, "text outside an element");
        }
        if (++values_ > limits_.max_values) {
            return fail(PlistError::too_many_values, pos_,
                        "more than " + std::to_string(limits_.max_values) + " values");
        }
        Tag open;
        if (!tag(open)) {
            return false;
        }
        if (open.kind == Tag::Kind::end) {
            return fail(PlistError::mismatched_tag, open.begin,
                        "unexpected </" + std::string(open.name) + ">");
        }
        const std::size_t line = line_at(open.begin);
        const bool ok = element(open, out, depth);
        out.source_begin = open.begin;
        out.source_end = pos_;
        out.line = line;
        return ok;
    }

    bool element(const Tag& open, PlistValue& out, std::size_t depth) {
        const bool empty = open.kind == Tag::Kind::empty;
        if (open.name == "string") {
            std::string content;
            if (!empty && (!text(content, open.begin) || !expect_end_tag("string", open.begin))) {
                return false;
            }
            out = PlistValue(std::move(content));
            return true;
        }
        if (open.name == "integer") {
            return integer(open, out);
        }
        if (open.name == "true" || open.name == "false") {
            if (!empty && !expect_end_tag(open.name, open.begin)) {
                return false;
            }
            out = PlistValue(open.name == "true");
            return true;
        }
        if (open.name == "array" || open.name == "dict") {
            if (depth + 1 > limits_.max_depth) {
                return fail(
                    PlistError::nesting_too_deep, open.begin,
                    "arrays and dicts nested deeper than " + std::to_string(limits_.max_depth));
            }
            if (!empty) {
                return open.name == "array" ? array(open, out, depth + 1)
                                            : dict(open, out, depth + 1);
            }
            out = open.name == "array" ? PlistValue(PlistArray{}) : PlistValue(PlistDict{});
            return true;
        }
        if (open.name == "key") {
            return fail(PlistError::missing_key, open.begin, "a <key> outside a dict");
        }
        return fail(PlistError::unsupported_element, open.begin,
                    "<" + std::string(open.name) + "> is not supported");
    }

    bool integer(const Tag& open, PlistValue& out) {
        std::string content;
        if (open.kind == Tag::Kind::empty) {
            return fail(PlistError::bad_integer, open.begin, "empty <integer>");
        }
        if (!text(content, open.begin) || !expect_end_tag("integer", open.begin)) {
            return false;
        }
        std::string_view digits = content;
        const bool negative = digits.starts_with('-');
        if (negative || digits.starts_with('+')) {
            digits.remove_prefix(1);
        }
        const bool hex = digits.starts_with("0x") || digits.starts_with("0X");
        if (hex) {
            digits.remove_prefix(2);
        }
        std::uint64_t magnitude = 0;
        const auto [end, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, hex ? 16 : 10);
        constexpr std::uint64_t kMaxPositive = 0x7FFFFFFFFFFFFFFF;
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
            magnitude > kMaxPositive + (negative ? 1 : 0)) {
            return fail(PlistError::bad_integer, open.begin,
                        "<integer> holds '" + content.substr(0, 40) + "'");
        }
        const auto number = negative ? static_cast<std::int64_t>(0 - magnitude)
                                     : static_cast<std::int64_t>(magnitude);
        out = PlistValue(number);
        return true;
    }

    bool array(const Tag& open, PlistValue& out, std::size_t depth) {
        PlistArray items;
        while (true) {
            if (!skip_space_and_comments()) {
                return false;
            }
            if (at_end()) {
                return fail(PlistError::truncated, open.begin, "<array> is not closed");
            }
            if (looking_at("</")) {
                if (!expect_end_tag("array", open.begin)) {
                    return false;
                }
                out = PlistValue(std::move(items));
                return true;
            }
            PlistValue item;
            if (!value(item, depth)) {
                return false;
            }
            items.push_back(std::move(item));
        }
    }

    bool dict(const Tag& open, PlistValue& out, std::size_t depth) {
        PlistDict entries;
        std::set<std::string> keys;
        while (true) {
            if (!skip_space_and_comments()) {
                return false;
            }
            if (at_end()) {
                return fail(PlistError::truncated, open.begin, "<dict> is not closed");
            }
            if (looking_at("</")) {
                if (!expect_end_tag("dict", open.begin)) {
                    return false;
                }
                out = PlistValue(std::move(entries));
                return true;
            }
            if (text_[pos_] != '<') {
                return fail(PlistError::malformed_markup, pos_, "text outside an element");
            }
            Tag key_tag;
            if (!tag(key_tag)) {
                return false;
            }
            if (key_tag.kind == Tag::Kind::end || key_tag.name != "key") {
                return fail(PlistError::missing_key, key_tag.begin,
                            "expected <key> in a dict, found <" + std::string(key_tag.name) + ">");
            }
            std::string key;
            if (key_tag.kind == Tag::Kind::start &&
                (!text(key, key_tag.begin) || !expect_end_tag("key", key_tag.begin))) {
                return false;
            }
            if (!keys.insert(key).second) {
                return fail(PlistError::duplicate_key, key_tag.begin,
                            "key '" + key.substr(0, 60) + "' appears twice");
            }
            if (!skip_space_and_comments()) {
                return false;
            }
            if (at_end()) {
                return fail(PlistError::truncated, key_tag.begin, "<dict> is not closed");
            }
            if (looking_at("</") || looking_at("<key")) {
                return fail(PlistError::missing_value, key_tag.begin,
                            "key '" + key.substr(0, 60) + "' has no value");
            }
            PlistValue item;
            if (!value(item, depth)) {
                return false;
            }
            entries.push_back(PlistDictEntry{std::move(key), std::move(item)});
        }
    }

    std::string_view text_;
    const PlistLimits& limits_;
    PlistDiagnostics& diagnostics_;
    std::size_t pos_ = 0;
    std::size_t values_ = 0;
    std::size_t line_cursor_ = 0;  // line_at(): offset counted up to, and its line
    std::size_t line_count_ = 1;
    std::error_code error_;
};

}  // namespace

Result<PlistValue> parse_plist(std::string_view text, PlistDiagnostics& diagnostics,
                               const PlistLimits& limits) {
    diagnostics = {};
    Reader reader(text, limits, diagnostics);
    return reader.document();
}

Result<PlistValue> parse_plist(std::string_view text) {
    PlistDiagnostics diagnostics;
    return parse_plist(text, diagnostics);
}

}  // namespace tessera::config
