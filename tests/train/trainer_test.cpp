// The training loop on the tiny fixture decoder: it learns, resumes bit-for-bit, stops on NaN,
// refuses to overwrite or to resume an incompatible run, and validates its config.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <chrono>
#include <map>
#include <memory>
#include <thread>

#include "dep/core/atomic_file.h"
#include "dep/core/app.h"
#include "dep/core/error.h"
#include "dep/core/interrupt.h"
#include "dep/adapter/dep_adapter.h"
#include "dep/decoder/qwen2.h"
#include "dep/train/train_config.h"
#include "dep/train/checkpointer.h"
#include "dep/train/train_state.h"
#include "dep/train/trainer.h"
#include "test_paths.h"
#include "tiny_training.h"

using namespace dep_tiny;

TEST_CASE("epoch order is a seeded permutation that depends only on (seed, epoch)", "[train]") {
  auto a = dep::epoch_order(50, 42, 0, true);
  auto b = dep::epoch_order(50, 42, 0, true);
  auto c = dep::epoch_order(50, 42, 1, true);
  CHECK(a == b);
  CHECK(a != c);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == dep::epoch_order(50, 42, 0, false));
}

TEST_CASE("training overfits a tiny set: the loss falls", "[train]") {
  auto samples = synthetic_samples(4, 1);
  auto config = tiny_config(dep::test::scratch_dir("overfit"));
  config.train.epochs = 25;
  config.optim.lr = 1e-2;
  config.optim.weight_decay = 0.0;
  config.validation.enabled = true;
  auto model = tiny_model(config);
  const double before = dep::validation_loss(model, samples, 1);
  dep::Trainer trainer(config, model, samples, samples);
  auto summary = trainer.run(false);
  const double after = dep::validation_loss(model, samples, 1);
  CHECK(after < 0.7 * before);
  CHECK(summary.state.global_step == 25 * 2);
  REQUIRE(summary.state.validations.size() == 25);
  CHECK(summary.state.validations.back().loss == Approx(after).epsilon(1e-5));
  // The best checkpoint is marked and exists; metrics.jsonl has train and validation lines.
  CHECK(std::filesystem::exists(summary.best_checkpoint + "/adapter.safetensors"));
  std::ifstream best(config.checkpoint.dir + "/best");
  std::string best_name;
  best >> best_name;
  CHECK(summary.best_checkpoint == config.checkpoint.dir + "/" + best_name);
  std::ifstream metrics(config.checkpoint.dir + "/metrics.jsonl");
  int train_lines = 0, val_lines = 0;
  for (std::string line; std::getline(metrics, line);) {
    auto j = nlohmann::json::parse(line);
    train_lines += j["event"] == "train";
    val_lines += j["event"] == "validation";
    if (j["event"] == "train") {
      CHECK(j.contains("lr"));
      CHECK(j.contains("grad_norm"));
      CHECK(j.contains("loss_recon"));
      CHECK(j.contains("tokens_per_s"));
    }
  }
  CHECK(train_lines == 50);
  CHECK(val_lines == 25);
}

