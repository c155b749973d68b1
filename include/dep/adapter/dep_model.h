// The DEP model: the trainable adapter (shared SAE + his/diff projectors, DEP.md §5–6), the
// injection of its outputs at the placeholder positions of a frozen Qwen2 (§7), the loss of one
// forward (§5, §9), and adapter checkpoints with the reference parameter names.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <map>
#include <memory>
#include <string>

#include "dep/adapter/adapter_config.h"
#include "dep/adapter/dep_batch.h"
#include "dep/adapter/dep_loss.h"
#include "dep/adapter/projector.h"
#include "dep/adapter/sae.h"
#include "dep/torch/tensor_io.h"

namespace dep {

class Qwen2Model;

struct AdapterOutput {
  torch::Tensor his;             // [B,K,H] projected his vectors (undefined when not injected)
  torch::Tensor diff;            // [B,K,H] projected diff vectors (undefined when not injected)
  torch::Tensor sae_input;       // [B,R,d] the rows the SAE saw (R = 2K, or K for his/diff only)
  torch::Tensor code;            // [B,R,d'] SAE code (undefined for `none`)
  torch::Tensor reconstruction;  // [B,R,d] (undefined for `none`)
};

// Trainable parameters, registered as the reference names them: `sae.encoder.0.weight`,
// `sae.decoder.0.bias`, `align_mlp_his.0.weight`, `align_mlp_diff.2.bias`, ... Both projectors
// exist in every variant (so checkpoints share one layout); an ablated stream's projector is
// simply never used and gets no gradient.
class DepAdapterImpl : public torch::nn::Module {
 public:
  // `hidden_size` is the LLM's; config.hidden_size, when set, must agree with it.
  DepAdapterImpl(const AdapterConfig& config, int64_t hidden_size);

  // his_diff [B,2K,d]: his rows then diff rows.
  AdapterOutput forward(const torch::Tensor& his_diff);

  // Xavier-uniform or N(0, std) weights and zero biases, from torch's default generator.
  void initialize();

  const AdapterConfig& config() const { return config_; }
  int64_t hidden_size() const { return hidden_size_; }
  int64_t trainable_parameter_count() const;

  SparseAutoencoder sae{nullptr};  // null for the `none` variant
  Projector align_mlp_his{nullptr};
  Projector align_mlp_diff{nullptr};

 private:
  AdapterConfig config_;
  int64_t hidden_size_;
};
TORCH_MODULE(DepAdapter);

// The adapter's parameters in registration order, detached (fp32, as trained).
NamedTensors adapter_tensors(const DepAdapterImpl& adapter);

// Adapter safetensors: the reference names, plus metadata `dep.adapter` = the AdapterConfig JSON
// (with hidden_size resolved) so generation can rebuild the adapter from the file alone.
void save_adapter(const std::string& path, const DepAdapterImpl& adapter,
                  const std::map<std::string, std::string>& extra_metadata = {});
// Copies every parameter from `path` into `adapter` (missing, unexpected or mis-shaped tensors
// are one dep::Error naming each). Also reads reference checkpoints without metadata.
void load_adapter_weights(const std::string& path, DepAdapterImpl& adapter);
// The AdapterConfig stored in an adapter file (dep.adapter metadata); fails when absent.
AdapterConfig read_adapter_config(const std::string& path);

// inputs_embeds [B,T,H] with row b, position positions[b,i] replaced by vectors[b,i] (cast to the
// embeddings' dtype) wherever positions[b,i] >= 0. Differentiable in `vectors`.
torch::Tensor inject_soft_prompts(const torch::Tensor& inputs_embeds, const torch::Tensor& positions,
                                  const torch::Tensor& vectors);

// Adapter + frozen decoder. The decoder is shared (generation may hold it too) and never trained.
class DepModel {
 public:
  DepModel(std::shared_ptr<Qwen2Model> llm, DepAdapter adapter, LossConfig loss);

  // The decoder's input embeddings with the soft prompts injected ([B,T,H], LLM dtype).
  torch::Tensor input_embeddings(const DepBatch& batch, const AdapterOutput& adapted) const;

  // One forward with loss (batch on the model's device, labels required). The CE sum is divided
  // by `gen_denominator` (≤ 0: the batch's own label count) and the SAE term scaled by `sae_scale`.
  DepLossTerms loss(const DepBatch& batch, double gen_denominator = 0, double sae_scale = 1);

  // Full logits [B,T,V] with the soft prompts injected (inspection and tests).
  torch::Tensor logits(const DepBatch& batch);

  Qwen2Model& llm() const { return *llm_; }
  DepAdapter& adapter() { return adapter_; }
  const DepAdapter& adapter() const { return adapter_; }
  const LossConfig& loss_config() const { return loss_; }

 private:
  std::shared_ptr<Qwen2Model> llm_;
  DepAdapter adapter_;
  LossConfig loss_;
};

}  // namespace dep
