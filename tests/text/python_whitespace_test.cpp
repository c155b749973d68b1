// Python's str.split() and str.strip() (dep/text/python_whitespace.h): str.isspace()'s whitespace,
// the text between kept byte for byte.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "dep/text/python_whitespace.h"

TEST_CASE("whitespace_split matches str.split", "[text][python]") {
  CHECK(dep::whitespace_split("a  b\tc\u00a0d\n") == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(dep::whitespace_split(" \t\n").empty());
  CHECK(dep::whitespace_split("x\xe2\x80\x8by") == std::vector<std::string>{"x\xe2\x80\x8by"});  // ZWSP is not whitespace
}

TEST_CASE("python_strip matches str.strip", "[text][python]") {
  CHECK(dep::python_strip("  a b \n") == "a b");
  CHECK(dep::python_strip("\t a b \u3000") == "a b");
  CHECK(dep::python_strip("\xc2\xa0\xe3\x80\x80x\x1f") == "x");  // NBSP, ideographic space, U+001F
  CHECK(dep::python_strip("\t\n ") == "");
  CHECK(dep::python_strip("x\xe2\x80\x8b") == "x\xe2\x80\x8b");  // ZERO WIDTH SPACE is not whitespace
  CHECK(dep::python_strip("a \xc2\xa0 b") == "a \xc2\xa0 b");     // inner whitespace kept byte for byte
}
