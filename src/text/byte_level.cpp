// GPT-2 byte-to-unicode table (docs/reference-behaviour.md §B.3).
#include "dep/text/byte_level.h"

#include "dep/text/utf8.h"

namespace dep {

ByteLevelAlphabet::ByteLevelAlphabet() {
  byte_of_char_.fill(-1);
  // Printable bytes keep their code point; the other 68, in increasing order, take 256, 257, ...
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    const char32_t c = printable ? static_cast<char32_t>(b) : next++;
    byte_to_char_[b] = c;
    byte_of_char_[c] = b;
    append_utf8(spelling_[b], c);
  }
}

const ByteLevelAlphabet& ByteLevelAlphabet::get() {
  static const ByteLevelAlphabet alphabet;
  return alphabet;
}

std::string ByteLevelAlphabet::encode(std::string_view bytes) const {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) out += spelling_[b];
  return out;
}

std::string ByteLevelAlphabet::decode(std::string_view spelling) const {
  std::string out;
  out.reserve(spelling.size());
  size_t i = 0;
  while (i < spelling.size()) {
    const Utf8Step step = decode_utf8_step(spelling.substr(i));
    const int b = step.valid ? byte_of(step.code_point) : -1;
    if (b < 0) return std::string(spelling);  // not a byte-level spelling: the token stays as it is
    out.push_back(static_cast<char>(b));
    i += step.length;
  }
  return out;
}

}  // namespace dep
