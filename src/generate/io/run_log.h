// Logging for dep_generate's torch translation units: LibTorch's bundled fmt clashes with the
// system spdlog inside the torch precompiled header, so those files log through these functions,
// which live in a torch-free file.
#pragma once

#include <string>

namespace dep::generate_log {

void info(const std::string& message);
void warn(const std::string& message);
// printf-style formatting into a std::string (numbers in progress lines).
std::string format(const char* pattern, ...) __attribute__((format(printf, 1, 2)));

}  // namespace dep::generate_log
