// A run directory's checkpoints: saving (checkpoint-<update>, atomically, `latest` pointing at
// it), pruning to checkpoint.keep_last step checkpoints (epoch ends and the best are always
// kept), marking the best, and resuming with the checks that make a resume mean the same run (the
// same train samples, the same adapter and loop config). A --resume of a finished run changes
// nothing on disk.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dep/data/dep_sample.h"
#include "dep/train/train_config.h"
#include "dep/train/train_state.h"

namespace dep {

class AdamW;
class ModelUnderTraining;

// FNV-1a over the train samples' ids and lengths (dep/core/hash.h): a resume on other data is refused.
uint64_t train_data_fingerprint(const std::vector<DepSample>& samples);

class Checkpointer {
 public:
  // `writes` is false on every rank but the main one: those restore and never write.
  Checkpointer(const TrainConfig& config, bool writes);

  const std::string& run_dir() const { return run_dir_; }

  // Before training. Without `resume`, a run directory that already holds checkpoints is an
  // error; with it, the latest checkpoint (if any) must match `state`'s data fingerprint and
  // sample count and this run's 'adapter' and 'train' config; its weights, optimizer and RNG
  // states are loaded and its state replaces `state`. Returns whether it resumed.
  bool restore(bool resume, TrainState& state, ModelUnderTraining& model, AdamW& optimizer, int64_t total_steps);

  // run_dir/config.json, the effective config (left untouched when it already holds these bytes).
  void write_config() const;

  // Saves checkpoint-<state.global_step> and returns its path.
  std::string save(const TrainState& state, const ModelUnderTraining& model, const AdamW& optimizer);
  // Removes the oldest step checkpoints beyond checkpoint.keep_last, keeping the last saved one,
  // the best and the epoch ends.
  void prune(const TrainState& state) const;
  void mark_best(const std::string& name) const;

  // Whether the newest checkpoint (saved or resumed from) holds update `step`.
  bool holds(int64_t step) const { return last_step_ == step; }
  // The newest checkpoint saved or resumed from by this run, else run_dir/latest ("" if none).
  std::string last_good() const;

 private:
  std::string run_dir_;
  int64_t keep_last_;
  nlohmann::ordered_json config_json_;
  bool writes_;
  std::string last_path_;
  int64_t last_step_ = -1;
};

}  // namespace dep
