// The DEP training loop (DEP.md §9): micro-batches of left-padded samples, gradient accumulation
// with the reference's loss normalisation, clipping, AdamW on the fp32 adapter, the linear
// schedule, per-epoch validation and best-checkpoint marking, checkpoints that resume exactly,
// save-and-exit on SIGINT/SIGTERM, a stop on non-finite losses, logs and metrics.jsonl.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dep/adapter/personalization_model.h"
#include "dep/data/dep_sample.h"
#include "dep/train/train_config.h"
#include "dep/train/train_state.h"

namespace dep {

class BpeTokenizer;
class CausalLM;

// Loads the frozen LLM as configured (dtype, device, threads, checkpointing; resized to
// `tokenizer_size` rows when that is > 0 and differs), seeds torch with train.seed and builds a
// freshly initialised adapter in fp32 on the same device. `tokenizer` resolves the adapter's
// placeholder tokens (null: the DEP tokens' reference ids).
PersonalizationModel build_dep_model(const TrainConfig& config, int64_t tokenizer_size = 0,
                                     std::shared_ptr<BpeTokenizer> tokenizer = nullptr);
// The same around an already loaded LLM (tests, benchmarks).
PersonalizationModel build_dep_model(const TrainConfig& config, std::shared_ptr<CausalLM> llm, int64_t tokenizer_size = 0,
                                     std::shared_ptr<BpeTokenizer> tokenizer = nullptr);

// The train and val samples of a config: the data pipeline's splits, the DEP tokenizer
// (data.tokenizer, else the model directory) and the embedding store.
struct TrainingData {
  std::vector<DepSample> train;
  std::vector<DepSample> val;
  // validation.select_by = "meteor": the first validation.generation_samples val rows (0 = all of
  // `val`) again in generation form (prompt only, as dep-generate builds them; the length control
  // may keep a prompt that training truncates), with their targets.
  std::vector<DepSample> val_prompts;
  std::shared_ptr<BpeTokenizer> tokenizer;  // the DEP tokenizer the samples were built with
  int64_t tokenizer_size = 0;  // len(tokenizer)
};
TrainingData load_training_data(const TrainConfig& config);

// Sample order of one epoch: a permutation of 0..n-1 that depends only on (seed, epoch)
// (identity when shuffle is off), so a data cursor is enough to resume.
std::vector<int64_t> epoch_order(int64_t n, int64_t seed, int64_t epoch, bool shuffle);

// Token-mean cross-entropy of the generation over `samples` (no gradient).
double validation_loss(PersonalizationModel& model, const std::vector<DepSample>& samples, int64_t batch_size);

struct TrainHooks {
  // The selection metric for validation.select_by = "meteor": generate for the val samples with
  // the model's current adapter and score them (higher is better; ValidationMeteor). Unset:
  // selecting by METEOR is an error.
  std::function<double(PersonalizationModel&)> generation_metric;
  // Called after every optimizer update (tests use it to interrupt a run at a chosen step).
  std::function<void(const TrainState&)> after_update;
};

struct TrainSummary {
  TrainState state;
  std::string run_dir;
  std::string last_checkpoint;  // directory path
  std::string best_checkpoint;  // directory path ("" without validation)
};

class Trainer {
 public:
  Trainer(TrainConfig config, PersonalizationModel& model, const std::vector<DepSample>& train,
          const std::vector<DepSample>& val, TrainHooks hooks = {});

  // Trains to the end. With `resume`, continues from the run directory's latest checkpoint
  // (a fresh start when there is none); without it, a run directory that already holds
  // checkpoints is an error. SIGINT/SIGTERM: saves and throws dep::Error(kInterrupted).
  TrainSummary run(bool resume);

 private:
  struct Impl;
  TrainConfig config_;
  PersonalizationModel& model_;
  const std::vector<DepSample>& train_;
  const std::vector<DepSample>& val_;
  TrainHooks hooks_;
};

}  // namespace dep
