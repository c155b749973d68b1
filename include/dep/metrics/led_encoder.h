// The LED encoder (allenai/led-base-16384) as bert_score runs it: BART-style embeddings with
// learned positions and layernorm, post-LN layers with GELU, Longformer local attention (each token
// sees `attention_window/2` tokens on each side, padding keys masked). Torch-using; lives in
// dep_bertscore so dep_metrics stays torch-free.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

namespace dep {

struct LedEncoderConfig {
  int64_t vocab_size = 0;
  int64_t d_model = 0;
  int64_t layers = 0;
  int64_t heads = 0;
  int64_t ffn_dim = 0;
  int64_t max_positions = 0;            // max_encoder_position_embeddings
  std::vector<int64_t> attention_window;  // per layer, even
  // Reads a transformers LED config.json; missing keys or unsupported values (activation other
  // than gelu, scale_embedding) are dep::Errors naming the file and key.
  static LedEncoderConfig load(const std::string& config_json_path);
};

struct LedLayerWeights {
  torch::Tensor q_w, q_b, k_w, k_b, v_w, v_b, out_w, out_b;
  torch::Tensor attn_norm_w, attn_norm_b;
  torch::Tensor fc1_w, fc1_b, fc2_w, fc2_b;
  torch::Tensor final_norm_w, final_norm_b;
};

class LedEncoder {
 public:
  // A Hugging Face LED directory (config.json + model.safetensors); tensor names may carry the
  // "led." prefix of LEDForConditionalGeneration. Missing or mis-shaped tensors are reported.
  static LedEncoder load(const std::string& model_dir);

  // Last hidden state [B, T, d] (float32) for a right- or left-padded batch; attention_mask 1 = token.
  // `num_layers` (<= layers) truncates the stack as bert_score's num_layers does.
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        int64_t num_layers = -1) const;

  const LedEncoderConfig& config() const { return config_; }

 private:
  LedEncoderConfig config_;
  torch::Tensor embed_tokens_, embed_positions_, emb_norm_w_, emb_norm_b_;
  std::vector<LedLayerWeights> layers_;
};

}  // namespace dep
