// Tiny, randomly initialised model directories in the Hugging Face layout for the demo and the
// end-to-end test: a Qwen2 decoder whose vocabulary is a small learned BPE followed by
// <|endoftext|>, <|im_start|>, <|im_end|> and DEP's 20 tokens (every tool finds them by their
// strings), and an XLM-RoBERTa embedder with a word-level Unigram tokenizer. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dep/demo/bpe_trainer.h"

namespace dep {

struct TinyDecoderShape {
  int64_t hidden_size = 128;
  int64_t intermediate_size = 384;
  int64_t layers = 2;
  int64_t heads = 4;
  int64_t kv_heads = 2;
  int64_t max_positions = 8192;
  double rope_theta = 10000.0;
  // The vocabulary size is the tokenizer's (learned BPE + special tokens).
};

struct TinyEncoderShape {
  // 256 wide: a random bag-of-words projection into 64 dimensions blurred the writers' words
  // together (writer identification 0.67 against 0.89 at 256, docs/demo.md).
  int64_t hidden_size = 256;
  int64_t intermediate_size = 128;
  int64_t layers = 2;
  int64_t heads = 4;
  int64_t max_positions = 514;  // XLM-R: 512 tokens + the padding offset
};

// The tiny decoder's special tokens, added after its learned vocabulary in this order:
// <|endoftext|>, <|im_start|>, <|im_end|>, then DEP's 20 tokens in the reference order.
std::vector<std::string> tiny_decoder_special_tokens();

// Ids whose embedding rows are trained (the BPE vocab and the three chat tokens); every other row
// of the tiny decoder (DEP's tokens, spelling duplicates) is zero, like a spare row nobody trained.
std::vector<int64_t> tiny_decoder_active_ids(const nlohmann::json& tokenizer);

// config.json, generation_config.json, tokenizer.json and model.safetensors (fp32, tied
// embeddings, HF init: N(0, 0.02) matrices, unit norms, zero biases). The vocabulary is the
// tokenizer's; the configs' bos/eos/pad ids are its <|endoftext|> and <|im_end|>.
void write_tiny_decoder(const std::string& dir, const TinyDecoderShape& shape, const nlohmann::json& tokenizer,
                        uint64_t seed);

// A Unigram tokenizer.json over the corpus's whitespace-separated words (count >= min_count),
// with single characters as the fallback: <s> 0, <pad> 1, </s> 2, <unk> 3, Metaspace "▁",
// "<s> $A </s>" as XLM-R wraps a text.
nlohmann::json build_word_unigram(const std::vector<std::string>& texts, int64_t min_count = 2);

// config.json, tokenizer.json and model.safetensors of an XLM-R encoder. Query/key weights are
// near zero so attention is close to uniform: the first token's state then summarises the whole
// text (a random bag-of-words encoder), which is what an untrained stand-in for bge-m3 needs to
// tell writers apart.
void write_tiny_encoder(const std::string& dir, const TinyEncoderShape& shape, const nlohmann::json& tokenizer,
                        uint64_t seed);

}  // namespace dep
