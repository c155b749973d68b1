// `dep-model embed`: a padded batch of token ids in a safetensors file → the encoder's last hidden
// state and dense embeddings in another.
#pragma once

#include <string>

namespace dep {

struct EmbedFileOptions {
  std::string dtype = "fp32";  // compute dtype: fp32, bf16, fp16
  std::string device = "cpu";
};

// Reads `input_ids` and `attention_mask` [B, T] (any integer dtype, right padding) from `input`
// and writes `last_hidden_state` [B, T, H] (pad positions zero) and `dense_embedding` [B, H], both
// F32, to `output` atomically. A missing or mis-shaped tensor is an error naming it and the file.
void run_embed_file(const std::string& model_dir, const std::string& input, const std::string& output,
                    const EmbedFileOptions& options = {});

}  // namespace dep
