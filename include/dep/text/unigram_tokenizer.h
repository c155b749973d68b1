// Unigram (sentencepiece-style) tokenizer as Hugging Face `tokenizers` runs it from a
// tokenizer.json: added tokens on the raw text → the listed normalizer steps (Precompiled charsmap,
// Strip, Replace, NFC/NFKC, Sequence) → Metaspace → Viterbi over piece scores (unknown characters
// score min_score − 10; consecutive unknowns fuse into one unk) → post-processor specials.
// For bge-m3 / XLM-RoBERTa this gives the fairseq ids: <s>=0, <pad>=1, </s>=2, <unk>=3,
// sentencepiece pieces shifted by one, <mask> last.
//
// A sentencepiece `.model` (Unigram) is read natively, without libsentencepiece, and laid out the
// way transformers' XLMRobertaConverter does (see docs/tokenizers.md for why).
//
//   auto tok = dep::UnigramTokenizer::load("bge-m3");            // dir, tokenizer.json or .model
//   std::vector<int64_t> ids = tok.encode("Hello world!", 512);   // {0, ..., 2}, at most 512 ids
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace dep {

class UnigramTokenizer {
 public:
  // `path`: a tokenizer.json, a sentencepiece .model, or a directory with tokenizer.json (preferred)
  // or sentencepiece.bpe.model. Unsupported steps and malformed files are dep::Errors naming the file.
  static UnigramTokenizer load(const std::string& path);
  static UnigramTokenizer from_json(const nlohmann::json& tokenizer_json, const std::string& where);

  UnigramTokenizer(UnigramTokenizer&&) noexcept;
  UnigramTokenizer& operator=(UnigramTokenizer&&) noexcept;
  ~UnigramTokenizer();

  // With the post-processor's specials (<s> … </s>). max_length > 0 truncates the text's ids on the
  // right so that the result, specials included, has at most max_length ids (</s> is kept).
  std::vector<int64_t> encode(std::string_view text, size_t max_length = 0) const;
  // Without specials and without truncation.
  std::vector<int64_t> encode_plain(std::string_view text) const;

  // Ids → text (Metaspace decoder: "▁" → " ", the first token's "▁" dropped). Ids outside the
  // vocabulary are ignored.
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = false) const;

  int64_t token_to_id(std::string_view token) const;  // -1 when absent
  std::string id_to_token(int64_t id) const;          // "" when absent
  bool is_special(int64_t id) const;
  size_t vocab_size() const;
  size_t special_tokens_added() const;  // ids encode() adds around the text (2 for XLM-R)

  // The tokenizer.json this tokenizer was read from (or converted to, for a .model).
  const nlohmann::json& to_json() const;
  // Writes to_json() atomically.
  void save(const std::string& path) const;

 private:
  struct Impl;
  explicit UnigramTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dep
