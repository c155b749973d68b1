// Saving, pruning and resuming a run's checkpoints (see checkpointer.h).
#include "dep/train/checkpointer.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "dep/core/atomic_file.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/core/hash.h"
#include "dep/core/log.h"
#include "dep/train/adamw.h"
#include "dep/train/model_under_training.h"

namespace dep {

namespace fs = std::filesystem;

uint64_t train_data_fingerprint(const std::vector<DepSample>& samples) {
  // The offset basis checkpoints have been written with, kept so that runs saved before stay resumable.
  Fnv1a h = Fnv1a::from_state(Fnv1a::kShortOffsetBasis);
  for (const auto& s : samples) {
    // Each id byte as an 8-byte value: the bytes checkpoints written so far were hashed with.
    for (char c : s.sample_id) h.add_value(static_cast<unsigned char>(c));
    h.add_value(static_cast<int64_t>(s.input_ids.size()));
  }
  return h.value();
}

Checkpointer::Checkpointer(const TrainConfig& config, bool writes)
    : run_dir_(config.checkpoint.dir),
      keep_last_(config.checkpoint.keep_last),
      config_json_(config_to_json(config)),
      writes_(writes) {}

bool Checkpointer::restore(bool resume, TrainState& state, ModelUnderTraining& model, AdamW& optimizer,
                           int64_t total_steps) {
  const std::string latest = latest_checkpoint(run_dir_);
  if (!latest.empty() && !resume) {
    fail(run_dir_, "already holds checkpoints (latest: " + fs::path(latest).filename().string() +
                       "); pass --resume to continue it or choose another checkpoint.dir");
  }
  if (latest.empty()) {
    if (resume) log::info("no checkpoint in " + run_dir_ + ": starting a fresh run");
    return false;
  }
  auto loaded = read_checkpoint(latest);
  if (loaded.state.data_fingerprint != state.data_fingerprint || loaded.state.train_samples != state.train_samples) {
    fail(latest, "was trained on different train samples (" + std::to_string(loaded.state.train_samples) + " then, " +
                     std::to_string(state.train_samples) + " now); the data cursor would not mean the same");
  }
  // The sections that define what is learned: a resume that changes one would continue (or, for a
  // finished run, relabel) an adapter under settings it was never trained with. Device, logging,
  // checkpointing and validation settings may change.
  for (const char* section : {"adapter", "train", "optim", "schedule", "loss"}) {
    if (!config_json_.contains(section) || !loaded.config.contains(section)) continue;  // older checkpoints
    const std::string now = nlohmann::json(config_json_.at(section)).dump();
    nlohmann::json then = loaded.config.at(section);
    // Keys added to the adapter section since (method, pplug) take their defaults, as they did then.
    if (std::string(section) == "adapter") then = nlohmann::json(config_to_json(parse_config<AdapterConfig>(then, latest)));
    if (then.dump() != now) {
      fail(latest, std::string("its '") + section + "' config differs from this run's: " + text_excerpt(then.dump(), 300) +
                       " vs " + text_excerpt(now, 300) + " (resume with the run's config, or train into another checkpoint.dir)");
    }
  }
  model.load_weights((fs::path(latest) / CheckpointFiles::kAdapter).string());
  optimizer.load_state(loaded.optimizer, (fs::path(latest) / CheckpointFiles::kOptimizer).string());
  restore_rng_states(loaded.rng, (fs::path(latest) / CheckpointFiles::kRng).string());
  state = loaded.state;
  last_path_ = latest;
  last_step_ = state.global_step;
  log::info(log::format("resuming from %s: epoch %lld, update %lld of %lld", latest.c_str(), (long long)state.epoch + 1,
                        (long long)state.global_step, (long long)total_steps));
  return true;
}

void Checkpointer::write_config() const {
  if (!writes_) return;
  const fs::path path = fs::path(run_dir_) / "config.json";
  const std::string text = config_json_.dump(2) + "\n";
  if (fs::exists(path) && read_file(path.string()) == text) return;
  write_file_atomic(path.string(), text);
}

std::string Checkpointer::save(const TrainState& state, const ModelUnderTraining& model, const AdamW& optimizer) {
  const std::string name = "checkpoint-" + std::to_string(state.global_step);
  last_path_ = (fs::path(run_dir_) / name).string();
  last_step_ = state.global_step;
  if (!writes_) return last_path_;
  CheckpointContents c;
  c.state = state;
  c.adapter = model.weights();
  c.adapter_metadata = model.weights_metadata();
  c.optimizer = optimizer.state();
  c.rng = capture_rng_states();
  c.config = config_json_;
  write_checkpoint(run_dir_, name, c);
  return last_path_;
}

void Checkpointer::prune(const TrainState& state) const {
  if (keep_last_ <= 0 || !writes_) return;
  std::vector<std::pair<int64_t, fs::path>> steps;
  std::set<std::string> keep = {fs::path(last_path_).filename().string(), state.best_checkpoint};
  for (const auto& v : state.validations) keep.insert(v.checkpoint);  // epoch ends
  for (const auto& entry : fs::directory_iterator(run_dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("checkpoint-", 0) != 0 || keep.count(name)) continue;
    steps.emplace_back(std::stoll(name.substr(11)), entry.path());
  }
  std::sort(steps.begin(), steps.end());
  const int64_t excess = static_cast<int64_t>(steps.size()) - (keep_last_ - 1);
  for (int64_t i = 0; i < excess; ++i) fs::remove_all(steps[i].second);
}

void Checkpointer::mark_best(const std::string& name) const {
  if (writes_) mark_best_checkpoint(run_dir_, name);
}

std::string Checkpointer::last_good() const { return last_path_.empty() ? latest_checkpoint(run_dir_) : last_path_; }

}  // namespace dep
