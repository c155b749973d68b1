// Log lines of the training loop. They are emitted from a torch-free translation unit: LibTorch's
// include path carries its own (newer) fmt, which the system spdlog cannot compile against.
#pragma once

#include <string>

namespace dep::train_log {

void info(const std::string& message);
void warn(const std::string& message);

}  // namespace dep::train_log
