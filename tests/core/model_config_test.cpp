// config.json parsing and the all-at-once tensor check.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/core/model_config.h"
#include "test_paths.h"

TEST_CASE("fixture configs parse with the right sizes", "[model_config]") {
  auto q = dep::Qwen2Config::load(dep::test::fixture("tiny-qwen2"));
  CHECK(q.hidden_size == 64);
  CHECK(q.head_dim == 16);
  CHECK(q.num_key_value_heads == 2);
  CHECK(q.tie_word_embeddings);
  CHECK(q.rope_theta == 1e6);
  auto ckpt = dep::SafetensorsCheckpoint::open(dep::test::fixture("tiny-qwen2"));
  CHECK_NOTHROW(dep::check_tensors(ckpt, dep::qwen2_expected_tensors(q)));

  auto x = dep::XlmrConfig::load(dep::test::fixture("tiny-xlmr"));
  CHECK(x.layer_norm_eps == 1e-5);
  auto xckpt = dep::SafetensorsCheckpoint::open(dep::test::fixture("tiny-xlmr"));
  CHECK(dep::xlmr_tensor_prefix(xckpt).empty());
  CHECK_NOTHROW(dep::check_tensors(xckpt, dep::xlmr_expected_tensors(x)));
}

TEST_CASE("tensor checks list every missing or mis-shaped tensor at once", "[model_config]") {
  auto q = dep::Qwen2Config::load(dep::test::fixture("tiny-qwen2"));
  q.hidden_size = 32;  // every shape now disagrees
  auto ckpt = dep::SafetensorsCheckpoint::open(dep::test::fixture("tiny-qwen2"));
  try {
    dep::check_tensors(ckpt, dep::qwen2_expected_tensors(q));
    FAIL("expected an error");
  } catch (const dep::Error& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("model.embed_tokens.weight: expected [1000, 32], found [1000, 64]"));
    CHECK_THAT(msg, Catch::Contains("model.norm.weight: expected [32], found [64]"));
    CHECK_THAT(msg, Catch::Contains("model.safetensors"));
  }
  q = dep::Qwen2Config::load(dep::test::fixture("tiny-qwen2"));
  q.num_hidden_layers = 3;
  CHECK_THROWS_WITH(dep::check_tensors(ckpt, dep::qwen2_expected_tensors(q)),
                    Catch::Contains("model.layers.2.input_layernorm.weight: missing"));
}

TEST_CASE("bad config.json values are rejected with the key", "[model_config]") {
  nlohmann::json j = {{"model_type", "qwen2"}, {"hidden_size", 64}, {"num_attention_heads", 4},
                      {"num_key_value_heads", 3}};
  CHECK_THROWS_WITH(dep::Qwen2Config::from_json(j, "c.json"), Catch::Contains("not a multiple of num_key_value_heads"));
  j = {{"hidden_size", "big"}};
  CHECK_THROWS_WITH(dep::Qwen2Config::from_json(j, "c.json"), Catch::Contains("'hidden_size' has the wrong type"));
  // Integers written as floats or beyond 64 bits (found by fuzz_config under UBSan: get<int64_t>()
  // cast 1.2e22 out of range) are refused, not converted.
  for (const char* text : {R"({"num_attention_heads": 1.2e22})", R"({"num_attention_heads": 18446744073709551616})",
                           R"({"num_attention_heads": 9223372036854775808})", R"({"num_attention_heads": 4.5})"}) {
    CAPTURE(text);
    CHECK_THROWS_WITH(dep::XlmrConfig::from_json(dep::parse_json(text, "c.json"), "c.json"),
                      Catch::Contains("'num_attention_heads' has the wrong type: expected an integer within 64 bits"));
  }
}
