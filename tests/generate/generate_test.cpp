// dep-generate on tiny checkpoints: both checkpoint layouts give the same text, per-sample seeds
// make the text independent of batching and reruns, and the three bad inputs fail clearly.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <map>

#include "dep/core/atomic_file.h"
#include "dep/data/data_tokenizer.h"
#include "dep/data/dep_dataset.h"
#include "dep/generate/embedding_source.h"
#include "dep/core/error.h"
#include "dep/adapter/dep_adapter.h"
#include "dep/adapter/pplug_adapter.h"
#include "dep/generate/generation_run.h"
#include "dep/torch/tensor_io.h"
#include <fstream>
#include "dep/decoder/engine.h"
#include "dep/generate/checkpoint_loader.h"
#include "dep/generate/review_generator.h"
#include "dep/data/sample_builder.h"
#include "dep/text/python_whitespace.h"
#include "test_paths.h"
#include "tiny_world.h"

namespace fs = std::filesystem;
using dep::test::tiny_world;

namespace {

// The test split's samples, built with the model's tokenizer and the world's embeddings.
struct Samples {
  dep::DepData data;
  std::unique_ptr<dep::ReviewEmbeddings> embeddings;
  std::vector<dep::DepSample> samples;

  Samples(const dep::GenerateConfig& config, const dep::PersonalizationModel& model) {
    data = dep::load_dep_data(config.data, dep::DepSplit::kTest);
    embeddings = dep::open_review_embeddings(config.embeddings);
    dep::DepSampleBuilder builder(config.data, data, dep::encoder_of(*model.tokenizer()), embeddings.get());
    for (const auto& row : data.rows) samples.push_back(builder.build(row, false));
  }
  std::vector<const dep::DepSample*> pointers(const std::vector<size_t>& which) const {
    std::vector<const dep::DepSample*> out;
    for (auto i : which) out.push_back(&samples[i]);
    return out;
  }
  std::vector<size_t> all() const {
    std::vector<size_t> out(samples.size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = i;
    return out;
  }
};

std::map<std::string, std::string> texts(const std::vector<const dep::DepSample*>& samples,
                                         const std::vector<dep::ReviewGeneration>& results) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < samples.size(); ++i) out[samples[i]->sample_id] = results[i].prediction;
  return out;
}

std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const dep::Error& e) {
    return e.where() + ": " + e.message();
  }
  return "";
}

}  // namespace

TEST_CASE("generate: the full DEP directory and the base+adapter pair load and generate identically",
          "[generate]") {
  const auto& w = tiny_world();
  const auto full_config = w.config("", true);
  const auto pair_config = w.config("", false);
  const auto full = dep::load_personalization_model(full_config.model);
  const auto pair = dep::load_personalization_model(pair_config.model);
  CHECK(full.origin.layout == dep::CheckpointLayout::kFullModel);
  CHECK(pair.origin.layout == dep::CheckpointLayout::kBaseWithAdapter);
  // The base model was resized to len(tokenizer) and its tokenizer got the DEP tokens.
  CHECK(pair.llm().vocab_size() == 151685);
  CHECK(pair.tokenizer()->vocab_size() == 151685);
  CHECK(pair.tokenizer()->token_to_id("[DIFF_TOKEN_7]") == 151680);
  CHECK(full.origin.adapter_hash == pair.origin.adapter_hash);
  const auto* full_adapter = dynamic_cast<const dep::DepAdapter*>(full.adapter().get());
  REQUIRE(full_adapter != nullptr);
  CHECK(full_adapter->config().embedding_dim == 16);
  CHECK(full_adapter->config().latent_dim == 8);

  Samples samples(full_config, full);
  REQUIRE(samples.samples.size() == static_cast<size_t>(w.test_samples));
  REQUIRE(samples.samples.size() >= 8);
  // Every sample carries placeholders whose soft vectors the adapter fills.
  for (const auto& s : samples.samples) REQUIRE(s.his_positions.at(0) >= 0);

  auto ptrs = samples.pointers(samples.all());
  dep::ReviewGenerator full_gen(full, full_config.sampling, full_config.engine);
  dep::ReviewGenerator pair_gen(pair, pair_config.sampling, pair_config.engine);
  const auto a = full_gen.generate(ptrs);
  const auto b = pair_gen.generate(ptrs);
  size_t non_empty = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(ptrs[i]->sample_id);
    CHECK(a[i].prediction == b[i].prediction);
    CHECK(a[i].generated_tokens == b[i].generated_tokens);
    non_empty += !a[i].prediction.empty();
  }
  CHECK(non_empty > 0);
}

