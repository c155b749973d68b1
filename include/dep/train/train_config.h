// Everything dep-train reads (configs/train.json): the frozen model, the data, the adapter and its
// loss, the optimizer, schedule, loop, checkpoints and logs. Defaults are the reference run
// (docs/reference-behaviour.md §9); docs/training.md lists every key.
#pragma once

#include <cstdint>
#include <string>

#include "dep/adapter/adapter_config.h"
#include "dep/core/config.h"
#include "dep/core/device_config.h"
#include "dep/data/data_config.h"
#include "dep/decoder/sampling_config.h"

namespace dep {

struct TrainModelConfig {
  std::string dir;                  // Hugging Face Qwen2 directory
  bool gradient_checkpointing = false;
  bool resize_to_tokenizer = true;  // resize_token_embeddings(len(tokenizer)) as the reference
  template <class V>
  void visit(V& v) {
    v("dir", dir, "Qwen2 model directory (config.json + safetensors)");
    v("gradient_checkpointing", gradient_checkpointing, "recompute decoder layers in backward to save memory");
    v("resize_to_tokenizer", resize_to_tokenizer,
      "resize the token embeddings to len(tokenizer) first, as the reference (Qwen2.5-7B: 152,064 -> 151,685 rows)");
  }
};

// Which samples are trained on: the data pipeline's train split (and val for validation), built
// with the review embeddings of the embedding store.
struct TrainSamplesConfig {
  std::string embeddings;   // the embedder's store directory
  int64_t max_train = 0;
  int64_t max_val = 0;
  int64_t threads = 0;
  template <class V>
  void visit(V& v) {
    v("embeddings", embeddings, "review embedding store (dep-embed output directory)");
    v("max_train", max_train, "use only the first N train samples (0 = all)", Bounds::non_negative());
    v("max_val", max_val, "use only the first N val samples (0 = all; the reference uses 512)", Bounds::non_negative());
    v("threads", threads, "threads building samples (0 = all)", Bounds::non_negative());
  }
};

struct OptimConfig {
  double lr = 1e-5;
  double weight_decay = 0.025;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double max_grad_norm = 1.0;
  template <class V>
  void visit(V& v) {
    v("lr", lr, "peak learning rate (AdamW)", Bounds::positive());
    v("weight_decay", weight_decay, "decoupled weight decay on weights (not biases)", Bounds::non_negative());
    v("beta1", beta1, "AdamW beta1", Bounds::between(0.0, 0.999999));
    v("beta2", beta2, "AdamW beta2", Bounds::between(0.0, 0.999999999));
    v("eps", eps, "AdamW epsilon", Bounds::positive());
    v("max_grad_norm", max_grad_norm, "gradient clipping by global L2 norm (0 = off)", Bounds::non_negative());
  }
};

struct ScheduleConfig {
  double warmup_ratio = 0.01;
  int64_t warmup_steps = 0;
  template <class V>
  void visit(V& v) {
    v("warmup_ratio", warmup_ratio, "linear warmup over ceil(ratio * total updates)", Bounds::between(0.0, 1.0));
    v("warmup_steps", warmup_steps, "warmup updates; >= 1 overrides warmup_ratio", Bounds::non_negative());
  }
};

struct LoopConfig {
  int64_t epochs = 5;
  int64_t batch_size = 1;
  int64_t grad_accumulation = 16;
  int64_t seed = 42;
  bool shuffle = true;
  int64_t max_steps = 0;
  std::string rows = "latest";
  template <class V>
  void visit(V& v) {
    v("epochs", epochs, "passes over the train set", Bounds::at_least(1));
    v.choice("rows", rows, {"latest", "all"},
             "train rows: each user's latest DPL train row per category (the paper) or all 8 (small worlds)");
    v("batch_size", batch_size, "samples per micro-batch (left-padded)", Bounds::at_least(1));
    v("grad_accumulation", grad_accumulation, "micro-batches per optimizer update", Bounds::at_least(1));
    v("seed", seed, "seed of the adapter init and the per-epoch shuffles");
    v("shuffle", shuffle, "shuffle the train set each epoch");
    v("max_steps", max_steps, "stop after this many updates; also the schedule length (0 = epochs decide)",
      Bounds::non_negative());
  }
};

struct CheckpointConfig {
  std::string dir = "runs/dep";
  int64_t every_steps = 0;
  int64_t keep_last = 0;
  template <class V>
  void visit(V& v) {
    v("dir", dir, "run directory: checkpoints, metrics.jsonl, effective config");
    v("every_steps", every_steps, "also checkpoint every N updates (0 = only at epoch ends)", Bounds::non_negative());
    v("keep_last", keep_last, "keep only the newest N step checkpoints besides epoch ends and the best (0 = all)",
      Bounds::non_negative());
  }
};

struct LogConfig {
  int64_t every_steps = 10;
  template <class V>
  void visit(V& v) { v("every_steps", every_steps, "log and append to metrics.jsonl every N updates", Bounds::at_least(1)); }
};

// How the best checkpoint is chosen: lowest validation loss, or highest METEOR of generations.
enum class SelectBy { kLoss, kMeteor };

inline const EnumNames<SelectBy>& select_by_names() {
  static const EnumNames<SelectBy> names = {{SelectBy::kLoss, "loss"}, {SelectBy::kMeteor, "meteor"}};
  return names;
}

struct ValidationConfig {
  bool enabled = true;
  SelectBy select_by = SelectBy::kLoss;
  // select_by = "meteor": how the val generations are made and scored. Sampling defaults are the
  // reference's test-time decoding (T 0.8, top-p 0.95, 2048 new tokens, docs/reference-behaviour.md §10), so the
  // selection sees what the evaluation will; do_sample = false is the cheaper greedy option.
  int64_t generation_samples = 0;
  GenerateSamplingConfig sampling;
  int64_t max_batch = 16;
  std::string wordnet;
  std::string punkt;
  template <class V>
  void visit(V& v) {
    v("enabled", enabled, "validate after every epoch");
    v.choice("select_by", select_by, select_by_names(),
             "best checkpoint by validation loss (lower) or METEOR of generations (higher, the paper)");
    v("generation_samples", generation_samples,
      "select_by = meteor: generate for the first N val samples only (0 = every val sample)", Bounds::non_negative());
    v.section("sampling", sampling, "select_by = meteor: decoding of the val generations (defaults = the reference)");
    v("max_batch", max_batch, "select_by = meteor: sequences the engine decodes together", Bounds::at_least(1));
    v("wordnet", wordnet, "select_by = meteor: WordNet 3.0 dict directory (empty = $DEP_WORDNET_DIR or /usr/share/wordnet)");
    v("punkt", punkt, "select_by = meteor: Punkt English parameters JSON (empty = dep's data/punkt-english.json)");
  }
};

// Data-parallel training over c10d (docs/distributed.md): the ranks come from the launcher's
// environment (dep/core/distributed_env.h); these keys say how they talk and how long they wait.
enum class DistributedBackend { kAuto, kGloo, kNccl };

inline const EnumNames<DistributedBackend>& distributed_backend_names() {
  static const EnumNames<DistributedBackend> names = {
      {DistributedBackend::kAuto, "auto"}, {DistributedBackend::kGloo, "gloo"}, {DistributedBackend::kNccl, "nccl"}};
  return names;
}

struct DistributedConfig {
  DistributedBackend backend = DistributedBackend::kAuto;
  double timeout_s = 600;
  double epoch_end_timeout_s = 7200;
  template <class V>
  void visit(V& v) {
    v.choice("backend", backend, distributed_backend_names(),
             "c10d process group: auto (NCCL on CUDA, Gloo on CPU), gloo or nccl");
    v("timeout_s", timeout_s,
      "seconds a rank waits at the rendezvous and at each gradient all-reduce; a dead or hung rank ends the job "
      "with an error after at most this long",
      Bounds::positive());
    v("epoch_end_timeout_s", epoch_end_timeout_s,
      "seconds the other ranks wait at an epoch end while the main rank validates and saves",
      Bounds::positive());
  }
};

struct TrainConfig {
  // The frozen LLM's device and compute dtype (bf16 as the reference; the adapter stays fp32).
  DeviceConfig device{ComputeDtype::kBf16};
  TrainModelConfig model;
  DataConfig data;
  TrainSamplesConfig samples;
  AdapterConfig adapter;
  LossConfig loss;
  OptimConfig optim;
  ScheduleConfig schedule;
  LoopConfig train;
  CheckpointConfig checkpoint;
  LogConfig log;
  ValidationConfig validation;
  DistributedConfig distributed;
  template <class V>
  void visit(V& v) {
    v.section("device", device, "where the frozen decoder runs and its compute dtype (the adapter is fp32)");
    v.section("model", model, "the frozen decoder");
    v.section("data", data, "the data pipeline (configs/data.json keys)");
    v.section("samples", samples, "embeddings and sample limits");
    v.section("adapter", adapter, "SAE and projectors");
    v.section("loss", loss, "loss weights");
    v.section("optim", optim, "AdamW and clipping");
    v.section("schedule", schedule, "linear warmup/decay");
    v.section("train", train, "epochs, batching, seed");
    v.section("checkpoint", checkpoint, "checkpoints");
    v.section("log", log, "logging");
    v.section("validation", validation, "per-epoch validation");
    v.section("distributed", distributed, "several processes (torchrun, srun, mpirun): c10d backend and timeouts");
  }

  // Cross-field checks that the keys' own bounds cannot express; run by every parse, so
  // --dump-config rejects what a run would (errors name `source` and the key).
  void validate(const std::string& source) const;
};

}  // namespace dep
