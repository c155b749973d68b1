// A tiny but complete generation setup for the tests, built once per test process:
//   base/     a Qwen2 decoder with Qwen2.5's vocabulary layout (151,936 rows, hidden 32, random
//             weights) and the stock Qwen2.5 tokenizer (no DEP tokens)
//   adapter.safetensors  a random DEP adapter (16-d embeddings → SAE 8 → projectors 32), reference
//             tensor names, no dep metadata (shapes are inferred, as for the authors' files)
//   full/     the same decoder cut to 151,685 rows + the adapter tensors in one model.safetensors,
//             with the DEP tokenizer: the layout of the authors' released model
//   data/     a synthetic DPL dataset (3 categories), embeddings.safetensors with random unit rows
#pragma once

#include <string>

#include "dep/generate/generate_config.h"

namespace dep::test {

struct TinyWorld {
  std::string root;
  std::string base_dir;
  std::string adapter;
  std::string full_dir;
  std::string data_dir;
  std::string embeddings;
  int64_t test_samples = 0;

  // A config that generates a few tokens per sample for the whole test split into `out`.
  GenerateConfig config(const std::string& out, bool full_model) const;
};

const TinyWorld& tiny_world();

// Writes a random adapter of the given shape with the reference names (omitting `skip`).
void write_random_adapter(const std::string& path, int64_t embedding_dim, int64_t latent, int64_t hidden,
                          uint64_t seed, const std::string& skip = "");

}  // namespace dep::test
