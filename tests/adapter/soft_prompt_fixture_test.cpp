// Position-based soft-prompt injection + the label-rows-only loss against the soft-prompt case of
// ../shared/fixtures/tiny-qwen2 (logits, loss and d loss / d vectors; float64 reference).
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "dep/adapter/dep_loss.h"
#include "dep/adapter/dep_model.h"
#include "dep/decoder/qwen2.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"

TEST_CASE("tiny-qwen2 soft prompt: injected logits, loss and vector gradient match the reference", "[adapter][fixture]") {
  auto ref = dep::load_safetensors(dep::test::fixture("tiny-qwen2/reference.safetensors"));
  auto llm = dep::Qwen2Model::load(dep::test::fixture("tiny-qwen2"), torch::kFloat32);
  auto ids = ref.at("soft_input_ids").clone();
  auto positions = ref.at("soft_slots").clone().unsqueeze(0);  // [1,3]
  auto vectors = ref.at("soft_vectors").clone().unsqueeze(0).requires_grad_(true);  // [1,3,64]
  torch::Tensor embeds;
  {
    torch::NoGradGuard no_grad;
    embeds = llm.embed_tokens(ids);
  }
  auto injected = dep::inject_soft_prompts(embeds, positions, vectors);
  auto hidden = llm.hidden_states(injected);
  {
    torch::NoGradGuard no_grad;
    auto logits = llm.lm_head(hidden).to(torch::kFloat32);
    CHECK((logits - ref.at("soft_logits")).abs().max().item<double>() <= 1e-3);
  }
  auto targets = dep::next_token_targets(ref.at("soft_labels"));
  REQUIRE(targets.count() > 0);
  auto rows = hidden.reshape({-1, hidden.size(-1)}).index_select(0, targets.rows);
  auto loss = dep::cross_entropy_sum(llm.lm_head(rows), targets.targets) / static_cast<double>(targets.count());
  CHECK(loss.item<double>() == Approx(ref.at("soft_loss").item<double>()).epsilon(1e-4));
  loss.backward();
  auto grad = vectors.grad().squeeze(0).to(torch::kFloat64);
  auto expected = ref.at("soft_grad").to(torch::kFloat64);
  CHECK((grad - expected).abs().max().item<double>() <= 1e-3 * expected.abs().max().item<double>());
}
