// Multi-line text for comparing traces: doctest prints a failed comparison of two strings
// in full, one line per step, where two vectors would print as one unreadable row.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

namespace tessera::test {

/// Every line followed by "\n" ("> 00A4\n< 90\n"): the form of trace vectors joined.
std::string join(const std::vector<std::string>& lines);

/// The parts with "\n" between them and none at the end ("> 00A4\n< 90"): the form of
/// the T=0 harness's T0Run::trace().
std::string lines(std::initializer_list<const char*> parts);

}  // namespace tessera::test
