// GPT-2's byte-to-unicode alphabet: byte-level BPE vocabularies spell every byte as one printable
// character (0x20 ' ' is "Ġ" U+0120, 0x0A is "Ċ" U+010A), so token strings are valid UTF-8.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace dep {

class ByteLevelAlphabet {
 public:
  static const ByteLevelAlphabet& get();

  char32_t char_of(unsigned char byte) const { return byte_to_char_[byte]; }
  // UTF-8 spelling of the character for `byte`.
  const std::string& spelling_of(unsigned char byte) const { return spelling_[byte]; }
  // Byte for a character of the alphabet, or -1 for any other character.
  int byte_of(char32_t c) const { return c < byte_of_char_.size() ? byte_of_char_[c] : -1; }

  // Bytes → alphabet spelling (how BPE sees a pre-token).
  std::string encode(std::string_view bytes) const;
  // Alphabet spelling → bytes. A token with any character outside the alphabet (e.g. an added
  // token such as "<a b>") is returned unchanged, as Hugging Face's ByteLevel decoder does per token.
  std::string decode(std::string_view spelling) const;

 private:
  ByteLevelAlphabet();
  std::array<char32_t, 256> byte_to_char_{};
  std::array<std::string, 256> spelling_{};
  std::array<int, 324> byte_of_char_{};
};

}  // namespace dep
