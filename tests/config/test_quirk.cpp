// The quirk flag set: every flag has a unique name that reads back to it, a description,
// and its own bit; QuirkSet behaves as a set.
#include <doctest/doctest.h>

#include <ostream>
#include <set>
#include <string>

#include "config/quirk.hpp"

using namespace tessera::config;

TEST_CASE("every quirk name reads back to its flag, and names are unique") {
    std::set<std::string> names;
    for (Quirk quirk : kAllQuirks) {
        const std::string name(quirk_name(quirk));
        CHECK(name != "unknown");
        CHECK(quirk_from_name(name) == quirk);
        CHECK(names.insert(name).second);
    }
    CHECK(names.size() == kQuirkCount);
}

TEST_CASE("quirk names are matched exactly") {
    CHECK_FALSE(quirk_from_name("").has_value());
    CHECK_FALSE(quirk_from_name("Zero_Length_Packet").has_value());
    CHECK_FALSE(quirk_from_name("zero_length_packet ").has_value());
    CHECK_FALSE(quirk_from_name("unknown").has_value());
}

TEST_CASE("every quirk has its own description") {
    std::set<std::string> descriptions;
    for (Quirk quirk : kAllQuirks) {
        const std::string text(describe(quirk));
        CHECK(text != "unknown quirk");
        CHECK(descriptions.insert(text).second);
    }
}

TEST_CASE("QuirkSet holds exactly the flags added") {
    for (Quirk added : kAllQuirks) {
        QuirkSet set;
        CHECK(set.empty());
        set.add(added);
        CHECK_FALSE(set.empty());
        for (Quirk other : kAllQuirks) {
            CHECK(set.has(other) == (other == added));
        }
    }
    QuirkSet both;
    both.add(Quirk::clock_request_refused);
    QuirkSet other;
    other.add(Quirk::zero_length_packet);
    both.add(other);
    CHECK(both.has(Quirk::clock_request_refused));
    CHECK(both.has(Quirk::zero_length_packet));
    CHECK_FALSE(both.has(Quirk::vendor_interface_class));
    CHECK(both != other);
    other.add(Quirk::clock_request_refused);
    CHECK(both == other);
}
