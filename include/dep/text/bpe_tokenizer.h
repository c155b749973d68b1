// Byte-level BPE tokenizer (Qwen2.5, GPT-2 family) read from a Hugging Face tokenizer.json and
// producing exactly the ids of Hugging Face `tokenizers`:
//   added tokens matched on the raw text (leftmost-longest) → NFC → the pre-tokenizer's split
//   regex → GPT-2 byte alphabet → BPE merges by rank (with a word cache).
// No BOS/EOS is added (Qwen's post-processor adds nothing). Input that is not valid UTF-8 is
// first repaired: each maximal invalid subsequence becomes U+FFFD (as Python's errors="replace").
//
//   auto tok = dep::BpeTokenizer::load("Qwen2.5-7B-Instruct");        // dir or tokenizer.json
//   std::vector<int64_t> ids = tok.encode("Hello world");             // {9707, 1879}
//   std::string text = tok.decode(ids);                               // "Hello world"
//
// encode/decode are const and safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dep/text/utf8.h"

namespace dep {

class BpeTokenizer {
 public:
  // `path` is a tokenizer.json or a directory holding one. Tokens listed in the
  // added_tokens_decoder of a tokenizer_config.json beside it and missing from tokenizer.json are
  // added, as transformers does. Unsupported pipelines, a merge whose parts or result are not in the
  // vocab, and malformed files are dep::Errors naming the file.
  static BpeTokenizer load(const std::string& path);
  static BpeTokenizer from_json(const nlohmann::json& tokenizer_json, const std::string& where);

  BpeTokenizer(BpeTokenizer&&) noexcept;
  BpeTokenizer& operator=(BpeTokenizer&&) noexcept;
  ~BpeTokenizer();

  std::vector<int64_t> encode(std::string_view text) const;
  // With truncation to the first max_length ids, as transformers' tok(text, max_length=N,
  // truncation=True) does for one sequence (Qwen adds no specials). max_length 0 = no limit.
  std::vector<int64_t> encode(std::string_view text, size_t max_length) const;
  // Appends the ids of `text` to `out` (no allocation beyond `out` in the common case).
  void encode_into(std::string_view text, std::vector<int64_t>& out) const;
  // Encodes each text independently, on up to `threads` threads (0 = hardware concurrency).
  std::vector<std::vector<int64_t>> encode_batch(const std::vector<std::string>& texts, size_t threads = 1) const;

  // Ids → text. Added tokens decode to their content; invalid UTF-8 becomes U+FFFD; ids outside
  // the vocabulary are ignored (as Hugging Face does). skip_special_tokens drops special=true tokens.
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens = false) const;

  // Incremental decoding for streaming generation: push() returns the text that became final and
  // never ends inside a UTF-8 character; the pieces concatenate to decode(all ids).
  class StreamDecoder {
   public:
    StreamDecoder(const BpeTokenizer& tokenizer, bool skip_special_tokens);
    std::string push(int64_t id);
    std::string finish();

   private:
    const BpeTokenizer* tokenizer_;
    bool skip_special_;
    Utf8StreamBuffer buffer_;
  };

  // Adds special tokens (special, not normalized, no strip) after the current vocabulary, in
  // order, as transformers' add_special_tokens({"additional_special_tokens": ...}) does. Tokens that
  // already exist keep their id. Returns the ids of `contents`. Not to be called while another
  // thread encodes or decodes with this tokenizer.
  std::vector<int64_t> add_special_tokens(const std::vector<std::string>& contents);

  // Writes a tokenizer.json that Hugging Face `tokenizers` loads (atomically).
  void save(const std::string& path) const;

  // Token string (byte-alphabet spelling, or an added token's content) → id, or -1.
  int64_t token_to_id(std::string_view token) const;
  // Id → token string; "" for an unknown id.
  std::string id_to_token(int64_t id) const;
  bool is_special(int64_t id) const;
  // Model vocabulary plus added tokens (Qwen2.5: 151,665; DEP: 151,685).
  size_t vocab_size() const;

 private:
  struct Impl;
  explicit BpeTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dep
