// What `--version` prints: dep's version and git commit (fixed when CMake configured the build) and
// the LibTorch the build was compiled against.
#pragma once

#include <string>

namespace dep {

struct BuildInfo {
  const char* version;      // CMake project version
  const char* git_commit;   // "unknown" outside a git checkout
  const char* libtorch;     // the LibTorch version the build compiled against
};

const BuildInfo& build_info();

// The lines of --version: `runtime` describes the LibTorch the tool runs with and its devices.
std::string version_text(const std::string& program, const std::string& runtime);

// The runtime line of a tool that does not link LibTorch: it uses no device.
std::string torch_free_runtime();

}  // namespace dep
