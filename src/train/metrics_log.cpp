// Append-only JSONL metrics writer.
#include "metrics_log.h"

#include <cerrno>
#include <chrono>
#include <cstring>

#include "dep/core/error.h"

namespace dep {

MetricsLog::MetricsLog(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "a");
  if (!file_) fail(path, std::string("cannot open metrics file: ") + std::strerror(errno));
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::write(nlohmann::json line) {
  line["time"] = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string text = line.dump() + "\n";
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0) {
    fail(path_, std::string("cannot write metrics: ") + std::strerror(errno));
  }
}

}  // namespace dep
