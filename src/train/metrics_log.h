// metrics.jsonl of a run: one JSON object per line, appended and flushed per line, so a resumed
// run continues the same file and a crash loses at most the line being written.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace dep {

class MetricsLog {
 public:
  explicit MetricsLog(const std::string& path);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;
  // Adds "time" (Unix seconds) and writes one line.
  void write(nlohmann::json line);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace dep
