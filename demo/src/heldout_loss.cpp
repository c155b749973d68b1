// Held-out cross-entropy of a frozen decoder with or without DEP soft prompts (see heldout_loss.h).
#include "dep/demo/heldout_loss.h"

#include <torch/torch.h>

#include "dep/adapter/dep_batch.h"
#include "dep/adapter/personalization_model.h"
#include "dep/decoder/causal_lm.h"

namespace dep {

HeldoutLoss decoder_heldout_loss(const CausalLM& model, const std::vector<DepSample>& samples) {
  torch::NoGradGuard no_grad;
  HeldoutLoss out;
  double sum = 0;
  for (const auto& s : samples) {  // one sample at a time: no padding, nothing to mask
    const auto n = static_cast<int64_t>(s.input_ids.size());
    if (n < 2 || s.labels.size() != s.input_ids.size()) continue;
    const auto ids = torch::tensor(s.input_ids, torch::kLong).view({1, n}).to(model.device());
    const auto labels = torch::tensor(s.labels, torch::kLong).narrow(0, 1, n - 1);
    const auto keep = labels != kIgnoreLabel;
    const auto hidden = model.hidden_states(model.embed_tokens(ids)).squeeze(0).narrow(0, 0, n - 1).cpu();
    const auto logits = model.lm_head(hidden.index({keep}).to(model.device())).to(torch::kFloat32).cpu();
    sum += torch::nn::functional::cross_entropy(
               logits, labels.index({keep}),
               torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
               .item<double>();
    out.tokens += keep.sum().item<int64_t>();
    ++out.samples;
  }
  out.loss = out.tokens > 0 ? sum / static_cast<double>(out.tokens) : 0.0;
  return out;
}

HeldoutLoss dep_heldout_loss(PersonalizationModel& model, const std::vector<DepSample>& samples) {
  torch::NoGradGuard no_grad;
  HeldoutLoss out;
  double sum = 0;
  for (const auto& s : samples) {
    auto batch = collate_samples({&s}, "held-out").to(model.llm().device());
    auto terms = model.loss(batch, 1.0, 1.0);
    sum += terms.gen_sum.item<double>();
    out.tokens += terms.gen_tokens;
    ++out.samples;
  }
  out.loss = out.tokens > 0 ? sum / static_cast<double>(out.tokens) : 0.0;
  return out;
}

}  // namespace dep
