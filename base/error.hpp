// Error categories for the module error enums.
//
// A module declares `enum class FooError { ok_is_never_used = 0, first = 1, ... }`, a
// `const char* describe(FooError)` in its own namespace, an ErrorDomain specialisation
// naming the category, and the std::is_error_code_enum specialisation; then
// `make_error_code(FooError)` (found by ADL) builds std::error_codes of one shared
// category object per enum. Categories are immutable singletons (no mutable global state).
#pragma once

#include <string>
#include <system_error>

namespace tessera {

/// Specialise with `static constexpr const char* name = "...";` for each error enum.
template <class Enum>
struct ErrorDomain;

template <class Enum>
class EnumErrorCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return ErrorDomain<Enum>::name; }
    std::string message(int value) const override {
        return describe(static_cast<Enum>(value));  // ADL: the enum's own describe()
    }
};

template <class Enum>
const std::error_category& error_category_of() noexcept {
    static const EnumErrorCategory<Enum> category;
    return category;
}

template <class Enum>
std::error_code make_error(Enum value) noexcept {
    return {static_cast<int>(value), error_category_of<Enum>()};
}

}  // namespace tessera

/// Declares make_error_code for an error enum inside its namespace and registers it with
/// <system_error>. Use at global scope: TESSERA_ERROR_ENUM(tessera::t1, Error, "t1").
#define TESSERA_ERROR_ENUM(ns, Enum, domain_name)                                      \
    template <>                                                                        \
    struct tessera::ErrorDomain<ns::Enum> {                                            \
        static constexpr const char* name = domain_name;                               \
    };                                                                                 \
    namespace ns {                                                                     \
    inline std::error_code make_error_code(Enum value) noexcept {                      \
        return ::tessera::make_error(value);                                           \
    }                                                                                  \
    }                                                                                  \
    template <>                                                                        \
    struct std::is_error_code_enum<ns::Enum> : std::true_type {}
