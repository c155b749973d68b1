// METEOR validation end to end on a tiny world (synthetic DPL data, a random embedding store, a
// random decoder with DEP's vocabulary layout and the DEP tokenizer): the prompt-only val samples,
// generations scored against their targets, the Trainer selecting its best checkpoint by METEOR,
// and dep-train running with validation.select_by = "meteor".
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "dep/core/atomic_file.h"
#include "dep/core/config.h"
#include "dep/data/dep_dataset.h"
#include "dep/embed/embedding_store.h"
#include "dep/embed/keyed_text.h"
#include "dep/decoder/qwen2.h"
#include "dep/data/synthetic_data.h"
#include "dep/torch/tensor_io.h"
#include "dep/train/train_config.h"
#include "dep/train/trainer.h"
#include "dep/validation/validation_meteor.h"
#include "test_paths.h"
#include "tiny_qwen2.h"

namespace fs = std::filesystem;

namespace {

constexpr int64_t kDepVocab = 151685;  // len(DEP tokenizer)
constexpr int64_t kEmbeddingDim = 16;

void write_decoder(const std::string& dir, uint64_t seed) {
  fs::create_directories(dir);
  dep::write_file_atomic(dir + "/config.json", dep::test::tiny_qwen2_config(kDepVocab).dump(2));
  const auto t = dep::test::random_tiny_qwen2(kDepVocab, seed);
  dep::save_safetensors(dir + "/model.safetensors", t, {{"format", "pt"}});
  fs::copy_file(dep::test::fixture("qwen2.5-tokenizer/dep-tokenizer.json"), dir + "/tokenizer.json");
}

// The world's train config: 4 train and 2 val samples, 2 epochs of 2 updates, METEOR selection
// with short greedy generations.
struct TinyTrainWorld {
  std::string root;
  dep::TrainConfig config;
};

TinyTrainWorld build_world() {
  TinyTrainWorld w;
  w.root = dep::test::scratch_dir("train-meteor-world-" + std::to_string(::getpid()));
  const std::string data_dir = w.root + "/data", store_dir = w.root + "/embeddings", model_dir = w.root + "/decoder";
  dep::SynthConfig synth;
  synth.users = {4, 3, 3};
  synth.items = 24;
  synth.min_profile = 8;
  synth.max_profile = 10;
  synth.mean_extra_profile = 1.0;
  synth.seed = 5;
  dep::write_synthetic_dpl(dep::generate_synthetic(synth), data_dir);
  write_decoder(model_dir, 11);

  dep::TrainConfig& c = w.config;
  c.model.dir = model_dir;
  c.device.dtype = dep::ComputeDtype::kFp32;
  c.device.threads = 1;  // tiny ops: OpenMP hand-offs cost more than they save
  c.data.data.root = data_dir;
  c.data.data.categories = synth.categories;
  c.data.splits.val_size = 2;
  c.data.history.max_length = 1024;
  c.samples.embeddings = store_dir;
  c.samples.max_train = 4;
  c.samples.threads = 1;
  c.adapter.embedding_dim = kEmbeddingDim;
  c.adapter.latent_dim = 8;
  c.optim.lr = 1e-3;
  c.schedule.warmup_steps = 1;
  c.train.epochs = 2;
  c.train.grad_accumulation = 2;
  c.train.seed = 3;
  c.log.every_steps = 1;
  c.validation.select_by = dep::SelectBy::kMeteor;
  c.validation.sampling.do_sample = false;
  c.validation.sampling.max_new_tokens = 12;
  c.validation.max_batch = 2;
  c.checkpoint.dir = w.root + "/run";

  // The store dep-embed would write for the test split's profiles (DEP embeds those), with a
  // random unit vector per text, fixed by the text.
  const dep::DepData test = dep::load_dep_data(c.data, dep::DepSplit::kTest);
  std::vector<dep::KeyedText> items;
  for (const auto& category : synth.categories) {
    auto part = dep::dpl_texts_to_embed(test.test_rows.at(category), category);
    items.insert(items.end(), part.begin(), part.end());
  }
  auto embed = [](const std::vector<std::string>& texts, const std::function<void(int64_t)>& on_batch) {
    std::vector<float> out;
    for (const auto& text : texts) {
      auto gen = at::detail::createCPUGenerator(std::hash<std::string>{}(text));
      auto v = at::normal(0.0, 1.0, {kEmbeddingDim}, gen, torch::TensorOptions().dtype(torch::kFloat32));
      v = v / v.norm();
      out.insert(out.end(), v.data_ptr<float>(), v.data_ptr<float>() + kEmbeddingDim);
    }
    if (on_batch) on_batch(static_cast<int64_t>(texts.size()));
    return out;
  };
  dep::build_embedding_store(items, dep::StoreSettings{"tiny-random", 512, "fp32"}, kEmbeddingDim, 4096, store_dir, embed);
  return w;
}

const TinyTrainWorld& world() {
  struct Owner {
    TinyTrainWorld world = build_world();
    ~Owner() {
      std::error_code ignored;
      fs::remove_all(world.root, ignored);
    }
  };
  static const Owner owner;
  return owner.world;
}

}  // namespace

