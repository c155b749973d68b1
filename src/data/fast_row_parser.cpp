// The DPL row fast path (see fast_row_parser.h).
#include "fast_row_parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace dep::detail {

namespace {

// Records `key` among the keys of one object; false for a duplicate, which the general parser then
// reports (a duplicate key would otherwise silently keep the last value).
bool first_time(std::vector<std::string>& keys, const std::string& key) {
  if (std::find(keys.begin(), keys.end(), key) != keys.end()) return false;
  keys.push_back(key);
  return true;
}

// Marks a schema key as seen; false when it was already seen.
bool first_time(unsigned& seen, unsigned bit) {
  if (seen & bit) return false;
  seen |= bit;
  return true;
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool eat(char c) {
    ws();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    ws();
    return p_ < end_ && *p_ == c;
  }
  bool at_end() {
    ws();
    return p_ == end_;
  }

  // A JSON string, unescaped, UTF-8 validated.
  bool string(std::string& out) {
    if (!eat('"')) return false;
    out.clear();
    const char* run = p_;
    while (p_ < end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out.append(run, p_);
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        out.append(run, p_);
        if (!escape(out)) return false;
        run = p_;
        continue;
      }
      if (c >= 0x80) {
        if (!utf8_sequence()) return false;
        continue;
      }
      ++p_;
    }
    return false;
  }

  bool number(double& out) {
    ws();
    const char* start = p_;
    if (!scan_number()) return false;
    auto res = std::from_chars(start, p_, out);
    return res.ec == std::errc() && res.ptr == p_ && std::isfinite(out);
  }

  bool integer(int64_t& out) {
    ws();
    const char* start = p_;
    if (!scan_number()) return false;
    auto res = std::from_chars(start, p_, out);
    return res.ec == std::errc() && res.ptr == p_;
  }

  // Skips any JSON value (for keys the schema does not use).
  bool skip_value(int depth = 0) {
    if (depth > 64) return false;
    ws();
    if (p_ >= end_) return false;
    std::string scratch;
    switch (*p_) {
      case '"': return string(scratch);
      case '{': {
        ++p_;
        if (eat('}')) return true;
        std::vector<std::string> keys;
        do {
          if (!string(scratch) || !eat(':') || !skip_value(depth + 1)) return false;
          if (!first_time(keys, scratch)) return false;
        } while (eat(','));
        return eat('}');
      }
      case '[':
        ++p_;
        if (eat(']')) return true;
        do {
          if (!skip_value(depth + 1)) return false;
        } while (eat(','));
        return eat(']');
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: {
        double ignored;
        return number(ignored);
      }
    }
  }

 private:
  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  // JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool scan_number() {
    auto digit = [&] { return p_ < end_ && *p_ >= '0' && *p_ <= '9'; };
    if (p_ < end_ && *p_ == '-') ++p_;
    if (!digit()) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (digit()) ++p_;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (!digit()) return false;
      while (digit()) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digit()) return false;
      while (digit()) ++p_;
    }
    return true;
  }

  bool hex4(uint32_t& v) {
    if (end_ - p_ < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return false;
    }
    return true;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool escape(std::string& out) {
    ++p_;  // the backslash
    if (p_ >= end_) return false;
    const char c = *p_++;
    switch (c) {
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case '/': out += '/'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': {
        uint32_t cp;
        if (!hex4(cp)) return false;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low;
          if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') return false;
          p_ += 2;
          if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return false;
        }
        append_utf8(out, cp);
        return true;
      }
      default: return false;
    }
  }

  // One well-formed UTF-8 multi-byte sequence (no overlongs, surrogates or > U+10FFFF).
  bool utf8_sequence() {
    const auto b0 = static_cast<unsigned char>(*p_);
    int n;
    uint32_t cp;
    if (b0 >= 0xC2 && b0 <= 0xDF) n = 1, cp = b0 & 0x1F;
    else if (b0 >= 0xE0 && b0 <= 0xEF) n = 2, cp = b0 & 0x0F;
    else if (b0 >= 0xF0 && b0 <= 0xF4) n = 3, cp = b0 & 0x07;
    else return false;
    if (end_ - p_ <= n) return false;
    for (int i = 1; i <= n; ++i) {
      const auto b = static_cast<unsigned char>(p_[i]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    p_ += n + 1;
    return true;
  }

  const char* p_;
  const char* end_;
};

bool parse_review(Scanner& s, Review& r) {
  if (!s.eat('{')) return false;
  unsigned seen = 0;
  std::string key;
  std::vector<std::string> other_keys;
  if (!s.peek('}')) {
    do {
      if (!s.string(key) || !s.eat(':')) return false;
      if (key == "asin") {
        if (!first_time(seen, 1) || !s.string(r.asin)) return false;
      } else if (key == "rating") {
        if (!first_time(seen, 2) || !s.number(r.rating)) return false;
      } else if (key == "text") {
        if (!first_time(seen, 4) || !s.string(r.text)) return false;
      } else if (key == "timestamp") {
        if (!first_time(seen, 8) || !s.integer(r.timestamp)) return false;
      } else if (key == "title") {
        if (!first_time(seen, 16) || !s.string(r.title)) return false;
      } else if (!first_time(other_keys, key) || !s.skip_value()) {
        return false;
      }
    } while (s.eat(','));
  }
  return s.eat('}') && seen == 31 && !r.asin.empty() && !r.text.empty();
}

}  // namespace

bool fast_parse_user_row(std::string_view line, UserRow& row) {
  Scanner s(line);
  if (!s.eat('{')) return false;
  unsigned seen = 0;
  std::string key;
  std::vector<std::string> other_keys;
  if (!s.peek('}')) {
    do {
      if (!s.string(key) || !s.eat(':')) return false;
      if (key == "user_id") {
        if (!first_time(seen, 1) || !s.string(row.user_id)) return false;
      } else if (key == "profile") {
        if (!first_time(seen, 2) || !s.eat('[')) return false;
        row.profile.clear();
        if (!s.peek(']')) {
          do {
            row.profile.emplace_back();
            if (!parse_review(s, row.profile.back())) return false;
          } while (s.eat(','));
        }
        if (!s.eat(']')) return false;
      } else if (key == "data") {
        if (!first_time(seen, 4) || !parse_review(s, row.data)) return false;
      } else if (!first_time(other_keys, key) || !s.skip_value()) {
        return false;
      }
    } while (s.eat(','));
  }
  return s.eat('}') && s.at_end() && seen == 7 && !row.user_id.empty();
}

}  // namespace dep::detail
