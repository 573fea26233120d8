#include "tests/support/text_lines.hpp"

namespace tessera::test {

std::string join(const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) {
        text += line + "\n";
    }
    return text;
}

std::string lines(std::initializer_list<const char*> parts) {
    std::string text;
    for (const char* part : parts) {
        if (!text.empty()) {
            text += '\n';
        }
        text += part;
    }
    return text;
}

}  // namespace tessera::test