TEST_CASE("METEOR validation: prompt-only val samples, generations scored against their targets", "[train][meteor]") {
  const auto& w = world();
  auto config = w.config;
  auto data = dep::load_training_data(config);
  REQUIRE(data.val.size() == 2);
  REQUIRE(data.val_prompts.size() == 2);
  REQUIRE(data.tokenizer);
  for (size_t i = 0; i < data.val.size(); ++i) {
    const auto& train_form = data.val[i];
    const auto& prompt = data.val_prompts[i];
    CHECK(prompt.sample_id == train_form.sample_id);
    CHECK(prompt.labels.empty());
    CHECK(static_cast<int64_t>(prompt.input_ids.size()) == prompt.prompt_length);
    CHECK(std::equal(prompt.input_ids.begin(), prompt.input_ids.end(), train_form.input_ids.begin()));
    CHECK(prompt.his_diff == train_form.his_diff);
    CHECK_FALSE(prompt.target.empty());
  }
  // generation_samples keeps the first N.
  auto one = config;
  one.validation.generation_samples = 1;
  CHECK(dep::load_training_data(one).val_prompts.size() == 1);

  auto model = dep::build_dep_model(config, data.tokenizer_size, data.tokenizer);
  const dep::ValidationMeteor meteor(config.validation, data.val_prompts, data.tokenizer);
  const auto first = meteor.evaluate(model);
  REQUIRE(first.samples == 2);
  REQUIRE(first.predictions.size() == 2);
  CHECK(first.meteor >= 0.0);
  CHECK(first.meteor <= 1.0);
  CHECK(first.generated_tokens > 0);
  CHECK(first.generated_tokens <= 2 * config.validation.sampling.max_new_tokens);
  // Greedy decoding is deterministic, and the adapter's mode is left as it was.
  CHECK(model.adapter()->is_training());
  const auto again = meteor.evaluate(model);
  CHECK(again.predictions == first.predictions);
  CHECK(again.meteor == first.meteor);

  // A target equal to its sample's generation scores (nearly) 1; the other sample, target
  // unchanged, scores as before: each generation is paired with its own sample's target.
  auto echo = data.val_prompts;
  echo[0].target = first.predictions[0];
  const dep::ValidationMeteor echoed(config.validation, echo, data.tokenizer);
  const auto scored = echoed.evaluate(model);
  REQUIRE(scored.scores.size() == 2);
  INFO("generation 0: '" << first.predictions[0] << "'");
  CHECK(scored.scores[0] > 0.9);
  CHECK(scored.scores[1] == first.scores[1]);
  CHECK(scored.meteor == Approx((scored.scores[0] + scored.scores[1]) / 2));

  // Training-form samples are refused.
  CHECK_THROWS_WITH(dep::ValidationMeteor(config.validation, data.val, data.tokenizer), Catch::Contains("prompt-only"));
}

