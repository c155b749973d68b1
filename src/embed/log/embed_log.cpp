// spdlog behind a torch-free boundary (see embed_log.h).
#include "embed_log.h"

#include <spdlog/spdlog.h>

namespace dep::embed_log {

void info(const std::string& message) { spdlog::info("{}", message); }
void warn(const std::string& message) { spdlog::warn("{}", message); }

}  // namespace dep::embed_log
