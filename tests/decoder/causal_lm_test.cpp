// The CausalLM seam: the registry picks Qwen2 from config.json's model_type and refuses unknown
// types in one line; the interface's forward equals the implementation's; caches are sized by
// layers, KV heads and head dim alone.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "dep/core/error.h"
#include "dep/decoder/causal_lm.h"
#include "dep/decoder/qwen2.h"
#include "test_paths.h"

TEST_CASE("load_causal_lm picks Qwen2 by model_type and matches loading it directly", "[causal_lm]") {
  const std::string dir = dep::test::fixture("tiny-qwen2");
  CHECK(dep::supported_causal_lm_types() == std::vector<std::string>{"qwen2"});
  const auto lm = dep::load_causal_lm(dir, torch::kFloat32);
  REQUIRE(dynamic_cast<const dep::Qwen2Model*>(lm.get()) != nullptr);
  const auto direct = dep::Qwen2Model::load(dir, torch::kFloat32);
  const auto shape = lm->shape();
  CHECK(shape.model_type == "qwen2");
  CHECK(shape.hidden_size == direct.config().hidden_size);
  CHECK(shape.vocab_size == direct.config().vocab_size);
  CHECK(shape.num_layers == direct.config().num_hidden_layers);
  CHECK(shape.num_heads == direct.config().num_attention_heads);
  CHECK(shape.num_kv_heads == direct.config().num_key_value_heads);
  CHECK(shape.head_dim == direct.config().head_dim);
  CHECK(shape.dtype == torch::kFloat32);
  CHECK(shape.device.is_cpu());
  torch::NoGradGuard no_grad;
  auto ids = torch::tensor({{5, 6, 7, 8}}, torch::kLong);
  CHECK(torch::equal(lm->forward_ids(ids), direct.forward_ids(ids)));
  // The lm head on chosen rows equals the same rows of the full logits (up to matmul blocking).
  auto hidden = lm->hidden_states(lm->embed_tokens(ids));
  const auto chosen = lm->lm_head(hidden.select(1, 2));
  CHECK((chosen - lm->forward_ids(ids).select(1, 2)).abs().max().item<double>() <= 1e-5);
}

TEST_CASE("an unknown model_type is one error naming the file and the supported types", "[causal_lm]") {
  const std::string dir = dep::test::scratch_dir("causal_lm_unknown");
  std::ofstream(dir + "/config.json") << R"({"model_type": "llama", "hidden_size": 8})";
  try {
    dep::load_causal_lm(dir);
    FAIL("no error");
  } catch (const dep::Error& e) {
    CHECK_THAT(e.where(), Catch::Contains("config.json"));
    CHECK_THAT(e.message(), Catch::Contains("'llama'") && Catch::Contains("qwen2"));
    CHECK(std::string(e.message()).find('\n') == std::string::npos);
  }
}

TEST_CASE("a KV cache is sized by layers, KV heads and head dim", "[causal_lm]") {
  dep::KvCache cache(3, 2, 4, /*rows=*/2, /*capacity=*/5, torch::kFloat32, torch::kCPU);
  CHECK(cache.num_layers() == 3);
  CHECK(cache.rows() == 2);
  CHECK(cache.capacity() == 5);
  auto step = cache.begin_step(1, 2, {});
  auto [k, v] = cache.append(0, step, torch::ones({1, 2, 2, 4}), torch::ones({1, 2, 2, 4}));
  CHECK(k.sizes().vec() == std::vector<int64_t>{1, 2, 2, 4});
  CHECK(cache.length(0) == 2);
  CHECK_THROWS_AS(dep::KvCache(0, 2, 4, 1, 1, torch::kFloat32, torch::kCPU), dep::Error);
  // The model's own cache has its shape.
  const auto lm = dep::load_causal_lm(dep::test::fixture("tiny-qwen2"), torch::kFloat32);
  CHECK(lm->make_cache(1, 4).num_layers() == lm->shape().num_layers);
}
