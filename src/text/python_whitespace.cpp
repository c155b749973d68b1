// Python's str whitespace rules on UTF-8 text (see python_whitespace.h).
#include "dep/text/python_whitespace.h"

namespace dep {
namespace {

// Length of the UTF-8 whitespace sequence at `s[i]` that Python's str.isspace() accepts, or 0.
size_t whitespace_at(const std::string& s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return 1;
  auto byte = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  if (c == 0xc2 && (byte(1) == 0x85 || byte(1) == 0xa0)) return 2;          // U+0085, U+00A0
  if (c == 0xe1 && byte(1) == 0x9a && byte(2) == 0x80) return 3;            // U+1680
  if (c == 0xe2 && byte(1) == 0x80 && (byte(2) <= 0x8a || byte(2) == 0xa8 || byte(2) == 0xa9 || byte(2) == 0xaf))
    return 3;                                                               // U+2000–200A, 2028, 2029, 202F
  if (c == 0xe2 && byte(1) == 0x81 && byte(2) == 0x9f) return 3;            // U+205F
  if (c == 0xe3 && byte(1) == 0x80 && byte(2) == 0x80) return 3;            // U+3000
  return 0;
}

}  // namespace

std::vector<std::string> whitespace_split(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (size_t i = 0; i < text.size();) {
    const size_t w = whitespace_at(text, i);
    if (w) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
      i += w;
    } else {
      current += text[i++];
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::string python_strip(const std::string& text) {
  // whitespace_split's separator rule is Python's str.isspace(): the text between the first and
  // last token is kept byte for byte.
  const auto tokens = whitespace_split(text);
  if (tokens.empty()) return "";
  const size_t begin = text.find(tokens.front());
  const size_t end = text.rfind(tokens.back()) + tokens.back().size();
  return text.substr(begin, end - begin);
}

}  // namespace dep
