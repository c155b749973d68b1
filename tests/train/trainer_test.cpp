// The training loop on the tiny fixture decoder: it learns, resumes bit-for-bit, stops on NaN,
// refuses to overwrite or to resume an incompatible run, and validates its config.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <memory>

#include "dep/core/error.h"
#include "dep/core/interrupt.h"
#include "dep/decoder/qwen2.h"
#include "dep/train/train_config.h"
#include "dep/train/trainer.h"
#include "test_paths.h"

namespace {

std::shared_ptr<dep::Qwen2Model> tiny_llm() {
  static auto model = std::make_shared<dep::Qwen2Model>(
      dep::Qwen2Model::load(dep::test::fixture("tiny-dep-step/decoder"), torch::kFloat32));
  return model;
}

// Samples shaped like DEP's for the tiny decoder (vocab 300, K = 3, dim 24): a prompt with the
// placeholders 280–282 / 290–292, then a target the model must learn. The target depends on
// the his/diff block, so the adapter has something to carry.
std::vector<dep::DepSample> synthetic_samples(int count, uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<dep::DepSample> out;
  for (int i = 0; i < count; ++i) {
    dep::DepSample s;
    s.sample_id = "train/tiny/u" + std::to_string(i);
    s.slots = 3;
    s.dim = 24;
    auto block = torch::nn::functional::normalize(torch::randn({6, 24}), torch::nn::functional::NormalizeFuncOptions().dim(1));
    s.his_diff.assign(block.data_ptr<float>(), block.data_ptr<float>() + block.numel());
    const int prompt = 10 + i % 3;
    for (int t = 0; t < prompt; ++t) s.input_ids.push_back(10 + (t * 7 + i) % 200);
    s.his_positions = {1, 3, 5};
    s.diff_positions = {2, 4, 6};
    for (int k = 0; k < 3; ++k) {
      s.input_ids[1 + 2 * k] = 280 + k;
      s.input_ids[2 + 2 * k] = 290 + k;
    }
    s.prompt_length = prompt;
    s.labels.assign(prompt, dep::kIgnoreLabel);
    s.pad_id = 0;
    for (int t = 0; t < 6; ++t) {
      const int64_t id = 20 + (i * 13 + t * 5) % 150;
      s.input_ids.push_back(id);
      s.labels.push_back(id);
    }
    s.slot_filled = {1, 1, 1};
    out.push_back(std::move(s));
  }
  return out;
}

dep::TrainConfig tiny_config(const std::string& run_dir) {
  dep::TrainConfig c;
  c.model.dtype = "fp32";
  c.adapter.embedding_dim = 24;
  c.adapter.latent_dim = 12;
  c.optim.lr = 3e-3;
  c.schedule.warmup_steps = 1;
  c.train.epochs = 3;
  c.train.batch_size = 1;
  c.train.grad_accumulation = 2;
  c.train.seed = 5;
  c.checkpoint.dir = run_dir;
  c.log.every_steps = 1;
  return c;
}

std::vector<std::pair<std::string, torch::Tensor>> final_adapter(const dep::TrainSummary& summary) {
  auto file = dep::load_safetensors(summary.last_checkpoint + "/adapter.safetensors");
  return {file.begin(), file.end()};
}

}  // namespace

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
  auto model = dep::build_dep_model(config, tiny_llm());
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
  auto model_a = dep::build_dep_model(config_a, tiny_llm());
  auto full = dep::Trainer(config_a, model_a, samples, val).run(false);
  CHECK(full.state.global_step == 9);

  // 4: right after a step checkpoint; 3: between checkpoints; 0: a signal before the run starts,
  // seen inside the first accumulation window (its partial gradients are dropped).
  for (int64_t stop_at : {4, 3, 0}) {
    INFO("interrupted after update " << stop_at);
    auto config_b = tiny_config(root + "/b" + std::to_string(stop_at));
    config_b.checkpoint.every_steps = 2;
    {
      auto model_b = dep::build_dep_model(config_b, tiny_llm());
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
    auto model_c = dep::build_dep_model(config_b, tiny_llm());
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
  auto model = dep::build_dep_model(config, tiny_llm());
  dep::Trainer(config, model, samples, {}).run(false);
  auto fewer = synthetic_samples(3, 4);
  CHECK_THROWS_WITH(dep::Trainer(config, model, fewer, {}).run(true), Catch::Contains("different train samples"));
  auto other = config;
  other.adapter.latent_dim = 6;
  auto model_other = dep::build_dep_model(other, tiny_llm());
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
  auto model = dep::build_dep_model(config, tiny_llm());
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
  CHECK(c.adapter.variant == "ae");
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
  CHECK(d.loss.sae_term_over_window == "sum");
  CHECK(d.adapter.init == "xavier");
  CHECK_THROWS_WITH(parse(R"({"optim": {"lrate": 1}})"), Catch::Contains("optim.lrate: unknown key (did you mean 'optim.lr'?)"));
  CHECK_THROWS_WITH(parse(R"({"adapter": {"variant": "sea"}})"), Catch::Contains("adapter.variant") && Catch::Contains("did you mean 'sae'"));
  CHECK_THROWS_WITH(parse(R"({"train": {"grad_accumulation": 0}})"), Catch::Contains("train.grad_accumulation: value 0 out of range"));
  CHECK_THROWS_WITH(parse(R"({"loss": {"sae_term_over_window": "avg"}})"), Catch::Contains("loss.sae_term_over_window"));
  CHECK_THROWS_WITH(parse(R"({"optim": {"lr": 0}})"), Catch::Contains("optim.lr"));
  CHECK_THROWS_WITH(parse(R"({"model": {"dtype": "f64"}})"), Catch::Contains("model.dtype"));
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
  config.validation.select_by = "meteor";
  auto model = dep::build_dep_model(config, tiny_llm());
  CHECK_THROWS_WITH(dep::Trainer(config, model, samples, samples).run(false), Catch::Contains("validation.select_by"));
  // With the hook, the best checkpoint is the one with the highest metric.
  std::vector<double> scores = {0.2, 0.5, 0.4};
  size_t call = 0;
  dep::TrainHooks hooks;
  hooks.generation_metric = [&](dep::DepModel&) { return scores.at(call++); };
  auto summary = dep::Trainer(config, model, samples, samples, hooks).run(false);
  REQUIRE(summary.state.validations.size() == 3);
  CHECK(summary.state.best_checkpoint == summary.state.validations[1].checkpoint);
}
