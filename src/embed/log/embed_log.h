// Logging for dep_embed's torch translation units: LibTorch bundles its own fmt, which clashes with
// the system spdlog's, so spdlog is only called from a torch-free file (embed_log.cpp).
#pragma once

#include <string>

namespace dep::embed_log {

void info(const std::string& message);
void warn(const std::string& message);

}  // namespace dep::embed_log
