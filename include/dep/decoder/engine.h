// Batched generation with a causal LM: a fixed-length greedy continuation (the parity tool) and
// a continuous-batching engine (per-request sampling seeds, stop ids, soft prompts, streaming).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dep/decoder/causal_lm.h"
#include "dep/decoder/sampling.h"

namespace dep {

// generation_config.json of a model directory (docs/reference-behaviour.md §A.8); absent keys keep HF's defaults,
// absent file = config.json's eos ids and greedy.
struct GenerationDefaults {
  std::vector<int64_t> eos_token_ids;
  SamplingParams sampling;
  static GenerationDefaults load(const std::string& model_dir);
};

// Greedy continuation of a left-padded batch: input_ids [B,T], attention_mask [B,T] (undefined = no
// padding) → tokens [B,N] I64. KV cache, positions continue from each row's last real token, no
// early stop.
torch::Tensor greedy_continuation(const CausalLM& model, const torch::Tensor& input_ids,
                                  const torch::Tensor& attention_mask, int64_t max_new_tokens);

struct GenerationRequest {
  std::vector<int64_t> prompt_ids;
  int64_t max_new_tokens = 256;
  SamplingParams sampling;
  std::vector<int64_t> stop_ids;         // empty: the engine's stop ids
  std::vector<int64_t> placeholder_ids;  // soft prompt: rows where prompt id == placeholder_ids[i]
  torch::Tensor soft_vectors;            //   take soft_vectors[i] ([n, H])
};

// The prefill of one request, as the engine runs it: the prompt's embeddings with its soft prompt
// injected at its placeholders (inject_soft_prompt), appended to `cache` row 0. Logits [1,T,V]
// ([1,1,V] when last_only).
torch::Tensor prefill_request(const CausalLM& model, const GenerationRequest& request, KvCache& cache,
                              bool last_only = true);

// The prefill of several requests in one forward, as the engine runs it: the prompts right-padded
// to the longest (each with its soft prompt injected) appended to `cache` rows 0..k-1, each row
// `longest` slots long (copy_rows_from with lengths drops the padding). Returns the logits of each
// prompt's last token [k, V].
torch::Tensor prefill_requests(const CausalLM& model, const std::vector<const GenerationRequest*>& requests,
                               KvCache& cache);

enum class FinishReason { kStop, kLength };

struct GenerationResult {
  std::vector<int64_t> tokens;  // generated ids (the stop id included when it ended the sequence)
  FinishReason finish = FinishReason::kLength;
};

// One generated token, reported as soon as it is chosen (detokenise incrementally from these).
struct TokenEvent {
  size_t request = 0;  // index into the requests vector
  int64_t token = 0;
  bool finished = false;
  FinishReason finish = FinishReason::kLength;
};
using TokenCallback = std::function<void(const TokenEvent&)>;

struct EngineOptions {
  int64_t max_batch = 8;            // sequences decoded together
  std::vector<int64_t> stop_ids;    // default stop ids (e.g. GenerationDefaults::eos_token_ids)
  int64_t prefill_tokens = 8192;    // padded prompt tokens per prefill forward (bounds its memory)
};

// Continuous batching: up to max_batch sequences decode together; when some finish, waiting
// requests are prefilled into their cache rows (several prompts per forward, prefill_requests), or
// the batch is compacted when none waits. Each request's tokens do not depend on the batch (own
// seed; the prompt's rows go through the same kernels as alone). The KV caches are allocated once
// per generate() call, sized for the longest request; a decode step synchronises with the device
// once (the batch's tokens come back together).
class GenerationEngine {
 public:
  GenerationEngine(const CausalLM& model, EngineOptions options);
  std::vector<GenerationResult> generate(const std::vector<GenerationRequest>& requests,
                                         const TokenCallback& on_token = {});

 private:
  const CausalLM& model_;
  EngineOptions options_;
};

}  // namespace dep
