#include "config/reader_name.hpp"

namespace tessera::config {

bool reader_name_character_allowed(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    constexpr std::string_view kPunctuation = " !#$%()*+,-./:=?@_~'";
    return kPunctuation.find(c) != std::string_view::npos;
}

ReaderNameProblem check_reader_name(std::string_view name) {
    if (name.find_first_not_of(' ') == std::string_view::npos) {
        return ReaderNameProblem::empty;
    }
    if (name.size() > kMaxReaderNameLength) {
        return ReaderNameProblem::too_long;
    }
    if (name.front() == ' ' || name.back() == ' ') {
        return ReaderNameProblem::outer_space;
    }
    for (char c : name) {
        if (!reader_name_character_allowed(c)) {
            return ReaderNameProblem::forbidden_character;
        }
    }
    return ReaderNameProblem::none;
}

const char* describe(ReaderNameProblem problem) {
    switch (problem) {
        case ReaderNameProblem::none:
            return "valid name";
        case ReaderNameProblem::empty:
            return "the name is empty";
        case ReaderNameProblem::too_long:
            return "the name is longer than 100 characters";
        case ReaderNameProblem::outer_space:
            return "the name starts or ends with a space";
        case ReaderNameProblem::forbidden_character:
            return "the name has a character pcscd's Info.plist reader does not accept "
                   "(allowed: letters, digits, space and !#$%()*+,-./:=?@_~')";
    }
    return "unknown name problem";
}

}  // namespace tessera::config
