// dep-model end to end on tiny-qwen2: logits and greedy files match the fixture; bad inputs give
// exit code 2 and name the tensor.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cstdlib>
#include <sys/wait.h>

#include "dep/core/atomic_file.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"

namespace {

struct Run {
  int code;
  std::string err;
};

Run run_tool(const std::string& args, const std::string& dir) {
  const std::string err_path = dir + "/stderr.txt";
  const std::string cmd = dep::test::binary("dep-model") + " " + args + " 2> " + err_path;
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, dep::read_file(err_path)};
}

}  // namespace

TEST_CASE("dep-model logits and greedy match the tiny-qwen2 reference", "[dep-model][cli]") {
  const auto dir = dep::test::scratch_dir("dep-model-cli");
  auto ref = dep::load_safetensors(dep::test::fixture("tiny-qwen2/reference.safetensors"));
  dep::save_safetensors(dir + "/in.safetensors",
                        {{"input_ids", ref.at("input_ids")}, {"attention_mask", ref.at("attention_mask")}});
  const std::string common = "--model " + dep::test::fixture("tiny-qwen2") + " --input " + dir + "/in.safetensors";

  auto logits_run = run_tool("logits " + common + " --output " + dir + "/logits.safetensors --threads 1", dir);
  REQUIRE(logits_run.code == 0);
  auto logits = dep::load_safetensors(dir + "/logits.safetensors").at("logits");
  REQUIRE(logits.scalar_type() == torch::kFloat32);
  REQUIRE(logits.sizes() == ref.at("logits").sizes());
  auto real = ref.at("attention_mask").to(torch::kBool).unsqueeze(-1);
  CHECK((logits - ref.at("logits")).abs().masked_fill(real.logical_not(), 0).max().item<double>() <= 1e-3);

  auto greedy_run = run_tool("greedy " + common + " --output " + dir + "/greedy.safetensors --max-new-tokens 12", dir);
  REQUIRE(greedy_run.code == 0);
  auto tokens = dep::load_safetensors(dir + "/greedy.safetensors").at("tokens");
  CHECK(tokens.scalar_type() == torch::kLong);
  CHECK(torch::equal(tokens, ref.at("greedy_tokens")));

  auto bf16_run = run_tool("logits " + common + " --output " + dir + "/bf16.safetensors --dtype bf16", dir);
  REQUIRE(bf16_run.code == 0);
  CHECK(dep::load_safetensors(dir + "/bf16.safetensors").at("logits").scalar_type() == torch::kFloat32);
}

TEST_CASE("dep-model names the missing or mis-shaped input tensor", "[dep-model][cli]") {
  const auto dir = dep::test::scratch_dir("dep-model-cli-errors");
  const std::string model = "--model " + dep::test::fixture("tiny-qwen2");
  dep::save_safetensors(dir + "/no_ids.safetensors", {{"tokens", torch::zeros({1, 3}, torch::kLong)}});
  auto missing = run_tool("logits " + model + " --input " + dir + "/no_ids.safetensors --output " + dir + "/o.safetensors", dir);
  CHECK(missing.code == 2);
  CHECK_THAT(missing.err, Catch::Contains("input_ids") && Catch::Contains("missing"));

  dep::save_safetensors(dir + "/bad_mask.safetensors",
                        {{"input_ids", torch::zeros({2, 3}, torch::kLong)}, {"attention_mask", torch::ones({2, 4}, torch::kLong)}});
  auto bad = run_tool("greedy " + model + " --input " + dir + "/bad_mask.safetensors --output " + dir + "/o.safetensors", dir);
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Contains("attention_mask") && Catch::Contains("[2, 4]"));

  dep::save_safetensors(dir + "/float_ids.safetensors", {{"input_ids", torch::zeros({2, 3})}});
  auto wrong_type = run_tool("logits " + model + " --input " + dir + "/float_ids.safetensors --output " + dir + "/o.safetensors", dir);
  CHECK(wrong_type.code == 2);
  CHECK_THAT(wrong_type.err, Catch::Contains("input_ids"));

  auto no_model = run_tool("logits --model " + dir + " --input " + dir + "/no_ids.safetensors --output " + dir + "/o.safetensors", dir);
  CHECK(no_model.code == 2);
  CHECK_THAT(no_model.err, Catch::Contains("config.json"));
}
