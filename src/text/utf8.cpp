// UTF-8 decoding with maximal-subpart replacement (Unicode 15, §3.9 "U+FFFD substitution").
#include "dep/text/utf8.h"

#include <cstring>

namespace dep {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Allowed range of the second byte for a lead byte (the later bytes are always 80..BF).
struct LeadInfo {
  int length;  // 0: not a lead byte
  unsigned char second_lo;
  unsigned char second_hi;
};

LeadInfo lead_info(unsigned char b) {
  if (b < 0x80) return {1, 0, 0};
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

}  // namespace

Utf8Step decode_utf8_step(std::string_view bytes) {
  Utf8Step step;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  if (n == 0) return step;
  const LeadInfo info = lead_info(p[0]);
  if (info.length == 0) {
    step.length = 1;
    return step;
  }
  if (info.length == 1) {
    step.code_point = p[0];
    step.length = 1;
    step.valid = true;
    return step;
  }
  char32_t cp = p[0] & (0xFF >> (info.length + 1));
  for (int i = 1; i < info.length; ++i) {
    if (static_cast<size_t>(i) >= n) {
      step.length = static_cast<size_t>(i);
      step.truncated = true;
      return step;
    }
    const unsigned char lo = i == 1 ? info.second_lo : 0x80;
    const unsigned char hi = i == 1 ? info.second_hi : 0xBF;
    if (p[i] < lo || p[i] > hi) {
      step.length = static_cast<size_t>(i);
      return step;
    }
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  step.code_point = cp;
  step.length = static_cast<size_t>(info.length);
  step.valid = true;
  return step;
}

bool is_valid_utf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    // ASCII eight bytes at a time.
    while (i + 8 <= bytes.size()) {
      uint64_t word;
      std::memcpy(&word, bytes.data() + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= bytes.size()) break;
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Step step = decode_utf8_step(bytes.substr(i));
    if (!step.valid) return false;
    i += step.length;
  }
  return true;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string to_valid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  while (i < bytes.size()) {
    // Copy runs of ASCII at once: the common case.
    size_t j = i;
    while (j < bytes.size() && static_cast<unsigned char>(bytes[j]) < 0x80) ++j;
    out.append(bytes.data() + i, j - i);
    i = j;
    if (i >= bytes.size()) break;
    const Utf8Step step = decode_utf8_step(bytes.substr(i));
    if (step.valid) {
      out.append(bytes.data() + i, step.length);
    } else {
      append_utf8(out, kReplacement);
    }
    i += step.length;
  }
  return out;
}

std::string Utf8StreamBuffer::push(std::string_view bytes) {
  pending_.append(bytes.data(), bytes.size());
  // Everything up to the last decided unit is final; a truncated-but-well-formed tail waits.
  size_t i = 0;
  size_t final_end = 0;
  while (i < pending_.size()) {
    const Utf8Step step = decode_utf8_step(std::string_view(pending_).substr(i));
    if (step.truncated) break;
    i += step.length;
    final_end = i;
  }
  std::string out = to_valid_utf8(std::string_view(pending_).substr(0, final_end));
  pending_.erase(0, final_end);
  return out;
}

std::string Utf8StreamBuffer::finish() {
  std::string out = to_valid_utf8(pending_);
  pending_.clear();
  return out;
}

}  // namespace dep
