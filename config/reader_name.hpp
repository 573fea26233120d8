// What a reader's friendly name may contain, for readers.conf and for Info.plist.
//
// pcscd reads ifdFriendlyName with its own small lexer, not an XML parser: a <string>
// value is taken only if every character is a letter, a digit, a space or one of a fixed
// set of punctuation marks, and it keeps at most 199 bytes. A character outside the set
// (non-ASCII, '<', '&', ';' ...) makes pcscd skip that value, so the array of names
// would be shorter than the arrays of IDs and the bundle is refused. XML would need '&'
// and '<' escaped, and pcscd does not unescape. So names are limited to the characters
// both accept unchanged; '&' in a vendor's name is written "and".
#pragma once

#include <cstddef>
#include <string_view>

namespace tessera::config {

inline constexpr std::size_t kMaxReaderNameLength = 100;

/// Why a name is not accepted.
enum class ReaderNameProblem {
    none,
    empty,                // nothing but spaces
    too_long,             // more than kMaxReaderNameLength bytes
    outer_space,          // starts or ends with a space
    forbidden_character,  // see reader_name_character_allowed()
};

/// Letters, digits, space and ! # $ % ( ) * + , - . / : = ? @ _ ~ '
bool reader_name_character_allowed(char c);

/// The first problem of the name, or ReaderNameProblem::none.
ReaderNameProblem check_reader_name(std::string_view name);

/// An English sentence for the problem, for error messages.
const char* describe(ReaderNameProblem problem);

}  // namespace tessera::config
