// The --version text; the values themselves come from the configure-time build_info.cpp.
#include "dep/core/build_info.h"

namespace dep {

std::string version_text(const std::string& program, const std::string& runtime) {
  const auto& info = build_info();
  return program + " (dep " + info.version + ", git " + info.git_commit + ")\n" + runtime + "\n";
}

std::string torch_free_runtime() {
  return std::string("built with LibTorch ") + build_info().libtorch +
         "; this tool does not link LibTorch and uses no device";
}

}  // namespace dep