TEST_CASE("an interrupted and resumed run ends with the same adapter, bit for bit", "[train][resume]") {
  auto samples = synthetic_samples(5, 2);  // 5 samples, accumulation 2: a short last window
  auto val = synthetic_samples(2, 3);
  const std::string root = dep::test::scratch_dir("resume");
  auto config_a = tiny_config(root + "/a");
  config_a.checkpoint.every_steps = 2;
  auto model_a = tiny_model(config_a);
  auto full = dep::Trainer(config_a, model_a, samples, val).run(false);
  CHECK(full.state.global_step == 9);

  // 4: right after a step checkpoint; 3: between checkpoints; 0: a signal before the run starts,
  // seen inside the first accumulation window (its partial gradients are dropped).
  for (int64_t stop_at : {4, 3, 0}) {
    INFO("interrupted after update " << stop_at);
    auto config_b = tiny_config(root + "/b" + std::to_string(stop_at));
    config_b.checkpoint.every_steps = 2;
    {
      auto model_b = tiny_model(config_b);
      dep::TrainHooks hooks;
      hooks.after_update = [&](const dep::TrainState& s) {
        if (s.global_step == stop_at) dep::set_interrupt_requested(true);
      };
      dep::Trainer trainer(config_b, model_b, samples, val, hooks);
      if (stop_at == 0) dep::set_interrupt_requested(true);
      try {
        trainer.run(false);
        FAIL("the run was not interrupted");
      } catch (const dep::Error& e) {
        CHECK(e.kind() == dep::ErrorKind::kInterrupted);
        CHECK_THAT(e.what(), Catch::Contains("--resume"));
      }
      dep::set_interrupt_requested(false);
    }
    // A different init (other seed) proves the weights come from the checkpoint.
    torch::manual_seed(999);
    auto model_c = tiny_model(config_b);
    CHECK_THROWS_WITH(dep::Trainer(config_b, model_c, samples, val).run(false), Catch::Contains("--resume"));
    auto resumed = dep::Trainer(config_b, model_c, samples, val).run(true);
    CHECK(resumed.state.global_step == 9);
    auto a = final_adapter(full), b = final_adapter(resumed);
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      INFO(a[i].first);
      CHECK(a[i].first == b[i].first);
      CHECK(torch::equal(a[i].second, b[i].second));
    }
    CHECK(resumed.state.validations.size() == full.state.validations.size());
    CHECK(resumed.state.best_checkpoint == full.state.best_checkpoint);
  }
}

TEST_CASE("resuming refuses other data or another adapter shape", "[train][resume]") {
  auto samples = synthetic_samples(4, 4);
  const std::string dir = dep::test::scratch_dir("resume_mismatch");
  auto config = tiny_config(dir);
  config.train.epochs = 1;
  auto model = tiny_model(config);
  dep::Trainer(config, model, samples, {}).run(false);
  auto fewer = synthetic_samples(3, 4);
  CHECK_THROWS_WITH(dep::Trainer(config, model, fewer, {}).run(true), Catch::Contains("different train samples"));
  auto other = config;
  other.adapter.latent_dim = 6;
  auto model_other = tiny_model(other);
  CHECK_THROWS_WITH(dep::Trainer(other, model_other, samples, {}).run(true), Catch::Contains("'adapter' config differs"));
}

TEST_CASE("a non-finite loss stops the run and keeps the last good checkpoint", "[train]") {
  auto samples = synthetic_samples(4, 5);
  const std::string dir = dep::test::scratch_dir("nan_guard");
  auto config = tiny_config(dir);
  config.train.epochs = 2;
  config.train.shuffle = false;
  // Poison the last sample: the first epoch's windows 0..1 are fine until it appears.
  samples[3].his_diff[0] = std::numeric_limits<float>::quiet_NaN();
  config.checkpoint.every_steps = 1;
  auto model = tiny_model(config);
  try {
    dep::Trainer(config, model, samples, {}).run(false);
    FAIL("no error");
  } catch (const dep::Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("non-finite loss") && Catch::Contains("u3") &&
                             Catch::Contains("checkpoint-1"));
  }
  CHECK(dep::latest_checkpoint(dir) == dir + "/checkpoint-1");
  auto adapter = dep::load_safetensors(dir + "/checkpoint-1/adapter.safetensors");
  for (const auto& [name, t] : adapter) CHECK(torch::isfinite(t).all().item<bool>());
}

