// Output path checks: existence, kind and write permission of the nearest existing ancestor.
#include "dep/core/output_path.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "dep/core/error.h"

namespace dep {
namespace {

namespace fs = std::filesystem;

// The nearest ancestor of `path` (itself excluded) that exists must be a writable directory.
void check_creatable(const fs::path& path, const std::string& where) {
  fs::path parent = fs::absolute(path).parent_path();
  std::error_code ec;
  while (!parent.empty() && !fs::exists(parent, ec)) {
    if (parent == parent.parent_path()) break;
    parent = parent.parent_path();
  }
  if (!fs::is_directory(parent, ec)) {
    fail(where, "cannot create '" + path.string() + "': '" + parent.string() + "' is not a directory");
  }
  if (::access(parent.c_str(), W_OK | X_OK) != 0) {
    fail(where, "cannot create '" + path.string() + "': '" + parent.string() + "' is not writable");
  }
}

}  // namespace

void check_output_directory(const std::string& path, const std::string& where) {
  if (path.empty()) fail(where, "no output directory given");
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (!fs::is_directory(path, ec)) fail(where, "'" + path + "' exists and is not a directory");
    if (::access(path.c_str(), W_OK | X_OK) != 0) fail(where, "directory '" + path + "' is not writable");
    return;
  }
  check_creatable(path, where);
}

void check_output_file(const std::string& path, const std::string& where) {
  if (path == "-") return;
  if (path.empty()) fail(where, "no output file given");
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail(where, "'" + path + "' is a directory, expected a file path");
  if (fs::exists(path, ec)) {
    if (::access(path.c_str(), W_OK) != 0) fail(where, "'" + path + "' is not writable");
  }
  check_creatable(path, where);
}

}  // namespace dep
