// One interface over dep's tokenizers, and the loader that picks the right one for a path:
// a tokenizer.json (BPE → BpeTokenizer, Unigram → UnigramTokenizer), a sentencepiece .model
// (Unigram, XLM-R layout), or a model directory holding either.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dep {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // add_special_tokens: the post-processor's specials (<s> … </s> for XLM-R; nothing for Qwen).
  virtual std::vector<int64_t> encode(std::string_view text, bool add_special_tokens) const = 0;
  virtual std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const = 0;
  // Ids are valid in [0, vocab_size()).
  virtual size_t vocab_size() const = 0;
  // Writes a tokenizer.json Hugging Face `tokenizers` loads (a .model comes out converted).
  virtual void save(const std::string& path) const = 0;
};

// A dep::Error naming the path when nothing loadable is there.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path);

// The tokenizer file a path names: itself for a file, else the directory's tokenizer.json or,
// failing that, its sentencepiece.bpe.model. A dep::Error naming the path when there is none.
std::string resolve_tokenizer_file(const std::string& path);

}  // namespace dep
