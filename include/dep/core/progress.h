// Progress of long work: items done, items/s and ETA. On a TTY it redraws one bar line on
// stderr; otherwise (logs, CI) it writes a log line every `log_interval_s` seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace dep {

class Progress {
 public:
  Progress(std::string label, int64_t total, std::string unit = "items", double log_interval_s = 10.0);
  ~Progress();

  // Adds `n` finished items; `extra` is appended to the line (e.g. "loss 2.31").
  void advance(int64_t n = 1, const std::string& extra = "");
  // Starts counting from `done` already-finished items (resumed runs) without counting them
  // toward the rate.
  void resume_from(int64_t done);
  void finish(const std::string& extra = "");

  int64_t done() const { return done_; }
  double rate() const;  // items per second since start (or resume)
  double elapsed_seconds() const;

 private:
  void render(const std::string& extra, bool final_line);

  std::string label_;
  std::string unit_;
  int64_t total_;
  int64_t done_ = 0;
  int64_t resumed_ = 0;
  double log_interval_s_;
  bool tty_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_render_;
};

// "1h02m", "3m05s", "12s".
std::string format_duration(double seconds);

}  // namespace dep