TEST_CASE("train configs: every key validated, did-you-mean, dump round-trip", "[train][config]") {
  auto parse = [](const std::string& text) {
    return dep::parse_config<dep::TrainConfig>(nlohmann::json::parse(text), "train.json");
  };
  auto c = parse(R"({"optim": {"lr": 2e-5}, "train": {"grad_accumulation": 8}, "adapter": {"variant": "ae"}})");
  CHECK(c.optim.lr == 2e-5);
  CHECK(c.train.grad_accumulation == 8);
  CHECK(c.adapter.variant == dep::AutoencoderVariant::kAe);
  // Defaults are the reference run's.
  dep::TrainConfig d;
  CHECK(d.optim.lr == 1e-5);
  CHECK(d.optim.weight_decay == 0.025);
  CHECK(d.schedule.warmup_ratio == 0.01);
  CHECK(d.optim.max_grad_norm == 1.0);
  CHECK(d.train.batch_size == 1);
  CHECK(d.train.grad_accumulation == 16);
  CHECK(d.train.epochs == 5);
  CHECK(d.train.seed == 42);
  CHECK(d.loss.lambda == 100.0);
  CHECK(d.loss.gamma == 1e-3);
  CHECK(d.loss.rho == 0.05);
  CHECK(d.loss.sae_term_over_window == dep::WindowReduction::kSum);
  CHECK(d.adapter.init == dep::AdapterInit::kXavier);
  CHECK_THROWS_WITH(parse(R"({"optim": {"lrate": 1}})"), Catch::Contains("optim.lrate: unknown key (did you mean 'optim.lr'?)"));
  CHECK_THROWS_WITH(parse(R"({"adapter": {"variant": "sea"}})"), Catch::Contains("adapter.variant") && Catch::Contains("did you mean 'sae'"));
  CHECK_THROWS_WITH(parse(R"({"train": {"grad_accumulation": 0}})"), Catch::Contains("train.grad_accumulation: value 0 out of range"));
  CHECK_THROWS_WITH(parse(R"({"loss": {"sae_term_over_window": "avg"}})"), Catch::Contains("loss.sae_term_over_window"));
  CHECK_THROWS_WITH(parse(R"({"optim": {"lr": 0}})"), Catch::Contains("optim.lr"));
  CHECK_THROWS_WITH(parse(R"({"device": {"dtype": "f64"}})"), Catch::Contains("device.dtype"));
  // Every key of the dump is read back, and documented.
  auto dumped = dep::config_to_json(d);
  auto back = dep::parse_config<dep::TrainConfig>(nlohmann::json::parse(dumped.dump()), "dump");
  CHECK(dep::config_to_json(back).dump() == dumped.dump());
  const std::string doc = dep::document_config<dep::TrainConfig>();
  std::function<void(const nlohmann::ordered_json&, const std::string&)> check_leaves =
      [&](const nlohmann::ordered_json& node, const std::string& prefix) {
        for (const auto& [key, value] : node.items()) {
          const std::string path = prefix.empty() ? key : prefix + "." + key;
          if (value.is_object()) {
            check_leaves(value, path);
          } else {
            CHECK_THAT(doc, Catch::Contains("`" + path + "`"));
          }
        }
      };
  check_leaves(dumped, "");
}

TEST_CASE("selecting by METEOR without a generation metric is refused up front", "[train][config]") {
  auto samples = synthetic_samples(2, 6);
  auto config = tiny_config(dep::test::scratch_dir("meteor_hook"));
  config.validation.select_by = dep::SelectBy::kMeteor;
  auto model = tiny_model(config);
  CHECK_THROWS_WITH(dep::Trainer(config, model, samples, samples).run(false), Catch::Contains("validation.select_by"));
  // With the hook, the best checkpoint is the one with the highest metric.
  std::vector<double> scores = {0.2, 0.5, 0.4};
  size_t call = 0;
  dep::TrainHooks hooks;
  hooks.generation_metric = [&](dep::PersonalizationModel&) { return scores.at(call++); };
  auto summary = dep::Trainer(config, model, samples, samples, hooks).run(false);
  REQUIRE(summary.state.validations.size() == 3);
  CHECK(summary.state.best_checkpoint == summary.state.validations[1].checkpoint);
}

