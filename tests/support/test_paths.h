// Paths tests use: fixtures beside the repo, a scratch directory per test process, built binaries.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace dep::test {

inline std::string fixture(const std::string& relative) {
  return std::string(DEP_FIXTURES_DIR) + "/" + relative;
}

// A fresh directory under the build tree, unique per name.
inline std::string scratch_dir(const std::string& name) {
  auto dir = std::filesystem::path(DEP_BINARY_DIR) / "test-scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline std::string binary(const std::string& name) {
  return std::string(DEP_BINARY_DIR) + "/bin/" + name;
}

}  // namespace dep::test
