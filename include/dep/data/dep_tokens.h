// The ids of the special tokens DEP's samples use, looked up by their strings in the tokenizer at
// load time (no id is fixed in the code: Qwen2.5's and the demo's small vocabulary differ).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dep {

class BpeTokenizer;

// Label of prompt and pad positions (PyTorch's ignore_index); not a token id.
inline constexpr int64_t kIgnoreLabel = -100;

// DEP's 20 added tokens in the reference's order: [HIS_TOKEN_0..7], [DIFF_TOKEN_0..7],
// <his_token_start>, <his_token_end>, <diff_token_start>, <diff_token_end> (docs/reference-behaviour.md §7).
const std::vector<std::string>& dep_special_tokens();
// The placeholder tokens of slot i: [HIS_TOKEN_i], [DIFF_TOKEN_i].
std::string his_placeholder(int64_t slot);
std::string diff_placeholder(int64_t slot);
inline constexpr const char* kImEndToken = "<|im_end|>";        // the eos appended to training targets
inline constexpr const char* kEndOfTextToken = "<|endoftext|>";  // the pad token (left padding)

struct DepTokens {
  static constexpr int kMaxSlots = 8;  // placeholder tokens exist for i = 0..7 only

  // [HIS_TOKEN_i] / [DIFF_TOKEN_i] for i < kMaxSlots; both empty when the tokenizer has no DEP
  // tokens (a plain decoder for the baselines: its prompts have no placeholders).
  std::vector<int64_t> his;
  std::vector<int64_t> diff;
  int64_t im_end = -1;  // <|im_end|>
  int64_t pad = -1;     // <|endoftext|>

  bool has_placeholders() const { return !his.empty(); }
  // The slot i whose [HIS_TOKEN_i] (or [DIFF_TOKEN_i]) is `id`, or -1.
  int his_slot(int64_t id) const;
  int diff_slot(int64_t id) const;

  // Resolves every id through `id_of` (token string → id, -1 when absent). <|im_end|> and
  // <|endoftext|> are required; the 20 DEP tokens are all present or all absent. A missing token
  // is a one-line dep::Error naming `source` (the tokenizer file) and the token.
  static DepTokens resolve(const std::function<int64_t(std::string_view)>& id_of, const std::string& source);
  static DepTokens of(const BpeTokenizer& tokenizer, const std::string& source);
};

}  // namespace dep