TEST_CASE("generate: fixed seeds reproduce the text, batch composition and order do not change it",
          "[generate]") {
  const auto& w = tiny_world();
  auto config = w.config("", true);
  const auto model = dep::load_personalization_model(config.model);
  Samples samples(config, model);
  const auto all = samples.all();

  config.engine.max_batch = 4;
  const auto reference = texts(samples.pointers(all), dep::ReviewGenerator(model, config.sampling, config.engine)
                                                          .generate(samples.pointers(all)));
  // Rerun: identical.
  CHECK(texts(samples.pointers(all),
              dep::ReviewGenerator(model, config.sampling, config.engine).generate(samples.pointers(all))) == reference);

  // One at a time, batch 1.
  config.engine.max_batch = 1;
  std::map<std::string, std::string> singles;
  for (auto i : all) {
    const auto one = samples.pointers({i});
    const auto r = dep::ReviewGenerator(model, config.sampling, config.engine).generate(one);
    singles[one[0]->sample_id] = r[0].prediction;
  }
  CHECK(singles == reference);

  // Reversed order, odd subset, batch 3: every sample keeps its text.
  std::vector<size_t> subset;
  for (auto it = all.rbegin(); it != all.rend(); ++it)
    if (*it % 2 == 1) subset.push_back(*it);
  config.engine.max_batch = 3;
  const auto sub = samples.pointers(subset);
  const auto sub_texts = texts(sub, dep::ReviewGenerator(model, config.sampling, config.engine).generate(sub));
  for (const auto& [id, text] : sub_texts) {
    INFO(id);
    CHECK(text == reference.at(id));
  }

  // The seed matters: another base seed changes some sample's text.
  config.sampling.seed = 99;
  const auto other = texts(samples.pointers(all), dep::ReviewGenerator(model, config.sampling, config.engine)
                                                      .generate(samples.pointers(all)));
  CHECK(other != reference);
}

TEST_CASE("generate: the soft prompts reach the decoder", "[generate]") {
  // Same prompts, other embeddings: with greedy decoding only the injected vectors differ.
  const auto& w = tiny_world();
  auto config = w.config("", true);
  config.sampling.do_sample = false;
  const auto model = dep::load_personalization_model(config.model);
  Samples samples(config, model);
  auto ptrs = samples.pointers(samples.all());
  const auto base = dep::ReviewGenerator(model, config.sampling, config.engine).generate(ptrs);
  std::vector<dep::DepSample> flipped = samples.samples;
  for (auto& s : flipped)
    for (auto& v : s.his_diff) v = -v;
  std::vector<const dep::DepSample*> flipped_ptrs;
  for (const auto& s : flipped) flipped_ptrs.push_back(&s);
  const auto changed = dep::ReviewGenerator(model, config.sampling, config.engine).generate(flipped_ptrs);
  size_t differ = 0;
  for (size_t i = 0; i < base.size(); ++i) differ += base[i].prediction != changed[i].prediction;
  CHECK(differ > 0);
}

