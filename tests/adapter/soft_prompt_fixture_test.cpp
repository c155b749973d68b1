// Soft-prompt injection by placeholder id + the label-rows-only loss against the soft-prompt case of
// ../shared/fixtures/tiny-qwen2 (logits, loss and d loss / d vectors; float64 reference).
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "dep/adapter/dep_loss.h"
#include "dep/decoder/qwen2.h"
#include "dep/decoder/soft_prompt.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"

TEST_CASE("tiny-qwen2 soft prompt: injected logits, loss and vector gradient match the reference", "[adapter][fixture]") {
  auto ref = dep::load_safetensors(dep::test::fixture("tiny-qwen2/reference.safetensors"));
  auto llm = dep::Qwen2Model::load(dep::test::fixture("tiny-qwen2"), torch::kFloat32);
  auto ids = ref.at("soft_input_ids").clone();
  // The fixture names slots; each slot's token occurs once in the ids, so it is that slot's placeholder.
  std::vector<int64_t> placeholders;
  for (int64_t i = 0; i < ref.at("soft_slots").size(0); ++i) {
    const int64_t id = ids[0][ref.at("soft_slots")[i].item<int64_t>()].item<int64_t>();
    REQUIRE(ids.eq(id).sum().item<int64_t>() == 1);
    placeholders.push_back(id);
  }
  auto vectors = ref.at("soft_vectors").clone().unsqueeze(0).requires_grad_(true);  // [1,3,64]
  torch::Tensor embeds;
  {
    torch::NoGradGuard no_grad;
    embeds = llm.embed_tokens(ids);
  }
  auto injected = dep::inject_soft_prompt(embeds, ids, placeholders, vectors);
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
