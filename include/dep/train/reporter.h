// What a training run tells its user: the start-up summary, the periodic log line and
// metrics.jsonl events (train, validation, checkpoint), and the progress with updates/s and ETA.
// Logs go through dep/core/log.h; metrics.jsonl is appended (a resumed run continues it) and only
// opened when there is something to write. Only the main rank reports.
#pragma once

#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "dep/core/progress.h"
#include "dep/train/train_config.h"
#include "dep/train/train_state.h"

namespace dep {

class MetricsLog;

// Sums over the micro-batches of one accumulation window (this rank's share).
struct WindowStats {
  double gen = 0, recon = 0, sparse = 0, sae_term = 0;
  int64_t micro = 0, tokens = 0, samples = 0;
};

class Reporter {
 public:
  // `elapsed_before`: training seconds of the process(es) before this one (resumed runs).
  Reporter(const TrainConfig& config, const std::string& run_dir, int64_t total_steps, int64_t done_steps,
           double elapsed_before, torch::Device device, bool is_main);
  ~Reporter();

  void start(int64_t samples, int64_t updates_per_epoch, int64_t warmup_steps, int64_t trainable_parameters) const;
  // Training seconds so far, this process included.
  double elapsed_seconds() const;
  // After each optimizer update: progress, and every log.every_steps updates (and the last) the
  // log line and a "train" event with the means over the updates since the previous one.
  void update(const TrainState& state, const WindowStats& window, double lr, double grad_norm);
  // `metric_name`: the selecting validator's (validation.select_by).
  void validation(const ValidationRecord& record, const std::string& metric_name, bool best);
  void checkpoint(const TrainState& state, const std::string& path, const std::string& why);
  void finish();

 private:
  void write(const nlohmann::json& line);

  std::string metrics_path_;
  int64_t log_every_;
  int64_t total_steps_;
  double elapsed_before_;
  torch::Device device_;
  bool is_main_;
  std::unique_ptr<MetricsLog> metrics_;
  Progress progress_;
  std::chrono::steady_clock::time_point run_start_;
  std::chrono::steady_clock::time_point log_start_;
  WindowStats logged_;  // sums over the updates since the last log line
  int64_t logged_updates_ = 0;
};

}  // namespace dep