TEST_CASE("generate: stop ids end a sample and are not part of the text", "[generate]") {
  const auto& w = tiny_world();
  auto config = w.config("", true);
  config.sampling.do_sample = false;
  const auto model = dep::load_personalization_model(config.model);
  Samples samples(config, model);
  const auto one = samples.pointers({0});
  dep::ReviewGenerator greedy(model, config.sampling, config.engine);
  const auto requests = greedy.requests(one);
  dep::EngineOptions options;
  options.stop_ids = {};
  auto raw = dep::GenerationEngine(model.llm(), options).generate(requests)[0].tokens;
  REQUIRE(raw.size() == 10);
  // Make the 4th greedy token a stop id: generation ends there, the text is the decoded first 3.
  config.sampling.stop_ids = {raw[3]};
  const auto stopped = dep::ReviewGenerator(model, config.sampling, config.engine).generate(one)[0];
  CHECK(stopped.finish == dep::FinishReason::kStop);
  CHECK(stopped.generated_tokens <= 4);
  const auto first = std::find(raw.begin(), raw.end(), raw[3]) - raw.begin();
  CHECK(stopped.generated_tokens == first + 1);
  const std::vector<int64_t> kept(raw.begin(), raw.begin() + first);
  CHECK(stopped.prediction == dep::python_strip(model.tokenizer()->decode(kept, true)));
}

TEST_CASE("generate: bad checkpoints give one clear error each", "[generate]") {
  const auto& w = tiny_world();
  const std::string dir = dep::test::scratch_dir("generate-bad-inputs");

  // 1a. A base directory without an adapter.
  auto config = w.config("", false);
  config.model.adapter.clear();
  auto message = error_of([&] { dep::load_personalization_model(config.model); });
  CHECK_THAT(message, Catch::Contains("missing adapter tensors"));
  CHECK_THAT(message, Catch::Contains("base"));

  // 1b. An adapter file that lacks one tensor: the error names it.
  const std::string partial = dir + "/partial.safetensors";
  dep::test::write_random_adapter(partial, 16, 8, 32, 5, "align_mlp_diff.2.weight");
  config.model.adapter = partial;
  message = error_of([&] { dep::load_personalization_model(config.model); });
  CHECK_THAT(message, Catch::Contains("align_mlp_diff.2.weight: missing"));
  CHECK_THAT(message, Catch::Contains(partial));

  // 2. An adapter trained for another hidden size (e.g. a 7B adapter on a 0.5B base).
  const std::string wide = dir + "/wide.safetensors";
  dep::test::write_random_adapter(wide, 16, 8, 48, 5);
  config.model.adapter = wide;
  message = error_of([&] { dep::load_personalization_model(config.model); });
  CHECK_THAT(message, Catch::Contains("hidden size 48"));
  CHECK_THAT(message, Catch::Contains("hidden size 32"));

  // 3. A full DEP directory whose tokenizer lacks the DEP tokens.
  config = w.config("", true);
  config.model.tokenizer = dep::test::fixture("qwen2.5-tokenizer/tokenizer.json");
  message = error_of([&] { dep::load_personalization_model(config.model); });
  CHECK_THAT(message, Catch::Contains("tokenizer without the DEP tokens"));
  CHECK_THAT(message, Catch::Contains("tokenizer.json"));
  // ... and a tokenizer whose vocabulary puts them elsewhere cannot be repaired by adding them.
  const std::string small = dir + "/small-tokenizer.json";
  auto json = nlohmann::json::parse(dep::read_file(dep::test::fixture("qwen2.5-tokenizer/tokenizer.json")));
  json["added_tokens"].push_back({{"id", 151665}, {"content", "<extra>"}, {"single_word", false}, {"lstrip", false},
                                  {"rstrip", false}, {"normalized", false}, {"special", true}});
  dep::write_file_atomic(small, json.dump());
  config.model.tokenizer = small;
  config.model.add_dep_tokens = dep::AddDepTokens::kAlways;
  message = error_of([&] { dep::load_personalization_model(config.model); });
  CHECK_THAT(message, Catch::Contains("tokenizer without the DEP tokens at their reference ids"));
  CHECK_THAT(message, Catch::Contains("[HIS_TOKEN_0]: id 151666"));
}

