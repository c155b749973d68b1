// Stop ids and sampling defaults from the model's generation_config.json: the config's values win,
// unset ones take the file's, else the reference's; without the file the tokenizer's eos tokens stop.
#include <catch2/catch.hpp>

#include <memory>
#include <nlohmann/json.hpp>

#include "dep/core/atomic_file.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/generate/generate_config.h"
#include "dep/generate/checkpoint_loader.h"
#include "dep/text/bpe_tokenizer.h"
#include "dep/generate/review_generator.h"
#include "test_paths.h"

namespace {

// What the sampling settings read of a model: its generation_config.json and its tokenizer
// (Qwen2.5's: <|im_end|> 151645, <|endoftext|> 151643).
dep::ModelDecodingDefaults model_in(const std::string& dir) {
  static const auto tokenizer =
      std::make_shared<dep::BpeTokenizer>(dep::BpeTokenizer::load(dep::test::fixture("qwen2.5-tokenizer/tokenizer.json")));
  dep::ModelDecodingDefaults model;
  model.tokenizer = tokenizer;
  model.generation_config = dep::read_model_generation_config(dir);
  return model;
}

std::string model_dir(const std::string& name, const std::string& generation_config) {
  const auto dir = dep::test::scratch_dir("sampling-defaults-" + name);
  if (!generation_config.empty()) dep::write_file_atomic(dir + "/generation_config.json", generation_config);
  return dir;
}

// Qwen2.5-7B-Instruct's generation_config.json.
constexpr const char* kQwenInstruct = R"({"bos_token_id": 151643, "pad_token_id": 151643, "do_sample": true,
  "eos_token_id": [151645, 151643], "repetition_penalty": 1.05, "temperature": 0.7, "top_p": 0.8, "top_k": 20})";

}  // namespace

TEST_CASE("sampling: without generation_config.json, the tokenizer's eos tokens and the reference's values",
          "[generate][sampling]") {
  const auto model = model_in(model_dir("none", ""));
  CHECK(model.generation_config.source.empty());
  const auto s = dep::effective_sampling(dep::GenerateSamplingConfig{}, model);
  CHECK(s.stop_ids == std::vector<int64_t>{151645, 151643});
  CHECK(*s.do_sample);
  CHECK(*s.temperature == Approx(0.8));
  CHECK(*s.top_p == Approx(0.95));
  CHECK(*s.top_k == 0);
  CHECK(*s.repetition_penalty == Approx(1.0));
  CHECK_THAT(dep::describe_sampling(dep::GenerateSamplingConfig{}, model),
             Catch::Contains("stop ids [151645,151643] (the tokenizer's") && Catch::Contains("reference default"));
}

TEST_CASE("sampling: generation_config.json gives the stop ids and the unset sampling fields", "[generate][sampling]") {
  const auto model = model_in(model_dir("qwen", kQwenInstruct));
  CHECK_THAT(model.generation_config.source, Catch::EndsWith("generation_config.json"));
  const auto s = dep::effective_sampling(dep::GenerateSamplingConfig{}, model);
  CHECK(s.stop_ids == std::vector<int64_t>{151645, 151643});
  CHECK(*s.do_sample);
  CHECK(*s.temperature == Approx(0.7));
  CHECK(*s.top_p == Approx(0.8));
  CHECK(*s.top_k == 20);
  CHECK(*s.repetition_penalty == Approx(1.05));

  // A single eos id (an int), and a file that sets only some keys: the rest are the reference's.
  const auto partial = model_in(model_dir("partial", R"({"eos_token_id": 7, "do_sample": false})"));
  const auto p = dep::effective_sampling(dep::GenerateSamplingConfig{}, partial);
  CHECK(p.stop_ids == std::vector<int64_t>{7});
  CHECK_FALSE(*p.do_sample);
  CHECK(*p.temperature == Approx(0.8));
  CHECK(*p.top_p == Approx(0.95));
  CHECK_THAT(dep::describe_sampling(dep::GenerateSamplingConfig{}, partial),
             Catch::Contains("do_sample false (generation_config.json)") &&
                 Catch::Contains("temperature 0.8 (reference default)"));
}