namespace {

// Every file and directory under `dir` (itself included) with its bytes and mtime.
std::map<std::string, std::pair<std::string, std::filesystem::file_time_type>> snapshot(const std::string& dir) {
  namespace fs = std::filesystem;
  std::map<std::string, std::pair<std::string, fs::file_time_type>> out;
  out[dir] = {"", fs::last_write_time(dir)};
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    std::string bytes;
    if (entry.is_regular_file()) {
      std::ifstream in(entry.path(), std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    out[entry.path().string()] = {bytes, fs::last_write_time(entry.path())};
  }
  return out;
}

}  // namespace

TEST_CASE("resuming a finished run (--resume) changes nothing on disk", "[train][resume]") {
  auto samples = synthetic_samples(5, 7);
  auto val = synthetic_samples(2, 8);
  const std::string dir = dep::test::scratch_dir("resume_finished");
  auto config = tiny_config(dir);
  config.train.epochs = 2;
  config.checkpoint.every_steps = 2;
  config.checkpoint.keep_last = 1;
  auto model = tiny_model(config);
  const auto full = dep::Trainer(config, model, samples, val).run(false);
  REQUIRE(full.state.global_step == 6);
  const auto before = snapshot(dir);
  CHECK(before.count(dir + "/metrics.jsonl"));
  CHECK(before.count(dir + "/config.json"));
  // Coarse file-system clocks: make a rewrite show up in the mtimes.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  torch::manual_seed(123);
  auto model_again = tiny_model(config);
  const auto again = dep::Trainer(config, model_again, samples, val).run(true);
  CHECK(again.state.global_step == full.state.global_step);
  CHECK(again.last_checkpoint == full.last_checkpoint);
  CHECK(again.best_checkpoint == full.best_checkpoint);
  const auto after = snapshot(dir);
  REQUIRE(after.size() == before.size());
  for (const auto& [path, file] : before) {
    INFO(path);
    REQUIRE(after.count(path));
    CHECK(after.at(path).first == file.first);
    CHECK(after.at(path).second == file.second);
  }
  // The resumed model holds the finished run's adapter.
  const auto saved = dep::load_safetensors(full.last_checkpoint + "/adapter.safetensors");
  const auto loaded = dep::adapter_tensors(*model_again.adapter());
  REQUIRE(saved.size() == loaded.size());
  for (const auto& [name, tensor] : loaded) {
    INFO(name);
    REQUIRE(saved.count(name));
    CHECK(torch::equal(saved.at(name), tensor));
  }
}

TEST_CASE("the window sampler gives each rank its share of the same global window", "[train]") {
  auto samples = synthetic_samples(11, 9);
  dep::LoopConfig loop;
  loop.batch_size = 2;
  loop.grad_accumulation = 2;
  loop.seed = 3;
  // One process: windows of grad_accumulation micro-batches of the epoch order.
  dep::WindowSampler one(samples, loop);
  CHECK(one.windows_per_epoch() == 3);  // 6 micro-batches
  one.start_epoch(1);
  const auto order = dep::epoch_order(11, 3, 1, true);
  int64_t micro = 0;
  for (int64_t w = 0; w < one.windows_per_epoch(); ++w) {
    const auto window = one.window(w);
    int64_t tokens = 0;
    for (const auto& batch : window.micro_batches) {
      CHECK(batch == dep::micro_batch(samples, order, micro++, 2));
      for (const auto* s : batch) tokens += dep::sample_label_tokens(*s);
    }
    CHECK(window.global_micro_batches == static_cast<int64_t>(window.micro_batches.size()));
    CHECK(window.global_label_tokens == tokens);
  }
  CHECK(micro == 6);
  // Two ranks: a window spans 2 micro-batches per rank; the ranks' shares partition it and both
  // know its global size and label tokens.
  dep::WindowSampler rank0(samples, loop, 0, 2), rank1(samples, loop, 1, 2);
  auto wide = loop;
  wide.grad_accumulation = 4;
  dep::WindowSampler whole(samples, wide);
  REQUIRE(rank0.windows_per_epoch() == 2);
  REQUIRE(rank1.windows_per_epoch() == 2);
  for (auto* s : {&rank0, &rank1, &whole}) s->start_epoch(1);
  for (int64_t w = 0; w < 2; ++w) {
    const auto a = rank0.window(w), b = rank1.window(w), all = whole.window(w);
    CHECK(a.global_label_tokens == all.global_label_tokens);
    CHECK(b.global_label_tokens == all.global_label_tokens);
    CHECK(a.global_micro_batches == all.global_micro_batches);
    std::vector<std::vector<const dep::DepSample*>> merged;
    for (size_t i = 0; i < all.micro_batches.size(); ++i) {
      merged.push_back(i % 2 == 0 ? a.micro_batches.at(i / 2) : b.micro_batches.at(i / 2));
    }
    CHECK(merged == all.micro_batches);
    CHECK(a.micro_batches.size() + b.micro_batches.size() == all.micro_batches.size());
  }
}

namespace {

// Counts the windows it is asked to combine; `rank` of `world` processes.
class CountingSync final : public dep::GradientSync {
 public:
  CountingSync(int64_t rank, int64_t world) : rank_(rank), world_(world) {}
  int64_t rank() const override { return rank_; }
  int64_t world_size() const override { return world_; }
  void all_reduce_gradients(const std::vector<torch::Tensor>& parameters) override {
    calls += 1;
    for (const auto& p : parameters) CHECK(p.grad().defined());
  }
  int64_t calls = 0;

