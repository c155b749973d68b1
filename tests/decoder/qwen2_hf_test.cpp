// Live cross-checks against Hugging Face transformers' Qwen2ForCausalLM: random tiny models (GQA/MQA/
// MHA, explicit head_dim, tied/untied, single/sharded files) made by hf_qwen2_reference.py.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "dep/decoder/engine.h"
#include "dep/decoder/qwen2.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"

namespace {

std::string venv_python() {
  const char* venv = std::getenv("DEP_VENV");
  return std::string(venv != nullptr && *venv != '\0' ? venv : DEP_SOURCE_DIR "/.venv") + "/bin/python3";
}

// Runs the reference script once per test process; returns the directory of model folders. The
// directory is per process: ctest -j runs this binary's cases side by side, and one process must
// not read the manifest while another rewrites it.
const std::string& hf_models() {
  static const std::string dir = [] {
    const std::string out = dep::test::scratch_dir("hf-qwen2-" + std::to_string(::getpid()));
    const std::string cmd = venv_python() + " " DEP_SOURCE_DIR "/tests/decoder/hf_qwen2_reference.py " + out +
                            " 1234 > " + out + "/log.txt 2>&1";
    if (std::system(cmd.c_str()) != 0) FAIL("reference script failed: " << cmd << " (see " << out << "/log.txt)");
    return out;
  }();
  return dir;
}

std::vector<std::string> model_names() {
  std::ifstream in(hf_models() + "/manifest.json");
  auto json = nlohmann::json::parse(in);
  return json.get<std::vector<std::string>>();
}

double masked_max_error(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask) {
  auto real = mask.to(torch::kBool).unsqueeze(-1);
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().masked_fill(real.logical_not(), 0).max().item<double>();
}

}  // namespace

TEST_CASE("random tiny Qwen2 configs match transformers logits and greedy tokens", "[qwen2][hf][live]") {
  const auto names = model_names();
  REQUIRE(names.size() >= 4);
  for (const auto& name : names) {
    const std::string dir = hf_models() + "/" + name;
    auto ref = dep::load_safetensors(dir + "/reference.safetensors");
    for (auto backend : {dep::AttentionBackend::kEager, dep::default_attention_backend()}) {
      auto model = dep::Qwen2Model::load(dir, torch::kFloat32);
      model.attention = backend;
      INFO(name << " backend " << static_cast<int>(backend));
      CHECK(model.tied_lm_head() == (name.find("_tied") != std::string::npos));
      torch::NoGradGuard no_grad;
      auto logits = model.forward_ids(ref.at("input_ids"), ref.at("attention_mask"));
      const double scale = ref.at("logits").abs().max().item<double>();
      const double err = masked_max_error(logits, ref.at("logits"), ref.at("attention_mask"));
      INFO("max abs error " << err << " (max |logit| " << scale << ")");
      CHECK(err <= 1e-4 * std::max(1.0, scale));
      auto tokens = dep::greedy_continuation(model, ref.at("input_ids"), ref.at("attention_mask"), 8);
      CHECK(torch::equal(tokens, ref.at("greedy_tokens")));
    }
  }
}

TEST_CASE("seeded sampling reproduces transformers' generate draws", "[qwen2][hf][live][sampling]") {
  // HF: torch.manual_seed(4321) then generate(do_sample, T 0.7, top-k 20, top-p 0.8, penalty 1.3).
  // Same processors in the same order and the same CPU generator stream give the same tokens.
  int matched = 0;
  const auto names = model_names();
  for (const auto& name : names) {
    const std::string dir = hf_models() + "/" + name;
    auto ref = dep::load_safetensors(dir + "/reference.safetensors");
    auto model = dep::Qwen2Model::load(dir, torch::kFloat32);
    dep::GenerationRequest r;
    auto row = ref.at("input_ids")[0].contiguous();
    r.prompt_ids.assign(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
    r.max_new_tokens = 12;
    r.sampling = {true, 0.7, 20, 0.8, 1.3, 4321};
    dep::GenerationEngine engine(model, {1, {}});
    auto tokens = engine.generate({r})[0].tokens;
    auto expected = ref.at("sampled_tokens")[0];
    std::vector<int64_t> want(expected.data_ptr<int64_t>(), expected.data_ptr<int64_t>() + expected.numel());
    INFO(name);
    CHECK(tokens == want);
    matched += tokens == want ? 1 : 0;
  }
  CHECK(matched == static_cast<int>(names.size()));
}

TEST_CASE("resize_token_embeddings keeps rows and adds them like transformers' mean resizing", "[qwen2][hf][live]") {
  for (const auto& name : model_names()) {
    const std::string dir = hf_models() + "/" + name;
    auto ref = dep::load_safetensors(dir + "/reference.safetensors");
    auto model = dep::Qwen2Model::load(dir, torch::kFloat32);
    auto before = model.embedding_weight().clone();
    auto head_before = model.lm_head_weight().clone();
    model.resize_token_embeddings(311, 5);
    INFO(name);
    REQUIRE(model.config().vocab_size == 311);
    REQUIRE(model.embedding_weight().size(0) == 311);
    CHECK(torch::equal(model.embedding_weight().narrow(0, 0, 301), before));
    CHECK_FALSE(model.embedding_weight().requires_grad());
    // HF draws from N(mean, 1e-9 cov): both sides sit within ~1e-5 of the old rows' mean.
    auto added = model.embedding_weight().narrow(0, 301, 10);
    CHECK((added - ref.at("resized_embed")).abs().max().item<double>() <= 1e-4);
    CHECK((added - before.mean(0)).abs().max().item<double>() <= 1e-4);
    CHECK_FALSE(torch::equal(added[0], added[1]));  // drawn, not copied
    if (model.tied_lm_head()) {
      CHECK(model.lm_head_weight().data_ptr() == model.embedding_weight().data_ptr());
    } else {
      CHECK(torch::equal(model.lm_head_weight().narrow(0, 0, 301), head_before));
      CHECK((model.lm_head_weight().narrow(0, 301, 10) - ref.at("resized_lm_head")).abs().max().item<double>() <= 1e-4);
    }
    // Shrinking keeps the first rows; logits follow the new vocabulary.
    model.resize_token_embeddings(200);
    CHECK(torch::equal(model.embedding_weight(), before.narrow(0, 0, 200)));
    torch::NoGradGuard no_grad;
    auto logits = model.forward_ids(torch::tensor({{5, 6, 7}}, torch::kLong));
    CHECK(logits.size(2) == 200);
  }
}

TEST_CASE("same seed gives the same resized rows", "[qwen2][hf][live]") {
  const std::string dir = hf_models() + "/" + model_names().front();
  auto a = dep::Qwen2Model::load(dir, torch::kFloat32);
  auto b = dep::Qwen2Model::load(dir, torch::kFloat32);
  a.resize_token_embeddings(320, 9);
  b.resize_token_embeddings(320, 9);
  CHECK(torch::equal(a.embedding_weight(), b.embedding_weight()));
}
