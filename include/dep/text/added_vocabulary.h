// Added tokens (special tokens such as <|im_start|>, or user additions): found in the text
// before the model sees it, leftmost-longest, as Hugging Face's AddedVocabulary does.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dep {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool single_word = false;  // only match when not inside a word
  bool lstrip = false;       // absorb the whitespace before the match
  bool rstrip = false;       // absorb the whitespace after the match
  bool normalized = true;    // match against the normalized text instead of the raw text
  bool special = true;       // dropped by decode(skip_special_tokens=true)

  static AddedToken from_json(const nlohmann::json& j, const std::string& where);
  nlohmann::json to_json() const;
};

// An added token's id must lie in [0, id_limit) (the model's tokens plus the file's added tokens):
// a far-off id would make the id table huge or shadow another token.
void check_added_token_id(const AddedToken& token, int64_t id_limit, const std::string& where);

// A span of the input: an added token (token_id >= 0) or text for the model (token_id == -1).
struct TextSpan {
  int32_t token_id;
  size_t begin;
  size_t end;
};

class AddedVocabulary {
 public:
  // Adds or replaces (same content) a token; call rebuild() before matching again.
  void add(const AddedToken& token);
  // Rebuilds the matchers; `normalize` turns normalized=true contents into the form they are
  // matched in.
  void rebuild(const std::function<std::string(std::string_view)>& normalize);

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  const AddedToken* find_id(int32_t id) const;
  const AddedToken* find_content(std::string_view content) const;
  int32_t max_id() const;
  bool empty() const { return tokens_.empty(); }

  // Splits `text` on the tokens with normalized=false (raw) or normalized=true. The spans cover
  // the text in order; an empty text gives no spans.
  void split_raw(std::string_view text, std::vector<TextSpan>& out) const { raw_.split(*this, text, out); }
  void split_normalized(std::string_view text, std::vector<TextSpan>& out) const {
    normalized_.split(*this, text, out);
  }
  bool has_normalized_tokens() const { return !normalized_.empty(); }

 private:
  // Leftmost-longest matching over a handful of patterns: candidates bucketed by first byte,
  // longest first.
  class Matcher {
   public:
    void build(std::vector<std::pair<std::string, size_t>> patterns);
    void split(const AddedVocabulary& vocab, std::string_view text, std::vector<TextSpan>& out) const;
    bool empty() const { return patterns_.empty(); }

   private:
    std::vector<std::pair<std::string, size_t>> patterns_;  // (matched text, index into tokens_)
    std::array<std::vector<uint32_t>, 256> by_first_byte_;
    std::string first_bytes_;  // distinct first bytes, searched with memchr when there are few
  };

  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> by_id_;
  std::unordered_map<std::string, size_t> by_content_;
  Matcher raw_;
  Matcher normalized_;
};

}  // namespace dep
