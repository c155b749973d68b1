// CausalLM's shared forward helpers (the lm head after the layers).
#include "dep/decoder/causal_lm.h"

#include "dep/core/error.h"
#include "dep/core/safetensors.h"

namespace dep {

torch::Tensor CausalLM::forward(const torch::Tensor& inputs_embeds, const torch::Tensor& attention_mask,
                                const torch::Tensor& position_ids, KvCache* cache, bool last_only) const {
  auto h = hidden_states(inputs_embeds, attention_mask, position_ids, cache);
  if (last_only) h = h.narrow(1, h.size(1) - 1, 1);
  return lm_head(h);
}

torch::Tensor CausalLM::forward_ids(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                    const torch::Tensor& position_ids, KvCache* cache, bool last_only) const {
  if (input_ids.dim() != 2) fail("input_ids", "expected shape [B, T], got " + shape_string(input_ids.sizes().vec()));
  return forward(embed_tokens(input_ids), attention_mask, position_ids, cache, last_only);
}

}  // namespace dep