 private:
  int64_t rank_, world_;
};

// A lower-is-better metric read from a script, one value per validation.
class ScriptedValidator final : public dep::Validator {
 public:
  explicit ScriptedValidator(std::vector<double> values) : values_(std::move(values)) {}
  std::string name() const override { return "scripted"; }
  bool higher_is_better() const override { return false; }
  double evaluate(dep::PersonalizationModel&) override { return values_.at(calls_++); }

 private:
  std::vector<double> values_;
  size_t calls_ = 0;
};

}  // namespace

TEST_CASE("the loop's parts: a selection validator and the gradient sync are what the caller hands in", "[train]") {
  auto samples = synthetic_samples(4, 10);
  auto config = tiny_config(dep::test::scratch_dir("parts"));
  config.validation.select_by = dep::SelectBy::kMeteor;  // any name but "loss" takes the caller's validator
  auto model = tiny_model(config);
  dep::TrainHooks hooks;
  hooks.selection = std::make_shared<ScriptedValidator>(std::vector<double>{0.5, 0.3, 0.4});
  auto sync = std::make_shared<CountingSync>(0, 1);
  hooks.sync = sync;
  auto summary = dep::Trainer(config, model, samples, samples, hooks).run(false);
  CHECK(sync->calls == summary.state.global_step);
  REQUIRE(summary.state.validations.size() == 3);
  CHECK(summary.state.best_checkpoint == summary.state.validations[1].checkpoint);  // the lowest
  std::ifstream metrics(config.checkpoint.dir + "/metrics.jsonl");
  int validations = 0;
  for (std::string line; std::getline(metrics, line);) {
    auto j = nlohmann::json::parse(line);
    if (j["event"] != "validation") continue;
    CHECK(j["select_by"] == "scripted");
    CHECK(j["scripted"] == j["metric"]);
    validations += 1;
  }
  CHECK(validations == 3);
}

TEST_CASE("a rank other than the main one trains its share and writes nothing", "[train]") {
  auto samples = synthetic_samples(4, 11);
  const std::string dir = dep::test::scratch_dir("rank1");
  auto config = tiny_config(dir);
  config.checkpoint.every_steps = 1;
  auto model = tiny_model(config);
  dep::TrainHooks hooks;
  auto sync = std::make_shared<CountingSync>(1, 2);
  hooks.sync = sync;
  auto summary = dep::Trainer(config, model, samples, samples, hooks).run(false);
  // 4 samples, accumulation 2 per rank over 2 ranks: one update per epoch.
  CHECK(summary.state.global_step == 3);
  CHECK(sync->calls == 3);
  CHECK(summary.state.samples_seen == 3 * 2);  // this rank's share
  CHECK(std::filesystem::is_empty(dir));
}

TEST_CASE("the train-data fingerprint is the one earlier checkpoints hold", "[train][resume]") {
  // The hash checkpoints have been written with: FNV-1a from 1469598103934665603, every id byte
  // and every sample length mixed in as 8 little-endian bytes.
  auto reference = [](const std::vector<dep::DepSample>& samples) {
    uint64_t h = 1469598103934665603ULL;
    auto mix = [&](uint64_t v) {
      for (int b = 0; b < 8; ++b) {
        h ^= (v >> (8 * b)) & 0xff;
        h *= 1099511628211ULL;
      }
    };
    for (const auto& s : samples) {
      for (char c : s.sample_id) mix(static_cast<unsigned char>(c));
      mix(s.input_ids.size());
    }
    return h;
  };
  auto samples = synthetic_samples(5, 12);
  CHECK(dep::train_data_fingerprint(samples) == reference(samples));
  auto fewer = samples;
  fewer.pop_back();
  CHECK(dep::train_data_fingerprint(fewer) != dep::train_data_fingerprint(samples));
}

TEST_CASE("E-RESUME-CONFIG: a resume with a changed optimizer, schedule or loss setting is refused and writes nothing", "[train][resume][reliability]") {
  auto samples = synthetic_samples(5, 11);
  const std::string dir = dep::test::scratch_dir("resume_changed_key");
  auto config = tiny_config(dir);
  config.train.epochs = 1;
  auto model = tiny_model(config);
  dep::Trainer(config, model, samples, {}).run(false);
  const auto before = snapshot(dir);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto changed = config;
  changed.optim.lr *= 2;
  auto model_changed = tiny_model(changed);
  // The run is finished: before, such a resume exited 0 and relabelled the adapter with the new lr.
  try {
    dep::Trainer(changed, model_changed, samples, {}).run(true);
    FAIL("a resume with another optim.lr was accepted");
  } catch (const dep::Error& e) {
    CHECK(dep::exit_code_of(e) == 2);  // the catalogue's exit code (docs/ERRORS.md)
    CHECK_THAT(e.what(), Catch::Contains("checkpoint-") && Catch::Contains("its 'optim' config differs") &&
                             Catch::Contains("resume with the run's config, or train into another checkpoint.dir"));
  }
  auto changed_loss = config;
  changed_loss.loss.lambda += 1;
  CHECK_THROWS_WITH(dep::Trainer(changed_loss, model_changed, samples, {}).run(true),
                    Catch::Contains("its 'loss' config differs"));
  const auto after = snapshot(dir);
  REQUIRE(after.size() == before.size());
  for (const auto& [path, file] : before) {
    INFO(path);
    REQUIRE(after.count(path));
    CHECK(after.at(path).first == file.first);
    CHECK(after.at(path).second == file.second);
  }
}

TEST_CASE("a missing or empty 'latest' never makes a run directory look empty", "[train][resume][reliability]") {
  auto samples = synthetic_samples(5, 12);
  const std::string dir = dep::test::scratch_dir("resume_no_latest");
  auto config = tiny_config(dir);
  config.train.epochs = 2;
  config.checkpoint.every_steps = 1;
  config.checkpoint.keep_last = 3;
  auto model = tiny_model(config);
  const auto full = dep::Trainer(config, model, samples, {}).run(false);
  const std::string newest = std::filesystem::path(full.last_checkpoint).filename().string();
  for (const char* damage : {"missing", "empty"}) {
    INFO(damage);
    if (std::string(damage) == "missing") std::filesystem::remove(dir + "/latest");
    else dep::write_file_atomic(dir + "/latest", "");
    const auto before = snapshot(dir);
    // Without --resume: the directory still holds checkpoints, so a fresh run is refused.
    auto model_b = tiny_model(config);
    CHECK_THROWS_WITH(dep::Trainer(config, model_b, samples, {}).run(false), Catch::Contains("already holds checkpoints"));
    // With --resume: the newest complete checkpoint is found; the finished run changes nothing.
    const auto again = dep::Trainer(config, model_b, samples, {}).run(true);
    CHECK(again.state.global_step == full.state.global_step);
    CHECK(std::filesystem::path(again.last_checkpoint).filename().string() == newest);
    CHECK(snapshot(dir).size() == before.size());
  }
  CHECK(dep::latest_checkpoint(dir) == dir + "/" + newest);
}

namespace {

// PPlug samples for the tiny decoder (dim 24): the prompt holds the instruction token (280) and
// the personal token (281); histories of 2–5 unit rows (so batches pad), a task vector, and a
// target that depends on the sample.
std::vector<dep::DepSample> pplug_samples(int count, uint64_t seed) {
  torch::manual_seed(seed);
  namespace F = torch::nn::functional;
  std::vector<dep::DepSample> out;
  for (int i = 0; i < count; ++i) {
    dep::DepSample s;
    s.sample_id = "train/tiny/p" + std::to_string(i);
    s.slots = 8;
    s.dim = 24;
    s.pplug_rows = 2 + i % 4;
    auto history = F::normalize(torch::randn({s.pplug_rows, 24}), F::NormalizeFuncOptions().dim(1));
    auto task = F::normalize(torch::randn({24}), F::NormalizeFuncOptions().dim(0));
    s.pplug_history.assign(history.data_ptr<float>(), history.data_ptr<float>() + history.numel());
    s.pplug_task.assign(task.data_ptr<float>(), task.data_ptr<float>() + task.numel());
    const int prompt = 9 + i % 3;
    for (int t = 0; t < prompt; ++t) s.input_ids.push_back(10 + (t * 7 + i) % 200);
    s.input_ids[1] = 280;
    s.input_ids[2] = 281;
    s.his_positions.assign(8, -1);
    s.diff_positions.assign(8, -1);
    s.his_positions[0] = 1;
    s.his_positions[1] = 2;
    s.prompt_length = prompt;
    s.labels.assign(prompt, dep::kIgnoreLabel);
    s.pad_id = 0;
    for (int t = 0; t < 6; ++t) {
      const int64_t id = 20 + (i * 13 + t * 5) % 150;
      s.input_ids.push_back(id);
      s.labels.push_back(id);
    }
    s.slot_filled.assign(8, 0);
    out.push_back(std::move(s));
  }
  return out;
}

dep::TrainConfig pplug_config(const std::string& run_dir) {
  auto c = tiny_config(run_dir);
  c.adapter.method = "pplug";
  c.data.prompt.variant = "pplug";
  return c;
}

dep::PersonalizationModel pplug_model(const dep::TrainConfig& config, std::shared_ptr<dep::Adapter> adapter = nullptr) {
  auto model = adapter ? dep::PersonalizationModel(tiny_llm(), adapter, nullptr, config.loss)
                       : dep::build_dep_model(config, tiny_llm());
  model.set_placeholder_id(dep::his_placeholder(0), 280);
  model.set_placeholder_id(dep::his_placeholder(1), 281);
  return model;
}

}  // namespace

TEST_CASE("PPlug trains on the tiny decoder: the loss falls and the checkpoint reloads", "[train][pplug]") {
  auto samples = pplug_samples(6, 2);
  auto config = pplug_config(dep::test::scratch_dir("pplug_train"));
  config.train.epochs = 30;
  config.train.batch_size = 2;  // histories of different lengths share a padded batch
  config.optim.lr = 2e-2;
  config.optim.weight_decay = 0.0;
  auto model = pplug_model(config);
  REQUIRE(model.adapter()->method() == "pplug");
  const double before = dep::validation_loss(model, samples, 2);
  dep::Trainer trainer(config, model, samples, samples);
  auto summary = trainer.run(false);
  const double after = dep::validation_loss(model, samples, 2);
  INFO("loss " << before << " -> " << after);
  // Two soft tokens carry less than DEP's 2K: a quarter off is a clear fall on this set.
  CHECK(after < 0.75 * before);
  // The checkpoint's adapter file says it is PPlug and reloads to the same loss.
  auto reloaded = dep::load_adapter(summary.last_checkpoint + "/adapter.safetensors", tiny_llm()->config().hidden_size);
  REQUIRE(reloaded->method() == "pplug");
  auto reloaded_model = pplug_model(config, reloaded);
  CHECK(dep::validation_loss(reloaded_model, samples, 2) == Approx(after).epsilon(1e-6));
  // Resuming the finished run with the same config is accepted; another method is refused.
  {
    auto again = pplug_model(config);
    dep::Trainer resumed(config, again, samples, samples);
    CHECK(resumed.run(true).state.global_step == summary.state.global_step);
  }
  auto other = config;
  other.adapter.method = "dep";
  other.data.prompt.variant = "dep";
  auto dep_model = tiny_model(other);
  dep::Trainer mismatched(other, dep_model, samples, samples);
  CHECK_THROWS_WITH(mismatched.run(true), Catch::Contains("'adapter' config differs"));
}

TEST_CASE("adapter.method and data.prompt.variant must agree on PPlug", "[train][config][pplug]") {
  auto json = nlohmann::json::parse(dep::config_to_json(dep::TrainConfig{}).dump());
  json["adapter"]["method"] = "pplug";
  CHECK_THROWS_WITH(dep::parse_config<dep::TrainConfig>(json, "t.json"), Catch::Contains("data.prompt.variant"));
  json["data"]["prompt"]["variant"] = "pplug";
  CHECK(dep::parse_config<dep::TrainConfig>(json, "t.json").adapter.method == "pplug");
  json["adapter"]["method"] = "dep";
  CHECK_THROWS_WITH(dep::parse_config<dep::TrainConfig>(json, "t.json"), Catch::Contains("adapter.method"));
}
