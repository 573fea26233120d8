#include "config/reader_database.hpp"

#include <cctype>
#include <utility>

#include "config/reader_name.hpp"
#include "config/usb_id.hpp"

namespace tessera::config {

namespace {

constexpr std::string_view kBlanks = " \t";

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(kBlanks);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(kBlanks);
    return text.substr(first, last - first + 1);
}

/// Exactly four hex digits, as readers.conf writes IDs.
std::optional<std::uint16_t> parse_hex4(std::string_view text) {
    if (text.size() != 4 || text.starts_with("0x") || text.starts_with("0X")) {
        return std::nullopt;
    }
    return parse_usb_id(text);
}

std::string quoted(std::string_view text) {
    constexpr std::size_t kShown = 60;
    std::string out = "'";
    out += text.substr(0, kShown);
    if (text.size() > kShown) {
        out += "...";
    }
    out += "'";
    return out;
}

/// Builds the database line by line; records issues and carries on after each.
class Parser {
  public:
    explicit Parser(DatabaseDiagnostics& diagnostics) : diagnostics_(diagnostics) {}

    void line(std::size_t number, std::string_view text) {
        if (!text.empty() && text.back() == '\r') {
            text.remove_suffix(1);
        }
        const std::string_view content = trim(text);
        if (content.empty() || content.front() == '#') {
            return;
        }
        const bool indented = kBlanks.find(text.front()) != std::string_view::npos;
        if (!indented && content.front() == '[') {
            section(number, content);
        } else if (!indented && content.starts_with("reader ")) {
            reader(number, trim(content.substr(7)));
        } else if (indented && content.starts_with("quirk ")) {
            quirk(number, trim(content.substr(6)));
        } else {
            issue(number, DatabaseError::malformed_line,
                  "expected '[section]', 'reader VVVV:PPPP Name' or an indented "
                  "'quirk flag: reason', found " +
                      quoted(content));
        }
    }

    std::vector<ReaderEntry> take_entries() { return std::move(entries_); }
    std::map<std::uint32_t, std::size_t> take_index() { return std::move(index_); }

  private:
    void section(std::size_t number, std::string_view content) {
        const bool closed = content.size() >= 2 && content.back() == ']';
        const std::string_view name = closed ? content.substr(1, content.size() - 2) : "";
        bool valid = closed && !name.empty();
        for (char c : name) {
            valid =
                valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
        }
        if (!valid) {
            issue(number, DatabaseError::bad_section_name,
                  "a section is '[name]' with a name of a-z, 0-9, '_' and '-', found " +
                      quoted(content));
            return;
        }
        section_ = std::string(name);
        current_ = std::nullopt;
    }

    void reader(std::size_t number, std::string_view rest) {
        current_ = std::nullopt;
        const auto space = rest.find_first_of(kBlanks);
        const std::string_view ids = rest.substr(0, space);
        const std::string_view name =
            space == std::string_view::npos ? std::string_view{} : trim(rest.substr(space));
        const auto colon = ids.find(':');
        const auto vendor =
            colon == std::string_view::npos ? std::nullopt : parse_hex4(ids.substr(0, colon));
        const auto product =
            colon == std::string_view::npos ? std::nullopt : parse_hex4(ids.substr(colon + 1));
        if (!vendor || !product) {
            issue(number, DatabaseError::bad_usb_id,
                  "expected the USB IDs as VVVV:PPPP (4 hex digits each), found " + quoted(ids));
            return;
        }
        const ReaderNameProblem problem = check_reader_name(name);
        if (problem != ReaderNameProblem::none) {
            issue(number, DatabaseError::bad_reader_name,
                  std::string(describe(problem)) + ": " + quoted(name));
            return;
        }
        const std::uint32_t key = (std::uint32_t{*vendor} << 16) | *product;
        if (const auto found = index_.find(key); found != index_.end()) {
            issue(number, DatabaseError::duplicate_reader,
                  "reader " + usb_id_text(*vendor) + ":" + usb_id_text(*product) +
                      " is already listed on line " +
                      std::to_string(entries_[found->second].line));
            return;
        }
        ReaderEntry entry;
        entry.vendor_id = *vendor;
        entry.product_id = *product;
        entry.name = std::string(name);
        entry.section = section_;
        entry.line = number;
        index_.emplace(key, entries_.size());
        current_ = entries_.size();
        entries_.push_back(std::move(entry));
    }