TEST_CASE("generate: model.adapter=none runs the decoder alone on baseline prompts", "[generate]") {
  // Non-Perso: the item-only prompt, no placeholders, no embeddings. The text must be what the
  // engine makes of the prompt ids alone with the sample's seed.
  const auto& w = tiny_world();
  auto config = w.config("", false);
  config.model.adapter = dep::kNoAdapter;
  config.embeddings.clear();
  config.data.prompt.variant = "item_only";
  const auto model = dep::load_personalization_model(config.model);
  CHECK(model.origin.layout == dep::CheckpointLayout::kDecoderOnly);
  CHECK(!model.adapter());
  CHECK(model.llm().vocab_size() == 151936);  // no resize: the base model as it is
  const auto data = dep::load_dep_data(config.data, dep::DepSplit::kTest);
  dep::DepSampleBuilder builder(config.data, data, dep::encoder_of(*model.tokenizer()), nullptr);
  std::vector<dep::DepSample> samples;
  for (const auto& row : data.rows) samples.push_back(builder.build(row, false));
  std::vector<const dep::DepSample*> ptrs;
  for (const auto& s : samples) ptrs.push_back(&s);
  dep::ReviewGenerator generator(model, config.sampling, config.engine);
  const auto results = generator.generate(ptrs);
  for (const auto& r : generator.requests(ptrs)) CHECK(!r.soft_vectors.defined());
  dep::EngineOptions options;
  const auto& sampling = generator.sampling();  // the config's values, the model's where unset
  options.stop_ids = sampling.stop_ids;
  for (size_t i = 0; i < samples.size(); ++i) {
    INFO(samples[i].sample_id);
    dep::GenerationRequest r;
    r.prompt_ids = samples[i].input_ids;
    r.max_new_tokens = sampling.max_new_tokens;
    r.sampling.do_sample = *sampling.do_sample;
    r.sampling.temperature = *sampling.temperature;
    r.sampling.top_p = *sampling.top_p;
    r.sampling.top_k = *sampling.top_k;
    r.sampling.repetition_penalty = *sampling.repetition_penalty;
    r.sampling.seed = dep::ReviewGenerator::sample_seed(sampling.seed, samples[i].sample_id);
    r.stop_ids = sampling.stop_ids;
    const auto direct = dep::GenerationEngine(model.llm(), options).generate({r})[0];
    CHECK(results[i].generated_tokens == static_cast<int64_t>(direct.tokens.size()));
    auto ids = direct.tokens;
    if (direct.finish == dep::FinishReason::kStop) ids.pop_back();
    CHECK(results[i].prediction == dep::python_strip(model.tokenizer()->decode(ids, true)));
  }

  // A DEP prompt (placeholders) without an adapter is refused, naming the sample. The full
  // directory's tokenizer has the DEP tokens, so its DEP prompts carry placeholders.
  auto dep_config = w.config("", true);
  dep_config.model.adapter = dep::kNoAdapter;
  const auto embeddings = dep::open_review_embeddings(dep_config.embeddings);
  const auto dep_model = dep::load_personalization_model(dep_config.model);
  const auto dep_data = dep::load_dep_data(dep_config.data, dep::DepSplit::kTest);
  dep::DepSampleBuilder dep_builder(dep_config.data, dep_data, dep::encoder_of(*dep_model.tokenizer()), embeddings.get());
  const auto with_placeholders = dep_builder.build(dep_data.rows.front(), false);
  REQUIRE(with_placeholders.his_positions.at(0) >= 0);
  dep::ReviewGenerator dep_generator(dep_model, dep_config.sampling, dep_config.engine);
  const auto message = error_of([&] { dep_generator.generate({&with_placeholders}); });
  CHECK_THAT(message, Catch::Contains(with_placeholders.sample_id));
  CHECK_THAT(message, Catch::Contains("model.adapter is \"none\""));
}

