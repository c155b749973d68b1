// Output path checks: existence, kind and write permission of the nearest existing ancestor.
#include "dep/core/output_path.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "dep/core/atomic_file.h"
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
  // Devices and other special files are refused here, before any work (the atomic writer would
  // refuse them too); a symlink is checked at its target, which is what gets replaced.
  std::string target;
  try {
    target = atomic_write_target(path);
  } catch (const Error& e) {
    fail(where, "'" + path + "' " + e.message());
  }
  if (fs::exists(target, ec)) {
    if (::access(target.c_str(), W_OK) != 0) fail(where, "'" + path + "' is not writable");
  }
  check_creatable(target, where);
}

void check_not_an_input(const std::string& output, const std::vector<std::string>& inputs, const std::string& where) {
  if (output == "-") return;
  std::error_code ec;
  for (const auto& input : inputs) {
    if (input == "-") continue;
    const bool same = fs::exists(output, ec) ? fs::equivalent(output, input, ec)
                                             : fs::weakly_canonical(output, ec) == fs::weakly_canonical(input, ec);
    if (same) fail(where, "'" + output + "' is also an input (" + input + "); writing it would destroy the input");
  }
}

}  // namespace dep
