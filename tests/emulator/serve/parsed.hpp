// Parsed<T>: the outcome of parsing text a person typed (a command-line option, a card
// spec, a command line of the emulator's protocol): a value, or a message that says what
// was wrong and what would be right.
//
// Why not Result<T> (base/result.hpp): an error_code carries no text, and a person who
// typed "--card t3" wants to read "unknown card kind 't3' (t0, t1, ...)". The parsers of
// tests/emulator/serve return Parsed<T>; nothing below them uses it.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace tessera::emulator::serve {

/// A parse error: one line of English, without a trailing newline.
struct ParseError {
    std::string message;
};

template <class T>
class [[nodiscard]] Parsed {
  public:
    Parsed(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Parsed(ParseError error) : state_(std::in_place_index<1>, std::move(error)) {}

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    /// Precondition: has_value().
    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    /// Precondition: !has_value().
    const std::string& error() const { return std::get<1>(state_).message; }

  private:
    std::variant<T, ParseError> state_;
};

/// Shorthand for `return fail("...")` in parsers.
inline ParseError fail(std::string message) {
    return ParseError{std::move(message)};
}

}  // namespace tessera::emulator::serve