TEST_CASE("the training forward and the generation prefill inject the soft prompt identically",
          "[generate][injection]") {
  const auto& w = tiny_world();
  const auto config = w.config("", true);
  const auto model = dep::load_personalization_model(config.model);
  REQUIRE(model.llm().dtype() == torch::kFloat32);
  REQUIRE(model.adapter());
  Samples samples(config, model);
  const dep::DepSample& sample = samples.samples.front();
  REQUIRE(sample.his_positions.at(0) >= 0);
  torch::NoGradGuard no_grad;

  // The training forward: the sample collated as a batch, adapter → injection → decoder.
  const auto batch = dep::collate_samples({&sample}, "test");
  const auto training = model.logits(batch).to(torch::kFloat32);

  // The generation prefill: the engine's request for the same sample, prefilled as the engine does.
  const auto request = dep::ReviewGenerator(model, config.sampling, config.engine).requests({&sample}).at(0);
  REQUIRE(!request.placeholder_ids.empty());
  const auto length = static_cast<int64_t>(request.prompt_ids.size());
  auto cache = model.llm().make_cache(1, length);
  const auto prefill = dep::prefill_request(model.llm(), request, cache, /*last_only=*/false).to(torch::kFloat32);
  REQUIRE(prefill.sizes() == training.sizes());
  CHECK((prefill - training).abs().max().item<double>() <= 1e-6);

  // The soft prompt matters: without it the prefill's logits differ.
  auto plain = request;
  plain.placeholder_ids.clear();
  plain.soft_vectors = torch::Tensor();
  cache.clear();
  const auto without = dep::prefill_request(model.llm(), plain, cache, false).to(torch::kFloat32);
  CHECK((without - training).abs().max().item<double>() > 1e-4);
}

TEST_CASE("generate: a PPlug adapter file generates end to end with its two soft tokens", "[generate][pplug]") {
  const auto& w = tiny_world();
  const std::string dir = dep::test::scratch_dir("generate_pplug");
  auto config = w.config(dir + "/out", false);
  config.data.prompt.variant = "pplug";
  // The world's user rows plus one task vector per item (item/<asin>), as a PPlug store holds.
  const auto data = dep::load_dep_data(config.data, dep::DepSplit::kTest);
  dep::NamedTensors rows;
  for (auto& [name, t] : dep::load_safetensors(w.embeddings)) rows.emplace_back(name, t);
  const int64_t dim = rows.front().second.size(1);
  torch::manual_seed(9);
  for (const auto& [asin, meta] : data.meta) {
    auto v = torch::randn({1, dim});
    rows.emplace_back(dep::pplug_task_key(asin), v / v.norm());
  }
  config.embeddings = dir + "/embeddings.safetensors";
  dep::save_safetensors(config.embeddings, rows);
  dep::PplugConfig pplug;
  pplug.embedding_dim = dim;
  config.model.adapter = dir + "/pplug.safetensors";
  dep::save_adapter(config.model.adapter, dep::PplugAdapter(pplug, 32));

  const auto model = dep::load_personalization_model(config.model);
  REQUIRE(model.adapter()->method() == "pplug");
  Samples s(config, model);
  const auto ptrs = s.pointers(s.all());
  REQUIRE(ptrs.front()->pplug_rows > 0);
  dep::ReviewGenerator generator(model, config.sampling, config.engine);
  const auto requests = generator.requests(ptrs);
  const auto ids = model.placeholder_ids({"[HIS_TOKEN_0]", "[HIS_TOKEN_1]"});
  for (size_t i = 0; i < requests.size(); ++i) {
    REQUIRE(requests[i].soft_vectors.size(0) == 2);
    CHECK(requests[i].placeholder_ids == ids);
    // Both tokens are in the prompt, once each.
    for (auto id : ids) CHECK(std::count(ptrs[i]->input_ids.begin(), ptrs[i]->input_ids.end(), id) == 1);
  }
  // Personal vectors differ between users (their histories differ); the instruction vector does not.
  CHECK(torch::equal(requests[0].soft_vectors[0], requests[1].soft_vectors[0]));
  CHECK_FALSE(torch::allclose(requests[0].soft_vectors[1], requests[1].soft_vectors[1]));

  const auto summary = dep::run_generation(config, dep::Shard{});
  CHECK(summary.complete);
  CHECK(summary.generated == w.test_samples);
  std::ifstream lines(config.output.dir + "/generations.jsonl");
  int64_t n = 0;
  for (std::string line; std::getline(lines, line);) n += !line.empty();
  CHECK(n >= w.test_samples);
}
