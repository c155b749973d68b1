// Logging that torch translation units can call. LibTorch's include path carries its own, newer
// fmt, which the system spdlog cannot compile against, so spdlog is only included by dep_core's
// torch-free log.cpp and torch code logs through these functions.
#pragma once

#include <string>

namespace dep::log {

void debug(const std::string& message);
void info(const std::string& message);
void warn(const std::string& message);
void error(const std::string& message);

// printf-style formatting into a std::string (numbers in log lines).
std::string format(const char* pattern, ...) __attribute__((format(printf, 1, 2)));

}  // namespace dep::log
