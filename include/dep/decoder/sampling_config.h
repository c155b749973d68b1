// How generation samples, as a config (torch-free, so dep-generate's and dep-train's configs can
// hold it without linking the engine): the user's decoding settings, and what a model directory's
// generation_config.json says about them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dep/core/config.h"

namespace dep {

// What a model directory's generation_config.json says about decoding: its eos ids and the
// sampling keys it sets (all unset when the model has no such file).
struct ModelGenerationConfig {
  std::string source;                  // the file read; empty when the model has none
  std::vector<int64_t> eos_token_ids;  // its eos_token_id (an int or a list); empty when absent
  std::optional<bool> do_sample;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> top_k;
  std::optional<double> repetition_penalty;
};

// Decoding settings. An unset sampling field (null, or absent from the config) takes the model's
// generation_config.json value, as transformers and vLLM do, else the reference's vLLM value
// (do_sample true, temperature 0.8, top_p 0.95, top_k off, repetition_penalty 1); an empty stop_ids
// takes the file's eos_token_id, else the tokenizer's <|im_end|> and <|endoftext|>. A value the
// user sets always wins. The reference: vLLM SamplingParams(max_tokens=2048, temperature=0.8,
// top_p=0.95, skip_special_tokens=True), stop on generation_config's eos ids, output .strip()
// (docs/generation.md).
struct GenerateSamplingConfig {
  std::optional<bool> do_sample;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> top_k;
  std::optional<double> repetition_penalty;
  int64_t max_new_tokens = 2048;
  std::vector<int64_t> stop_ids;  // empty: from the model (see above)
  int64_t seed = 0;  // base seed; each sample draws from a seed mixed from it and its sample id
  bool skip_special_tokens = true;
  bool strip = true;

  template <class V>
  void visit(V& v) {
    v("do_sample", do_sample, "sample (true) or greedy (false); null = the model's generation_config.json, else true");
    v("temperature", temperature, "softmax temperature; null = the model's, else 0.8", Bounds::positive());
    v("top_p", top_p, "nucleus sampling mass (1 = off); null = the model's, else 0.95", Bounds{0.0, 1.0, true});
    v("top_k", top_k, "top-k filter (0 = off); null = the model's, else 0", Bounds::non_negative());
    v("repetition_penalty", repetition_penalty, "HF repetition penalty (1 = off); null = the model's, else 1",
      Bounds::positive());
    v("max_new_tokens", max_new_tokens, "most generated tokens per sample", Bounds::at_least(1));
    v("stop_ids", stop_ids,
      "token ids that end a sample; [] = the model's generation_config.json eos_token_id, else the tokenizer's "
      "<|im_end|> and <|endoftext|>");
    v("seed", seed, "base seed; a sample's seed = mix(seed, sample id), independent of batching",
      Bounds::non_negative());
    v("skip_special_tokens", skip_special_tokens, "drop special tokens when decoding");
    v("strip", strip, "strip leading/trailing whitespace (Python str.strip)");
  }
};

}  // namespace dep
