// Where a training run stands, and the checkpoint directory that freezes it: adapter weights,
// optimizer state, the data cursor, RNG states, progress counters and the effective config, so
// `--resume` continues exactly. Checkpoints are written to a temp directory, then renamed.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dep/torch/tensor_io.h"

namespace dep {

// One validation result (per epoch).
struct ValidationRecord {
  int64_t epoch = 0;
  int64_t global_step = 0;
  double loss = 0.0;     // token-mean CE over the val samples
  double metric = 0.0;   // the selection metric (loss or METEOR)
  std::string checkpoint;
};

struct TrainState {
  // Data cursor: the next update is window `window` of epoch `epoch` (0-based); the order of an
  // epoch is a pure function of (seed, epoch), so the cursor is all resume needs.
  int64_t epoch = 0;
  int64_t window = 0;
  int64_t global_step = 0;       // optimizer updates done
  int64_t samples_seen = 0;
  int64_t tokens_seen = 0;
  double elapsed_seconds = 0.0;  // training time before this process
  uint64_t data_fingerprint = 0; // of the train sample ids, to refuse resuming on other data
  int64_t train_samples = 0;
  std::vector<ValidationRecord> validations;
  std::string best_checkpoint;   // name of the best checkpoint so far ("" until validated)
  double best_metric = 0.0;

  nlohmann::json to_json() const;
  static TrainState from_json(const nlohmann::json& json, const std::string& source);
};

// What goes into a checkpoint directory.
struct CheckpointContents {
  TrainState state;
  NamedTensors adapter;                          // reference names
  std::map<std::string, std::string> adapter_metadata;
  NamedTensors optimizer;                        // AdamW::state()
  NamedTensors rng;                              // generator states (uint8 tensors)
  nlohmann::ordered_json config;                 // effective TrainConfig
};

// File names inside a checkpoint directory.
struct CheckpointFiles {
  static constexpr const char* kAdapter = "adapter.safetensors";
  static constexpr const char* kOptimizer = "optimizer.safetensors";
  static constexpr const char* kRng = "rng.safetensors";
  static constexpr const char* kState = "trainer_state.json";
  static constexpr const char* kConfig = "config.json";
};

// Writes `run_dir/name` atomically (all files into `run_dir/.name.tmp`, fsync, rename; an old
// directory of the same name is replaced) and points `run_dir/latest` at it.
void write_checkpoint(const std::string& run_dir, const std::string& name, const CheckpointContents& contents);

// The checkpoint `run_dir/latest` names ("" when there is none).
std::string latest_checkpoint(const std::string& run_dir);

// Reads the state, optimizer and RNG files of a checkpoint directory (the adapter is loaded into
// the module by load_adapter_weights).
struct LoadedCheckpoint {
  TrainState state;
  std::map<std::string, torch::Tensor> optimizer;
  std::map<std::string, torch::Tensor> rng;
  nlohmann::json config;
};
LoadedCheckpoint read_checkpoint(const std::string& checkpoint_dir);

// Marks `name` as the best checkpoint: `run_dir/best` holds its name.
void mark_best_checkpoint(const std::string& run_dir, const std::string& name);

// Torch's CPU generator (and CUDA's when present) as uint8 tensors, and back.
NamedTensors capture_rng_states();
void restore_rng_states(const std::map<std::string, torch::Tensor>& states, const std::string& source);

}  // namespace dep
