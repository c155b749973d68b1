// Parity of the Qwen2 decoder with ../shared/fixtures/tiny-qwen2 (float64 reference from the stored
// BF16 weights): left-padded logits, the soft-prompt loss and gradient, bf16 within a looser bound.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "dep/decoder/qwen2.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"

namespace {

const std::map<std::string, torch::Tensor>& reference() {
  static const auto ref = dep::load_safetensors(dep::test::fixture("tiny-qwen2/reference.safetensors"));
  return ref;
}

// Max |a-b| over the real (unpadded) positions of [B,T,V] logits.
double max_error_on_real(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask) {
  auto real = mask.to(torch::kBool).unsqueeze(-1);
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().masked_fill(real.logical_not(), 0).max().item<double>();
}

// The fixture's soft-prompt loss: mean next-token cross-entropy over labelled positions.
torch::Tensor soft_loss(const dep::Qwen2Model& model, const torch::Tensor& vectors) {
  const auto& ref = reference();
  auto embeds = model.embed_tokens(ref.at("soft_input_ids")).to(torch::kFloat32);
  auto slots = ref.at("soft_slots");
  embeds = embeds.index_put({torch::zeros_like(slots), slots}, vectors.to(embeds.scalar_type()));
  auto logits = model.forward(embeds).to(torch::kFloat32);
  const int64_t T = logits.size(1);
  auto labels = ref.at("soft_labels").narrow(1, 1, T - 1);
  return torch::nn::functional::cross_entropy(
      logits.narrow(1, 0, T - 1).reshape({-1, logits.size(2)}), labels.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100));
}

}  // namespace

TEST_CASE("tiny-qwen2 left-padded logits match the reference in fp32", "[qwen2][fixtures]") {
  const auto& ref = reference();
  for (auto backend : {dep::AttentionBackend::kEager, dep::default_attention_backend()}) {
    auto model = dep::Qwen2Model::load(dep::test::fixture("tiny-qwen2"), torch::kFloat32);
    model.attention = backend;
    CHECK(model.tied_lm_head());
    torch::NoGradGuard no_grad;
    auto logits = model.forward_ids(ref.at("input_ids"), ref.at("attention_mask"));
    REQUIRE(logits.sizes() == ref.at("logits").sizes());
    CHECK(max_error_on_real(logits, ref.at("logits"), ref.at("attention_mask")) <= 1e-3);
    // Explicit positions give the same result as the default cumsum(mask) - 1.
    auto explicit_positions = model.forward_ids(ref.at("input_ids"), ref.at("attention_mask"), ref.at("position_ids"));
    CHECK(torch::equal(explicit_positions, logits));
    // last_only is the last column.
    auto last = model.forward_ids(ref.at("input_ids"), ref.at("attention_mask"), {}, nullptr, true);
    CHECK(torch::allclose(last.squeeze(1), logits.select(1, 15), 1e-5, 1e-5));
  }
}

TEST_CASE("tiny-qwen2 bf16 logits stay within the documented bf16 bound", "[qwen2][fixtures][bf16]") {
  // bf16 carries 8 significant bits: with logits of magnitude ≤ ~10 and two layers, HF's own bf16
  // run differs from the float64 reference by a few tenths; 0.25 · max|logit| bounds ours.
  const auto& ref = reference();
  auto model = dep::Qwen2Model::load(dep::test::fixture("tiny-qwen2"), torch::kBFloat16);
  torch::NoGradGuard no_grad;
  auto logits = model.forward_ids(ref.at("input_ids"), ref.at("attention_mask"));
  CHECK(logits.scalar_type() == torch::kBFloat16);
  const double scale = ref.at("logits").abs().max().item<double>();
  const double err = max_error_on_real(logits, ref.at("logits"), ref.at("attention_mask"));
  INFO("bf16 max abs error " << err << " (max |logit| " << scale << ")");
  CHECK(err <= 0.05 * scale);
  // Argmax agrees on almost every real position.
  auto real = ref.at("attention_mask").to(torch::kBool);
  auto agree = (logits.argmax(-1) == ref.at("logits").argmax(-1)).masked_select(real).to(torch::kFloat32).mean();
  CHECK(agree.item<double>() >= 0.9);
}

TEST_CASE("tiny-qwen2 soft-prompt loss and gradient match the reference", "[qwen2][fixtures][autograd]") {
  const auto& ref = reference();
  auto model = dep::Qwen2Model::load(dep::test::fixture("tiny-qwen2"), torch::kFloat32);
  for (bool checkpointing : {false, true}) {
    model.gradient_checkpointing = checkpointing;
    auto vectors = ref.at("soft_vectors").clone().requires_grad_(true);
    auto loss = soft_loss(model, vectors);
    loss.backward();
    const double expected = ref.at("soft_loss").item<double>();
    CHECK(std::abs(loss.item<double>() - expected) <= 1e-4 * std::abs(expected));
    auto grad = vectors.grad();
    REQUIRE(grad.defined());
    const double rel = ((grad - ref.at("soft_grad")).norm() / ref.at("soft_grad").norm()).item<double>();
    INFO("checkpointing " << checkpointing << ": gradient relative error " << rel);
    CHECK(rel <= 1e-3);
    const double max_rel = ((grad - ref.at("soft_grad")).abs().max() / ref.at("soft_grad").abs().max()).item<double>();
    CHECK(max_rel <= 1e-3);
    // Frozen weights: nothing accumulates on them.
    CHECK_FALSE(model.embedding_weight().requires_grad());
    CHECK_FALSE(model.layers()[0].qkv_weight.grad().defined());
  }
}

TEST_CASE("tiny-qwen2 soft-prompt logits match the reference", "[qwen2][fixtures]") {
  const auto& ref = reference();
  auto model = dep::Qwen2Model::load(dep::test::fixture("tiny-qwen2"), torch::kFloat32);
  torch::NoGradGuard no_grad;
  auto embeds = model.embed_tokens(ref.at("soft_input_ids"));
  auto slots = ref.at("soft_slots");
  embeds.index_put_({torch::zeros_like(slots), slots}, ref.at("soft_vectors"));
  auto logits = model.forward(embeds);
  CHECK((logits - ref.at("soft_logits")).abs().max().item<double>() <= 1e-3);
}
