// sentencepiece's precompiled normalization map (nmt_nfkc and friends): a darts-clone double-array
// trie over UTF-8 keys whose values index NUL-terminated replacement strings. Applied the way
// Hugging Face's Precompiled normalizer applies it: per extended grapheme cluster when the cluster
// is shorter than 6 bytes, otherwise per character, taking the first (shortest) prefix match.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dep {

class PrecompiledCharsmap {
 public:
  // `blob` is the raw charsmap (u32 trie size in bytes, trie units, replacement strings).
  PrecompiledCharsmap(std::string_view blob, const std::string& where);

  std::string normalize(std::string_view text) const;
  const std::string& blob() const { return blob_; }

 private:
  // Replacement for the shortest prefix of `chunk` in the trie, or false.
  bool transform(std::string_view chunk, std::string_view& replacement) const;

  std::string blob_;
  std::vector<uint32_t> units_;
  std::string replacements_;
};

}  // namespace dep
