// Result<T>: a value or a std::error_code, the project's one error model.
//
// Every layer returns Result<T> (or std::error_code for "no value") instead of throwing;
// error codes are translated to IFD_* / NTSTATUS only at the API edges. Each module
// defines its own error enum and category (see error.hpp), so errors keep their origin.
#pragma once

#include <cassert>
#include <system_error>
#include <utility>
#include <variant>

namespace tessera {

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Result(std::error_code error) : state_(std::in_place_index<1>, error) { assert(error); }
    template <class E>
        requires std::is_error_code_enum_v<E>
    Result(E error) : Result(std::error_code(make_error_code(error))) {}

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    /// Precondition: has_value().
    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    /// The error, or an empty error_code when a value is held.
    std::error_code error() const noexcept {
        return has_value() ? std::error_code() : std::get<1>(state_);
    }

private:
    std::variant<T, std::error_code> state_;
};

}  // namespace tessera
