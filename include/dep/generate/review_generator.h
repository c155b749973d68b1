// One generation step for a set of samples: the samples' conditioning inputs → the adapter's soft
// vectors (DEP: his/diff block → SAE encoder → projectors) → requests whose placeholders
// ([HIS_TOKEN_i]/[DIFF_TOKEN_i]) take them in the engine's prefill → the batched engine with the
// reference's sampling → decoded, stripped text (a decoder-only model skips the adapter: baseline
// prompts). Every sample draws from its own seed (base seed
// mixed with its sample id), so its text does not depend on which samples share its batch.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dep/data/dep_sample.h"
#include "dep/decoder/engine.h"
#include "dep/generate/generate_config.h"
#include "dep/adapter/personalization_model.h"

namespace dep {

struct ReviewGeneration {
  std::string prediction;        // decoded (special tokens skipped) and stripped as configured
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;  // the stop token included when it ended the sample
  FinishReason finish = FinishReason::kLength;
};

// Called as each sample finishes (completion order), with its position in the input vector.
using GenerationCallback = std::function<void(size_t position, const ReviewGeneration& generation)>;

// What a model says about its own decoding, as transformers and vLLM read it: its
// generation_config.json (empty when the directory has none) and its tokenizer, whose <|im_end|> and
// <|endoftext|> stop when nothing else names eos ids.
struct ModelDecodingDefaults {
  ModelGenerationConfig generation_config;
  std::shared_ptr<BpeTokenizer> tokenizer;
};

// The settings a run decodes with: `user`'s values, its unset fields from the model's
// generation_config.json, else the reference's (see GenerateSamplingConfig); every optional set and
// stop_ids non-empty. The model's values are checked here, naming its file.
GenerateSamplingConfig effective_sampling(const GenerateSamplingConfig& user, const ModelDecodingDefaults& model);

// One log line: the effective stop ids and sampling, and where each came from.
std::string describe_sampling(const GenerateSamplingConfig& user, const ModelDecodingDefaults& model);

class ReviewGenerator {
 public:
  // Decodes with effective_sampling(sampling, {model_generation_config, model.tokenizer()}).
  ReviewGenerator(const PersonalizationModel& model, GenerateSamplingConfig sampling, GenerateEngineConfig engine,
                  const ModelGenerationConfig& model_generation_config = {});

  // Generates for `samples` (prompt-only DepSamples with their his/diff blocks); returns the
  // results in input order and reports each through `on_done` as soon as it is final.
  std::vector<ReviewGeneration> generate(const std::vector<const DepSample*>& samples,
                                         const GenerationCallback& on_done = {});

  // Plain prompts (token ids, no soft prompts) each with its own seed, as the stages of a
  // multi-stage method ask them (stage_pipeline.h); results in input order, each also reported
  // through `on_done` as soon as it is final.
  std::vector<ReviewGeneration> generate_prompts(const std::vector<std::vector<int64_t>>& prompt_ids,
                                                 const std::vector<uint64_t>& seeds,
                                                 const GenerationCallback& on_done = {});

  // The per-request engine input for one sample (soft vectors computed by the adapter).
  std::vector<GenerationRequest> requests(const std::vector<const DepSample*>& samples) const;

  // Seed of one sample: SplitMix64 of the base seed and the FNV-1a hash of its id.
  static uint64_t sample_seed(int64_t base_seed, const std::string& sample_id);

  const GenerateSamplingConfig& sampling() const { return sampling_; }  // effective: every field set

 private:
  GenerationRequest base_request(const DepSample& sample) const;  // prompt, limits, sampling, seed
  GenerationRequest request_without_soft_prompts(const DepSample& sample) const;  // decoder-only models
  std::vector<ReviewGeneration> run(const std::vector<GenerationRequest>& requests, const GenerationCallback& on_done);

  const PersonalizationModel& model_;
  GenerateSamplingConfig sampling_;
  GenerateEngineConfig engine_;
};

}  // namespace dep