TEST_CASE("the Trainer selects the best checkpoint by validation METEOR", "[train][meteor]") {
  const auto& w = world();
  auto config = w.config;
  config.checkpoint.dir = dep::test::scratch_dir("meteor_trainer");
  auto data = dep::load_training_data(config);
  auto model = dep::build_dep_model(config, data.tokenizer_size, data.tokenizer);
  // Targets = the untrained adapter's generations, so the metric is far from 0 and moves only
  // when training changes what the model writes.
  auto prompts = data.val_prompts;
  const auto initial = dep::ValidationMeteor(config.validation, prompts, data.tokenizer).evaluate(model);
  for (size_t i = 0; i < prompts.size(); ++i) prompts[i].target = initial.predictions[i];
  const dep::ValidationMeteor meteor(config.validation, prompts, data.tokenizer);
  dep::TrainHooks hooks;
  hooks.generation_metric = [&](dep::PersonalizationModel& m) { return meteor.evaluate(m).meteor; };
  auto summary = dep::Trainer(config, model, data.train, data.val, hooks).run(false);
  REQUIRE(summary.state.validations.size() == 2);
  size_t best = 0;
  for (size_t i = 0; i < summary.state.validations.size(); ++i) {
    const auto& record = summary.state.validations[i];
    CHECK(record.metric > 0.0);
    CHECK(record.metric <= 1.0);
    CHECK(record.loss > 0.0);
    if (record.metric > summary.state.validations[best].metric) best = i;
  }
  CHECK(summary.state.best_checkpoint == summary.state.validations[best].checkpoint);
  std::ifstream marker(config.checkpoint.dir + "/best");
  std::string name;
  marker >> name;
  CHECK(name == summary.state.best_checkpoint);
  CHECK(summary.best_checkpoint == config.checkpoint.dir + "/" + name);
  // The final adapter scores as the last validation did.
  CHECK(meteor.evaluate(model).meteor == Approx(summary.state.validations.back().metric).margin(1e-12));
  std::ifstream metrics(config.checkpoint.dir + "/metrics.jsonl");
  int meteor_lines = 0;
  for (std::string line; std::getline(metrics, line);) {
    auto j = nlohmann::json::parse(line);
    if (j["event"] == "validation") {
      CHECK(j["select_by"] == "meteor");
      CHECK(j["meteor"].get<double>() >= 0.0);
      meteor_lines += 1;
    }
  }
  CHECK(meteor_lines == 2);
}

TEST_CASE("dep-train runs with validation.select_by = meteor", "[train][meteor][app]") {
  const auto& w = world();
  auto config = w.config;
  config.checkpoint.dir = dep::test::scratch_dir("meteor_app");
  config.train.epochs = 1;
  const std::string config_path = config.checkpoint.dir + "-train.json";
  dep::write_file_atomic(config_path, dep::config_to_json(config).dump(2));
  // Logs on stderr, the result on stdout: one JSON line that a pipe can read.
  const std::string log_path = config.checkpoint.dir + "-stderr.log";
  const std::string command = dep::test::binary("dep-train") + " --config " + config_path + " 2>" + log_path;
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe);
  std::string output;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int status = pclose(pipe);
  const std::string log = dep::read_file(log_path);
  INFO(log);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(log, Catch::Contains("validation METEOR"));
  REQUIRE(std::count(output.begin(), output.end(), '\n') == 1);
  const auto result = nlohmann::json::parse(output);
  CHECK(result["run_dir"] == config.checkpoint.dir);
  CHECK(result["updates"].get<int64_t>() > 0);
  CHECK(fs::exists(config.checkpoint.dir + "/best"));
  // An adapter as wide as the store is checked before any weight loads: exit 2, nothing written.
  const std::string wide = dep::test::binary("dep-train") + " --config " + config_path + " --set checkpoint.dir=" +
                           config.checkpoint.dir + "-wide --set adapter.embedding_dim=7 2>&1";
  pipe = popen(wide.c_str(), "r");
  REQUIRE(pipe);
  output.clear();
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  CHECK(WEXITSTATUS(pclose(pipe)) == 2);
  CHECK_THAT(output, Catch::Contains("adapter.embedding_dim: 7 but the embedding store"));
  CHECK_FALSE(fs::exists(config.checkpoint.dir + "-wide"));
  // A WordNet directory that does not exist stops dep-train before it trains, naming it.
  const std::string bad = dep::test::binary("dep-train") + " --config " + config_path +
                          " --set checkpoint.dir=" + config.checkpoint.dir + "-bad" +
                          " --set validation.wordnet=/nonexistent/wordnet 2>&1";
  pipe = popen(bad.c_str(), "r");
  REQUIRE(pipe);
  output.clear();
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int bad_status = pclose(pipe);
  CHECK(WEXITSTATUS(bad_status) != 0);
  CHECK_THAT(output, Catch::Contains("/nonexistent/wordnet"));
  CHECK_FALSE(fs::exists(config.checkpoint.dir + "-bad"));
}
