// The personalization model's forward: adapter → soft prompt → injection by placeholder → decoder → loss.
#include "dep/adapter/personalization_model.h"

#include <torch/torch.h>

#include <algorithm>

#include "dep/core/error.h"
#include "dep/data/data_tokenizer.h"
#include "dep/data/dep_sample.h"
#include "dep/decoder/soft_prompt.h"
#include "dep/text/bpe_tokenizer.h"

namespace dep {

const char* checkpoint_layout_name(CheckpointLayout layout) {
  switch (layout) {
    case CheckpointLayout::kFullModel: return "full";
    case CheckpointLayout::kBaseWithAdapter: return "base+adapter";
    case CheckpointLayout::kDecoderOnly: return "decoder-only";
  }
  return "?";
}

PersonalizationModel::PersonalizationModel(std::shared_ptr<CausalLM> llm, std::shared_ptr<Adapter> adapter,
                                           std::shared_ptr<BpeTokenizer> tokenizer, LossConfig loss)
    : llm_(std::move(llm)), adapter_(std::move(adapter)), tokenizer_(std::move(tokenizer)), loss_(std::move(loss)) {
  if (!llm_) fail_internal("PersonalizationModel", "no decoder");
  if (adapter_ && adapter_->hidden_size() != llm_->hidden_size()) {
    fail("adapter", "projector width " + std::to_string(adapter_->hidden_size()) + " differs from the LLM hidden size " +
                        std::to_string(llm_->hidden_size()));
  }
  origin.adapter_hash = adapter_ ? "" : "none";
}

std::vector<int64_t> PersonalizationModel::placeholder_ids(const std::vector<std::string>& placeholders) const {
  std::vector<int64_t> out;
  out.reserve(placeholders.size());
  for (const auto& token : placeholders) {
    auto cached = placeholder_ids_.find(token);
    if (cached != placeholder_ids_.end()) {
      out.push_back(cached->second);
      continue;
    }
    if (!tokenizer_) {
      fail(token, "placeholder token of the adapter has no id: the model has no tokenizer (give one, or "
                  "set_placeholder_id for a bare vocabulary)");
    }
    const int64_t id = tokenizer_->token_to_id(token);
    if (id < 0) fail(token, "placeholder token of the adapter is not in the tokenizer");
    placeholder_ids_.emplace(token, id);
    out.push_back(id);
  }
  return out;
}

AdapterOutput PersonalizationModel::adapt(const AdapterInputs& inputs) const {
  if (!adapter_) return {};
  AdapterOutput out = adapter_->forward(inputs);
  if (zero_soft_prompt_ && out.vectors.defined()) out.vectors = torch::zeros_like(out.vectors);
  return out;
}

torch::Tensor PersonalizationModel::input_embeddings(const torch::Tensor& ids, const AdapterOutput& adapted) const {
  torch::Tensor embeds;
  {
    torch::NoGradGuard no_grad;  // token rows, new ones included, stay frozen (docs/reference-behaviour.md §7)
    embeds = llm_->embed_tokens(ids);
  }
  if (!adapted.vectors.defined()) return embeds;
  return inject_soft_prompt(embeds, ids, placeholder_ids(adapted.placeholders), adapted.vectors);
}

DepLossTerms PersonalizationModel::loss(const DepBatch& batch, double gen_denominator, double sae_scale) const {
  if (!batch.labels.defined()) fail_internal("PersonalizationModel::loss", "the batch has no labels");
  const AdapterOutput adapted = adapt(batch.conditioning());
  const torch::Tensor embeds = input_embeddings(batch.input_ids, adapted);
  DepLossTerms terms;
  auto targets = next_token_targets(batch.labels);
  terms.gen_tokens = targets.count();
  if (terms.gen_tokens > 0) {
    torch::Tensor hidden = llm_->hidden_states(embeds, batch.attention_mask);
    // Only rows that predict a label go through the lm head: at 7B a full [T,V] fp32 logit
    // block of a 5k-token row is 3 GB. They are taken as slices (label_rows).
    auto rows = label_rows(hidden, targets);
    terms.gen_sum = cross_entropy_sum(llm_->lm_head(rows), targets.targets);
  } else {
    terms.gen_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat32).device(embeds.device()));
  }
  if (adapter_) adapter_->add_aux_losses(adapted, loss_, terms);
  combine_losses(terms, loss_, gen_denominator, sae_scale);
  return terms;
}

torch::Tensor PersonalizationModel::logits(const DepBatch& batch) const {
  const AdapterOutput adapted = adapt(batch.conditioning());
  return llm_->forward(input_embeddings(batch.input_ids, adapted), batch.attention_mask);
}

}  // namespace dep