    void quirk(std::size_t number, std::string_view rest) {
        const auto colon = rest.find(':');
        const std::string_view head = trim(rest.substr(0, colon));
        const std::string_view reason =
            colon == std::string_view::npos ? std::string_view{} : trim(rest.substr(colon + 1));
        const auto space = head.find_first_of(kBlanks);
        const std::string_view flag_name = head.substr(0, space);
        const std::string_view range_text =
            space == std::string_view::npos ? std::string_view{} : trim(head.substr(space));

        const auto flag = quirk_from_name(flag_name);
        if (!flag) {
            issue(number, DatabaseError::unknown_quirk, "unknown quirk flag " + quoted(flag_name));
            return;
        }
        std::optional<BcdDeviceRange> range;
        if (!range_text.empty()) {
            range = parse_range(range_text);
            if (!range) {
                issue(number, DatabaseError::bad_bcd_range,
                      "expected 'bcdDevice XXXX' or 'bcdDevice XXXX-YYYY' (4 hex digits, "
                      "XXXX <= YYYY), found " +
                          quoted(range_text));
                return;
            }
        }
        if (reason.empty()) {
            issue(number, DatabaseError::missing_reason,
                  "quirk " + std::string(flag_name) + " has no reason: write 'quirk " +
                      std::string(flag_name) + ": why it is needed'");
            return;
        }
        if (!current_) {
            issue(number, DatabaseError::quirk_without_reader,
                  "a quirk line belongs under a reader line");
            return;
        }
        ReaderEntry& entry = entries_[*current_];
        const BcdDeviceRange wanted = range.value_or(BcdDeviceRange{});
        for (const QuirkRule& rule : entry.quirks) {
            if (rule.quirk == *flag &&
                rule.bcd_device.value_or(BcdDeviceRange{}).overlaps(wanted)) {
                issue(number, DatabaseError::duplicate_quirk,
                      "quirk " + std::string(flag_name) +
                          " is already set for these releases on line " +
                          std::to_string(rule.line));
                return;
            }
        }
        entry.quirks.push_back(QuirkRule{*flag, range, std::string(reason), number});
    }

    static std::optional<BcdDeviceRange> parse_range(std::string_view text) {
        constexpr std::string_view kKeyword = "bcdDevice";
        if (!text.starts_with(kKeyword)) {
            return std::nullopt;
        }
        const std::string_view bounds = trim(text.substr(kKeyword.size()));
        const auto dash = bounds.find('-');
        const auto first = parse_hex4(bounds.substr(0, dash));
        const auto last =
            dash == std::string_view::npos ? first : parse_hex4(bounds.substr(dash + 1));
        if (!first || !last || *first > *last) {
            return std::nullopt;
        }
        return BcdDeviceRange{*first, *last};
    }

    void issue(std::size_t number, DatabaseError error, std::string message) {
        if (diagnostics_.issues.size() < DatabaseDiagnostics::kMaxIssues) {
            diagnostics_.issues.push_back(DatabaseIssue{number, error, std::move(message)});
        }
    }

    DatabaseDiagnostics& diagnostics_;
    std::vector<ReaderEntry> entries_;
    std::map<std::uint32_t, std::size_t> index_;
    std::string section_;
    std::optional<std::size_t> current_;  // the reader quirk lines attach to
};

}  // namespace

const char* describe(DatabaseError error) {
    switch (error) {
        case DatabaseError::ok_is_never_used:
            return "no error";
        case DatabaseError::malformed_line:
            return "malformed line";
        case DatabaseError::bad_section_name:
            return "bad section name";
        case DatabaseError::bad_usb_id:
            return "bad USB vendor or product ID";
        case DatabaseError::bad_reader_name:
            return "bad reader name";
        case DatabaseError::duplicate_reader:
            return "reader listed twice";
        case DatabaseError::quirk_without_reader:
            return "quirk line without a reader";
        case DatabaseError::unknown_quirk:
            return "unknown quirk flag";
        case DatabaseError::missing_reason:
            return "quirk without a reason";
        case DatabaseError::bad_bcd_range:
            return "bad bcdDevice range";
        case DatabaseError::duplicate_quirk:
            return "quirk set twice";
    }
    return "unknown reader database error";
}

QuirkSet ReaderEntry::quirks_for(std::uint16_t bcdDevice) const {
    QuirkSet set;
    for (const QuirkRule& rule : quirks) {
        if (!rule.bcd_device || rule.bcd_device->contains(bcdDevice)) {
            set.add(rule.quirk);
        }
    }
    return set;
}

QuirkSet ReaderEntry::all_quirks() const {
    QuirkSet set;
    for (const QuirkRule& rule : quirks) {
        set.add(rule.quirk);
    }
    return set;
}

Result<ReaderDatabase> ReaderDatabase::parse(std::string_view text,
                                             DatabaseDiagnostics& diagnostics) {
    diagnostics = {};
    Parser parser(diagnostics);
    std::size_t number = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        parser.line(++number, text.substr(0, end));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
    if (!diagnostics.issues.empty()) {
        return diagnostics.issues.front().error;
    }
    ReaderDatabase database;
    database.entries_ = parser.take_entries();
    database.index_ = parser.take_index();
    return database;
}

Result<ReaderDatabase> ReaderDatabase::parse(std::string_view text) {
    DatabaseDiagnostics diagnostics;
    return parse(text, diagnostics);
}

const ReaderEntry* ReaderDatabase::find(std::uint16_t vendor_id, std::uint16_t product_id) const {
    const auto found = index_.find((std::uint32_t{vendor_id} << 16) | product_id);
    return found == index_.end() ? nullptr : &entries_[found->second];
}

QuirkSet ReaderDatabase::quirks(std::uint16_t vendor_id, std::uint16_t product_id,
                                std::uint16_t bcdDevice) const {
    const ReaderEntry* entry = find(vendor_id, product_id);
    return entry ? entry->quirks_for(bcdDevice) : QuirkSet{};
}

}  // namespace tessera::config
