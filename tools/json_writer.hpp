// A small streaming JSON writer for the tools' machine-readable output.
//
// It writes compact JSON (no whitespace) and places the commas; the caller keeps the
// structure balanced (every begin_* has its end_*, every object member starts with key()).
// Strings are escaped per RFC 8259: quote, backslash and control characters; other bytes
// are passed through unchanged (callers give UTF-8).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::tools {

/// The JSON string literal for `text`, quotes included.
std::string json_quote(std::string_view text);

class JsonWriter {
  public:
    explicit JsonWriter(std::ostream& out) : out_(out) {}

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    /// The name of the next object member.
    JsonWriter& key(std::string_view name);

    JsonWriter& string(std::string_view text);
    JsonWriter& number(std::int64_t value);
    JsonWriter& boolean(bool value);
    JsonWriter& null();

  private:
    void before_value();
    JsonWriter& close(char bracket);

    std::ostream& out_;
    std::vector<bool> first_in_container_;
    bool after_key_ = false;
};

}  // namespace tessera::tools
