// The DEP training loop (docs/reference-behaviour.md §9): micro-batches of left-padded samples, gradient accumulation
// with the reference's loss normalisation, clipping, AdamW on the fp32 adapter, the linear
// schedule, per-epoch validation and best-checkpoint marking, checkpoints that resume exactly,
// save-and-exit on SIGINT/SIGTERM, a stop on non-finite losses, logs and metrics.jsonl.
// Trainer::run is a short loop over named parts: the model (ModelUnderTraining), the data order
// (WindowSampler), the gradient sync across ranks (GradientSync), validation (Validator),
// checkpoints (Checkpointer) and reports (Reporter).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dep/adapter/personalization_model.h"
#include "dep/data/dep_sample.h"
#include "dep/train/gradient_sync.h"
#include "dep/train/loss_validator.h"
#include "dep/train/train_config.h"
#include "dep/train/train_state.h"
#include "dep/train/validator.h"
#include "dep/train/window_sampler.h"

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

// What a caller plugs into the loop.
struct TrainHooks {
  // The validator that selects the best checkpoint when validation.select_by is not "loss"
  // (dep-train hands it dep_validation's MeteorValidator). Its name is select_by's value.
  std::shared_ptr<Validator> selection;
  // Shorthand for `selection`: a higher-is-better metric of the model (named after
  // validation.select_by). With neither, selecting by anything but the loss is an error.
  std::function<double(PersonalizationModel&)> generation_metric;
  // Called after every optimizer update (tests use it to interrupt a run at a chosen step).
  std::function<void(const TrainState&)> after_update;
  // The processes training together and this one's rank; unset: SingleProcess.
  std::shared_ptr<GradientSync> sync;
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
  // (a fresh start when there is none; a finished run is left as it is); without it, a run
  // directory that already holds checkpoints is an error. SIGINT/SIGTERM: saves and throws
  // dep::Error(kInterrupted).
  TrainSummary run(bool resume);

 private:
  class Run;
  TrainConfig config_;
  PersonalizationModel& model_;
  const std::vector<DepSample>& train_;
  const std::vector<DepSample>& val_;
  TrainHooks hooks_;
};

}  // namespace dep
