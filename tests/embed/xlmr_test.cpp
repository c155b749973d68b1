// XLM-RoBERTa encoder: parity with the tiny-xlmr fixture, padding/batch invariance, checkpoint
// name variants and loader errors.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <filesystem>

#include "dep/core/error.h"
#include "dep/torch/tensor_io.h"
#include "dep/embed/xlmr.h"
#include "test_paths.h"

namespace {

// Max |a - b| over the real (unmasked) token rows only.
double max_abs_error_real_rows(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask) {
  const torch::Tensor keep = mask.ne(0).unsqueeze(-1).to(torch::kFloat32);
  return ((a.to(torch::kFloat32) - b.to(torch::kFloat32)).abs() * keep).max().item<double>();
}

std::map<std::string, torch::Tensor> reference() {
  return dep::load_safetensors(dep::test::fixture("tiny-xlmr/reference.safetensors"));
}

}  // namespace

TEST_CASE("tiny-xlmr fp32 matches the fixture's hidden states and dense embeddings", "[xlmr][fixtures]") {
  const auto ref = reference();
  const auto encoder = dep::XlmrEncoder::load(dep::test::fixture("tiny-xlmr"));
  const auto out = encoder.forward(ref.at("input_ids"), ref.at("attention_mask"));
  REQUIRE(out.last_hidden_state.sizes() == ref.at("last_hidden_state").sizes());
  const double hidden_err =
      max_abs_error_real_rows(out.last_hidden_state, ref.at("last_hidden_state"), ref.at("attention_mask"));
  const double dense_err = (out.dense_embedding - ref.at("dense_embedding")).abs().max().item<double>();
  INFO("hidden max abs error " << hidden_err << ", dense " << dense_err);
  CHECK(hidden_err <= 1e-4);
  CHECK(dense_err <= 1e-4);
  const torch::Tensor norms = out.dense_embedding.norm(2, -1);
  CHECK((norms - 1).abs().max().item<double>() < 1e-5);
}

TEST_CASE("a text alone and inside a padded batch gets the same embedding", "[xlmr][fixtures]") {
  const auto ref = reference();
  const auto encoder = dep::XlmrEncoder::load(dep::test::fixture("tiny-xlmr"));
  const torch::Tensor ids = ref.at("input_ids"), mask = ref.at("attention_mask");
  const auto batch = encoder.forward(ids, mask);
  // Reverse the batch order and add 5 extra pad columns: nothing may change for real tokens.
  const torch::Tensor padded_ids = torch::cat({ids.flip(0), torch::ones({ids.size(0), 5}, ids.options())}, 1);
  const torch::Tensor padded_mask = torch::cat({mask.flip(0), torch::zeros({mask.size(0), 5}, mask.options())}, 1);
  const auto shuffled = encoder.forward(padded_ids, padded_mask);
  CHECK((shuffled.dense_embedding.flip(0) - batch.dense_embedding).abs().max().item<double>() <= 1e-5);
  for (int64_t b = 0; b < ids.size(0); ++b) {
    const int64_t len = mask[b].sum().item<int64_t>();
    const auto alone = encoder.forward(ids[b].slice(0, 0, len).unsqueeze(0), mask[b].slice(0, 0, len).unsqueeze(0));
    const double dense_err = (alone.dense_embedding[0] - batch.dense_embedding[b]).abs().max().item<double>();
    const double hidden_err =
        (alone.last_hidden_state[0] - batch.last_hidden_state[b].slice(0, 0, len)).abs().max().item<double>();
    INFO("row " << b << " length " << len);
    CHECK(dense_err <= 1e-5);
    CHECK(hidden_err <= 1e-5);
  }
}

TEST_CASE("bf16 and fp16 speed modes stay close to fp32", "[xlmr][fixtures]") {
  const auto ref = reference();
  for (auto dtype : {torch::kBFloat16, torch::kFloat16}) {
    dep::XlmrLoadOptions options;
    options.dtype = dtype;
    const auto encoder = dep::XlmrEncoder::load(dep::test::fixture("tiny-xlmr"), options);
    const auto out = encoder.forward(ref.at("input_ids"), ref.at("attention_mask"));
    CHECK(out.last_hidden_state.scalar_type() == dtype);
    CHECK(out.dense_embedding.scalar_type() == torch::kFloat32);
    // Cosine similarity to the fp32 reference vectors (both unit length).
    const torch::Tensor cosine = (out.dense_embedding * ref.at("dense_embedding")).sum(-1);
    INFO("dtype " << c10::toString(dtype) << " min cosine " << cosine.min().item<double>());
    CHECK(cosine.min().item<double>() > 0.99);
  }
}
