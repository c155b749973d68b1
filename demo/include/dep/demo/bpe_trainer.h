// Learns byte-level BPE merges from a corpus and writes them as a Qwen2-style tokenizer.json
// (NFC, Qwen's split regex, GPT-2 byte alphabet, ByteLevel decoder) that BpeTokenizer and
// Hugging Face `tokenizers` both read. The demo's tiny decoder uses it, with its special tokens
// right after the learned vocabulary (see tiny_models.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dep {

struct BpeTrainingOptions {
  int64_t merges = 1000;        // at most this many merges (fewer when pairs get rare)
  int64_t min_frequency = 2;    // a pair seen fewer times is never merged
};

// Qwen2.5's pre-tokenizer regex (Oniguruma syntax, as in its tokenizer.json).
const std::string& qwen2_split_regex();

// Ids 0..255 are the bytes, 256.. the merges in rank order; `specials` are added tokens (special,
// not normalized) at the ids right after them, in order.
// Deterministic: ties between equally frequent pairs go to the lexicographically smaller pair.
nlohmann::json train_byte_level_bpe(const std::vector<std::string>& texts, const BpeTrainingOptions& options,
                                    const std::vector<std::string>& specials);

}  // namespace dep
