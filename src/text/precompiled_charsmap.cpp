// sentencepiece precompiled charsmap: darts-clone trie lookup and the grapheme-wise rewrite.
#include "dep/text/precompiled_charsmap.h"

#include <cstring>

#include "dep/core/error.h"
#include "dep/text/unicode.h"
#include "dep/text/utf8.h"

namespace dep {

namespace {

// darts-clone unit layout.
bool has_leaf(uint32_t unit) { return ((unit >> 8) & 1) == 1; }
uint32_t value_of(uint32_t unit) { return unit & ((1u << 31) - 1); }
uint32_t label_of(uint32_t unit) { return unit & ((1u << 31) | 0xFF); }
uint32_t offset_of(uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }

}  // namespace

PrecompiledCharsmap::PrecompiledCharsmap(std::string_view blob, const std::string& where) : blob_(blob) {
  if (blob.size() < 4) fail(where, "precompiled_charsmap is shorter than its 4-byte header");
  uint32_t trie_bytes = 0;
  std::memcpy(&trie_bytes, blob.data(), 4);  // little-endian, as written by sentencepiece
  if (trie_bytes % 4 != 0 || trie_bytes > blob.size() - 4 || trie_bytes == 0) {
    fail(where, "precompiled_charsmap: bad trie size " + std::to_string(trie_bytes) + " for a blob of " +
                    std::to_string(blob.size()) + " bytes");
  }
  units_.resize(trie_bytes / 4);
  std::memcpy(units_.data(), blob.data() + 4, trie_bytes);
  replacements_.assign(blob.data() + 4 + trie_bytes, blob.size() - 4 - trie_bytes);
  if (!is_valid_utf8(replacements_)) fail(where, "precompiled_charsmap: replacement strings are not UTF-8");
}

bool PrecompiledCharsmap::transform(std::string_view chunk, std::string_view& replacement) const {
  const size_t n_units = units_.size();
  size_t node = offset_of(units_[0]);
  for (unsigned char c : chunk) {
    if (c == 0) return false;
    node ^= c;
    if (node >= n_units) return false;
    const uint32_t unit = units_[node];
    if (label_of(unit) != c) return false;
    node ^= offset_of(unit);
    if (node >= n_units) return false;
    if (has_leaf(unit)) {
      const size_t begin = value_of(units_[node]);
      if (begin > replacements_.size()) return false;
      size_t end = begin;
      while (end < replacements_.size() && replacements_[end] != '\0') ++end;
      replacement = std::string_view(replacements_).substr(begin, end - begin);
      return true;
    }
  }
  return false;
}

std::string PrecompiledCharsmap::normalize(std::string_view text) const {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  std::string_view replacement;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = grapheme_end(text, pos);
    const std::string_view grapheme = text.substr(pos, end - pos);
    pos = end;
    if (grapheme.size() < 6 && transform(grapheme, replacement)) {
      out.append(replacement);
      continue;
    }
    size_t i = 0;
    while (i < grapheme.size()) {
      const size_t len = decode_utf8_step(grapheme.substr(i)).length;
      const std::string_view one = grapheme.substr(i, len);
      if (transform(one, replacement)) {
        out.append(replacement);
      } else {
        out.append(one);
      }
      i += len;
    }
  }
  return out;
}

}  // namespace dep
