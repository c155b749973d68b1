// The personalization model: a frozen causal LM, an optional adapter (the method's trainable part)
// and the tokenizer that resolves the adapter's placeholder tokens. dep-train, the validation
// losses, METEOR validation, the demo's held-out loss and dep-generate all use this one type, and
// soft prompts enter the decoder through one function (inject_soft_prompt, by placeholder id) in
// training, the held-out loss and the generation prefill alike.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dep/adapter/adapter.h"
#include "dep/adapter/adapter_config.h"
#include "dep/adapter/dep_batch.h"
#include "dep/adapter/dep_loss.h"
#include "dep/decoder/causal_lm.h"

namespace dep {

class BpeTokenizer;

// Where a loaded model's parts came from (dep-generate's run header).
enum class CheckpointLayout { kFullModel, kBaseWithAdapter, kDecoderOnly };
const char* checkpoint_layout_name(CheckpointLayout layout);  // "full" | "base+adapter" | "decoder-only"

struct CheckpointOrigin {
  CheckpointLayout layout = CheckpointLayout::kFullModel;
  std::string adapter_source;  // file (or directory) the adapter tensors came from
  std::string tokenizer_source;
  // Content hash of the adapter tensors (name, shape, fp32 values; FNV-1a 64, hex): equal for a
  // full directory and the base+adapter pair it was assembled from; "none" without an adapter.
  std::string adapter_hash;
  // Hash of the decoder's config and tensor table (names, dtypes, shapes, sizes) after the vocab
  // resize; cheap (no weight bytes), it tells checkpoints of different shape or origin apart.
  std::string llm_fingerprint;
};

class PersonalizationModel {
 public:
  // `adapter` may be null (the decoder alone: baseline prompts); `tokenizer` may be null, then the
  // DEP tokens resolve to their reference ids. The adapter's hidden size must be the decoder's.
  PersonalizationModel(std::shared_ptr<CausalLM> llm, std::shared_ptr<Adapter> adapter,
                       std::shared_ptr<BpeTokenizer> tokenizer, LossConfig loss = {});

  CausalLM& llm() const { return *llm_; }
  const std::shared_ptr<CausalLM>& llm_handle() const { return llm_; }
  const std::shared_ptr<Adapter>& adapter() const { return adapter_; }
  const std::shared_ptr<BpeTokenizer>& tokenizer() const { return tokenizer_; }
  const LossConfig& loss_config() const { return loss_; }

  // The token ids of placeholder tokens (a token the tokenizer lacks is a dep::Error naming it).
  std::vector<int64_t> placeholder_ids(const std::vector<std::string>& placeholders) const;
  // Fixes a placeholder's id ahead of the tokenizer (a vocabulary without a tokenizer file: tests).
  void set_placeholder_id(const std::string& token, int64_t id) { placeholder_ids_[token] = id; }

  // The adapter's soft prompt for a batch's conditioning inputs (no adapter: an empty output).
  AdapterOutput adapt(const AdapterInputs& inputs) const;

  // Ablation (the demo's dep_zero_soft): the adapter's vectors are replaced by zeros, so the prompt
  // keeps its placeholders but the decoder reads nothing the adapter made.
  void set_zero_soft_prompt(bool zero) { zero_soft_prompt_ = zero; }
  bool zero_soft_prompt() const { return zero_soft_prompt_; }

  // The decoder's input embeddings of ids [B,T] with `adapted`'s vectors at its placeholders
  // ([B,T,H], LLM dtype). Token rows stay frozen; gradients reach the vectors.
  torch::Tensor input_embeddings(const torch::Tensor& ids, const AdapterOutput& adapted) const;

  // One forward with loss (batch on the model's device, labels required). The CE sum is divided
  // by `gen_denominator` (≤ 0: the batch's own label count) and the adapter's aux term scaled by
  // `sae_scale`.
  DepLossTerms loss(const DepBatch& batch, double gen_denominator = 0, double sae_scale = 1) const;

  // Full logits [B,T,V] with the soft prompts injected (inspection and tests).
  torch::Tensor logits(const DepBatch& batch) const;

  // Set by the checkpoint loader (generation); default for a model built for training.
  CheckpointOrigin origin;

 private:
  std::shared_ptr<CausalLM> llm_;
  std::shared_ptr<Adapter> adapter_;
  std::shared_ptr<BpeTokenizer> tokenizer_;
  LossConfig loss_;
  bool zero_soft_prompt_ = false;
  mutable std::map<std::string, int64_t> placeholder_ids_;  // resolved (or set) so far
};

}  // namespace dep
