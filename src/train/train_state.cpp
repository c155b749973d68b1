// Checkpoint directories: every file is written into a hidden temp directory, which is renamed
// into place only when complete, so a crash never leaves a half checkpoint behind `latest`.
#include "dep/train/train_state.h"

#include <torch/torch.h>

#include <filesystem>

#include "dep/core/atomic_file.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/core/log.h"

namespace dep {

namespace fs = std::filesystem;

nlohmann::json TrainState::to_json() const {
  nlohmann::json vals = nlohmann::json::array();
  for (const auto& v : validations) {
    vals.push_back({{"epoch", v.epoch}, {"global_step", v.global_step}, {"loss", v.loss}, {"metric", v.metric},
                    {"checkpoint", v.checkpoint}});
  }
  return {{"epoch", epoch},
          {"window", window},
          {"global_step", global_step},
          {"samples_seen", samples_seen},
          {"tokens_seen", tokens_seen},
          {"elapsed_seconds", elapsed_seconds},
          {"data_fingerprint", std::to_string(data_fingerprint)},
          {"train_samples", train_samples},
          {"validations", vals},
          {"best_checkpoint", best_checkpoint},
          {"best_metric", best_metric}};
}

TrainState TrainState::from_json(const nlohmann::json& json, const std::string& source) {
  TrainState s;
  try {
    // Integers checked: a float such as 1.2e22 would be cast out of range by get<int64_t>().
    s.epoch = json_int64(json, "epoch", source);
    s.window = json_int64(json, "window", source);
    s.global_step = json_int64(json, "global_step", source);
    s.samples_seen = json_int64(json, "samples_seen", source);
    s.tokens_seen = json_int64(json, "tokens_seen", source);
    s.elapsed_seconds = json.at("elapsed_seconds").get<double>();
    s.data_fingerprint = std::stoull(json.at("data_fingerprint").get<std::string>());
    s.train_samples = json_int64(json, "train_samples", source);
    for (const auto& v : json.at("validations")) {
      const std::string where = source + ": validations";
      s.validations.push_back({json_int64(v, "epoch", where), json_int64(v, "global_step", where),
                               v.at("loss").get<double>(), v.at("metric").get<double>(),
                               v.at("checkpoint").get<std::string>()});
    }
    s.best_checkpoint = json.at("best_checkpoint").get<std::string>();
    s.best_metric = json.at("best_metric").get<double>();
  } catch (const nlohmann::json::exception& e) {
    fail(source, std::string("malformed trainer state: ") + e.what());
  } catch (const std::logic_error& e) {
    fail(source, std::string("malformed trainer state: ") + e.what());
  }
  return s;
}

void write_checkpoint(const std::string& run_dir, const std::string& name, const CheckpointContents& contents) {
  const fs::path final_dir = fs::path(run_dir) / name;
  const fs::path temp_dir = fs::path(run_dir) / ("." + name + ".tmp");
  std::error_code ec;
  fs::remove_all(temp_dir, ec);
  fs::create_directories(temp_dir, ec);
  if (ec) fail(temp_dir.string(), "cannot create checkpoint directory: " + ec.message());
  try {
    save_safetensors((temp_dir / CheckpointFiles::kAdapter).string(), contents.adapter, contents.adapter_metadata);
    save_safetensors((temp_dir / CheckpointFiles::kOptimizer).string(), contents.optimizer, {{"format", "pt"}});
    save_safetensors((temp_dir / CheckpointFiles::kRng).string(), contents.rng, {{"format", "pt"}});
    write_file_atomic((temp_dir / CheckpointFiles::kConfig).string(), contents.config.dump(2) + "\n");
    // The state goes last: a directory with a state file is complete.
    write_file_atomic((temp_dir / CheckpointFiles::kState).string(), contents.state.to_json().dump(2) + "\n");
  } catch (...) {
    // A full disk must not stay full of a half checkpoint: the previous one stays `latest`.
    fs::remove_all(temp_dir, ec);
    throw;
  }
  if (fs::exists(final_dir)) {
    const fs::path old_dir = fs::path(run_dir) / ("." + name + ".old");
    fs::remove_all(old_dir, ec);
    fs::rename(final_dir, old_dir, ec);
    if (ec) fail(final_dir.string(), "cannot replace checkpoint: " + ec.message());
    fs::rename(temp_dir, final_dir, ec);
    fs::remove_all(old_dir);
  } else {
    fs::rename(temp_dir, final_dir, ec);
  }
  if (ec) fail(final_dir.string(), "cannot move checkpoint into place: " + ec.message());
  sync_parent_directory(final_dir.string());
  write_file_atomic((fs::path(run_dir) / "latest").string(), name + "\n");
}

namespace {

// The newest complete checkpoint-<N> in `run_dir` (by N, the update it holds), or "".
std::string newest_complete_checkpoint(const fs::path& run_dir) {
  std::error_code ec;
  int64_t best_step = -1;
  std::string best;
  for (const auto& entry : fs::directory_iterator(run_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("checkpoint-", 0) != 0) continue;
    const std::string digits = name.substr(11);
    if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (!fs::exists(entry.path() / CheckpointFiles::kState)) continue;
    const int64_t step = std::stoll(digits);
    if (step > best_step) {
      best_step = step;
      best = name;
    }
  }
  return best;
}

}  // namespace

std::string latest_checkpoint(const std::string& run_dir) {
  const fs::path pointer = fs::path(run_dir) / "latest";
  std::string name;
  if (fs::exists(pointer)) {
    name = read_file(pointer.string());
    while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
  }
  if (name.empty()) {
    // A missing or empty pointer (deleted, or a crash between creating and filling it on a
    // filesystem without ordered writes) must not make a run directory look empty: a fresh run
    // would then overwrite and prune its checkpoints. The newest complete checkpoint is the
    // one `latest` named, since checkpoints are numbered by update.
    name = newest_complete_checkpoint(run_dir);
    if (name.empty()) return "";
    log::warn(pointer.string() + " is " + (fs::exists(pointer) ? "empty" : "missing") +
              "; using the newest complete checkpoint, " + name);
  }
  const fs::path dir = fs::path(run_dir) / name;
  if (!fs::exists(dir / CheckpointFiles::kState)) {
    fail(pointer.string(), "names '" + name + "', which is not a complete checkpoint directory");
  }
  return dir.string();
}

LoadedCheckpoint read_checkpoint(const std::string& checkpoint_dir) {
  const fs::path dir(checkpoint_dir);
  LoadedCheckpoint out;
  const std::string state_path = (dir / CheckpointFiles::kState).string();
  const nlohmann::json state = read_json_file(state_path);
  out.state = TrainState::from_json(state, state_path);
  for (const auto& [name, t] : load_safetensors((dir / CheckpointFiles::kOptimizer).string())) out.optimizer[name] = t.clone();
  for (const auto& [name, t] : load_safetensors((dir / CheckpointFiles::kRng).string())) out.rng[name] = t.clone();
  out.config = read_json_file((dir / CheckpointFiles::kConfig).string());
  return out;
}

void mark_best_checkpoint(const std::string& run_dir, const std::string& name) {
  write_file_atomic((fs::path(run_dir) / "best").string(), name + "\n");
}

NamedTensors capture_rng_states() {
  NamedTensors out;
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    out.emplace_back("torch.cpu", gen.get_state());
  }
  if (torch::cuda::is_available()) {
    for (int64_t d = 0; d < static_cast<int64_t>(torch::cuda::device_count()); ++d) {
      auto gen = at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(d)));
      std::lock_guard<std::mutex> lock(gen.mutex());
      out.emplace_back("torch.cuda." + std::to_string(d), gen.get_state());
    }
  }
  return out;
}

void restore_rng_states(const std::map<std::string, torch::Tensor>& states, const std::string& source) {
  for (const auto& [name, state] : states) {
    if (name == "torch.cpu") {
      auto gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(state);
    } else if (name.rfind("torch.cuda.", 0) == 0) {
      const int64_t d = std::stoll(name.substr(11));
      if (!torch::cuda::is_available() || d >= static_cast<int64_t>(torch::cuda::device_count())) continue;
      auto gen = at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(d)));
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(state);
    } else {
      fail(source, "unknown RNG state '" + name + "'");
    }
  }
}

}  // namespace dep
