// The message of the bad-input error a call raises, for tests that assert on messages.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "dep/core/error.h"

namespace dep::test {

// What `run` throws as a dep::Error, checked to be bad input (the tools' exit code 2); "" when
// it throws nothing.
inline std::string bad_input_message(const std::function<void()>& run) {
  try {
    run();
  } catch (const dep::Error& e) {
    CHECK(e.kind() == dep::ErrorKind::kBadInput);
    return e.what();
  }
  return "";
}

}  // namespace dep::test