TEST_CASE("sampling: the config's explicit values win over generation_config.json", "[generate][sampling]") {
  const auto model = model_in(model_dir("override", kQwenInstruct));
  // configs/generate.json's form: the reference's values, stop ids from the model.
  const auto config = dep::parse_config<dep::GenerateConfig>(
      nlohmann::json::parse(R"({"sampling": {"do_sample": true, "temperature": 0.8, "top_p": 0.95, "top_k": 0,
                                             "repetition_penalty": 1.0, "stop_ids": []}})"),
      "generate.json");
  const auto s = dep::effective_sampling(config.sampling, model);
  CHECK(*s.temperature == Approx(0.8));
  CHECK(*s.top_p == Approx(0.95));
  CHECK(*s.top_k == 0);
  CHECK(*s.repetition_penalty == Approx(1.0));
  CHECK(s.stop_ids == std::vector<int64_t>{151645, 151643});
  dep::GenerateSamplingConfig user;
  user.stop_ids = {5};
  user.do_sample = false;
  const auto u = dep::effective_sampling(user, model);
  CHECK(u.stop_ids == std::vector<int64_t>{5});
  CHECK_FALSE(*u.do_sample);
  CHECK(*u.temperature == Approx(0.7));  // still unset in the config: the file's
  CHECK_THAT(dep::describe_sampling(user, model),
             Catch::Contains("stop ids [5] (config)") && Catch::Contains("do_sample false (config)"));
}

TEST_CASE("sampling: unset is null in the config, and a bad value in generation_config.json names the file",
          "[generate][sampling]") {
  auto config = dep::parse_config<dep::GenerateConfig>(
      nlohmann::json::parse(R"({"sampling": {"temperature": 0.5, "top_k": null}})"), "generate.json");
  CHECK(config.sampling.temperature == 0.5);
  CHECK_FALSE(config.sampling.top_k.has_value());
  CHECK_FALSE(config.sampling.top_p.has_value());
  const auto dumped = dep::config_to_json(config);
  CHECK(dumped["sampling"]["temperature"] == 0.5);
  CHECK(dumped["sampling"]["top_k"].is_null());
  CHECK(dumped["sampling"]["stop_ids"] == nlohmann::json::array());
  // The dump reads back to the same config; a bad value is still an error naming the key.
  const auto again = dep::parse_config<dep::GenerateConfig>(nlohmann::json::parse(dumped.dump()), "dump");
  CHECK(again.sampling.temperature == 0.5);
  CHECK_FALSE(again.sampling.top_k.has_value());
  CHECK_THROWS_WITH(dep::parse_config<dep::GenerateConfig>(nlohmann::json::parse(R"({"sampling": {"top_p": 2}})"), "g.json"),
                    Catch::Contains("sampling.top_p"));
  CHECK_THROWS_WITH(dep::parse_config<dep::GenerateConfig>(nlohmann::json::parse(R"({"sampling": {"top_k": "x"}})"), "g.json"),
                    Catch::Contains("sampling.top_k"));

  const auto bad = model_in(model_dir("bad", R"({"top_p": 1.5})"));
  CHECK_THROWS_WITH(dep::effective_sampling(dep::GenerateSamplingConfig{}, bad), Catch::Contains("generation_config.json"));
  const auto typo = model_dir("typo", R"({"eos_token_id": "x"})");
  CHECK_THROWS_WITH(dep::read_model_generation_config(typo), Catch::Contains("eos_token_id"));
}

TEST_CASE("sampling: an integer in generation_config.json written as a float names the key",
          "[generate][sampling][reliability]") {
  // get<int64_t>() would cast 1.2e22 out of range (undefined behaviour) and truncate 2.5.
  const auto bad_input_naming = [](const std::string& text) {
    return Catch::Predicate<dep::Error>([text](const dep::Error& e) {
      const std::string what = e.what();
      return e.kind() == dep::ErrorKind::kBadInput && what.find("generation_config.json") != std::string::npos &&
             what.find(text) != std::string::npos;
    }, "a bad-input error naming generation_config.json and \"" + text + "\"");
  };
  for (const char* bad : {"1.2e22", "2.5"}) {
    CAPTURE(bad);
    const std::string value(bad);
    CHECK_THROWS_MATCHES(dep::read_model_generation_config(model_dir("eos-scalar", R"({"eos_token_id": )" + value + "}")),
                         dep::Error, bad_input_naming("'eos_token_id' has the wrong type"));
    // Every element of the list is checked, not only the first.
    CHECK_THROWS_MATCHES(
        dep::read_model_generation_config(model_dir("eos-list", R"({"eos_token_id": [151645, )" + value + "]}")),
        dep::Error, bad_input_naming("'eos_token_id' entry 1 has the wrong type"));
    CHECK_THROWS_MATCHES(dep::read_model_generation_config(model_dir("top-k", R"({"top_k": )" + value + "}")),
                         dep::Error, bad_input_naming("'top_k' has the wrong type"));
  }
  const auto good = dep::read_model_generation_config(model_dir("eos-good", R"({"eos_token_id": [151645, 151643], "top_k": 20})"));
  CHECK(good.eos_token_ids == std::vector<int64_t>{151645, 151643});
  CHECK(good.top_k == 20);
}
