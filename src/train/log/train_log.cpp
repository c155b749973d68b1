// spdlog behind a torch-free boundary (see train_log.h).
#include "train_log.h"

#include <spdlog/spdlog.h>

namespace dep::train_log {

void info(const std::string& message) { spdlog::info("{}", message); }
void warn(const std::string& message) { spdlog::warn("{}", message); }

}  // namespace dep::train_log
