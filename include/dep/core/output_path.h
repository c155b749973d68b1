// Checks a tool makes on its output paths before any work, so that a path that cannot be written is
// a bad-input error (exit 2) naming the path and the key or flag it came from, not a failure after
// hours of compute.
#pragma once

#include <string>

namespace dep {

// `path` is or can become a directory: it is one, or it does not exist and its nearest existing
// ancestor is a writable directory.
void check_output_directory(const std::string& path, const std::string& where);

// `path` can be written as a file: it is not a directory, and its nearest existing ancestor is a
// writable directory. "-" (stdout) always passes.
void check_output_file(const std::string& path, const std::string& where);

}  // namespace dep
