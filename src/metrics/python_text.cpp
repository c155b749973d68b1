// Python str semantics on UTF-8 (see python_text.h); utf8proc supplies the Unicode tables.
#include "python_text.h"

#include <utf8proc.h>

#include "dep/core/error.h"

namespace dep::metrics_detail {

const char* const kPySpaceClass =
    "[\\t\\n\\x{0B}\\x{0C}\\r\\x{1C}-\\x{1F} \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
    "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]";
const char* const kPyNonSpaceClass =
    "[^\\t\\n\\x{0B}\\x{0C}\\r\\x{1C}-\\x{1F} \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
    "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]";

std::u32string utf8_to_u32(std::string_view text, const char* where) {
  std::u32string out;
  out.reserve(text.size());
  auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) fail(where, "invalid UTF-8 at byte " + std::to_string(text.size() - left));
    out.push_back(static_cast<char32_t>(cp));
    p += n;
    left -= n;
  }
  return out;
}

bool is_valid_utf8(std::string_view text) {
  auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) return false;
    p += n;
    left -= n;
  }
  return true;
}

char32_t first_code_point(std::string_view text) {
  if (text.empty()) return 0;
  utf8proc_int32_t cp = 0;
  auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                            static_cast<utf8proc_ssize_t>(text.size()), &cp);
  return n > 0 ? static_cast<char32_t>(cp) : 0;
}

std::string u32_to_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  utf8proc_uint8_t buf[4];
  for (char32_t c : text) {
    auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buf);
    out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
  }
  return out;
}

bool py_isspace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

namespace {

bool in_ranges(char32_t c, const char32_t (*ranges)[2], size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (c >= ranges[i][0] && c <= ranges[i][1]) return true;
  }
  return false;
}

// Unicode's Other_Uppercase / Other_Lowercase, which Python counts as cased.
constexpr char32_t kOtherUpper[][2] = {{0x2160, 0x216F}, {0x24B6, 0x24CF}, {0x1F130, 0x1F149},
                                       {0x1F150, 0x1F169}, {0x1F170, 0x1F189}};
constexpr char32_t kOtherLower[][2] = {
    {0xAA, 0xAA},     {0xBA, 0xBA},     {0x2B0, 0x2B8},   {0x2C0, 0x2C1},   {0x2E0, 0x2E4},
    {0x345, 0x345},   {0x37A, 0x37A},   {0x10FC, 0x10FC}, {0x1D2C, 0x1D6A}, {0x1D78, 0x1D78},
    {0x1D9B, 0x1DBF}, {0x2071, 0x2071}, {0x207F, 0x207F}, {0x2090, 0x209C}, {0x2170, 0x217F},
    {0x24D0, 0x24E9}, {0x2C7C, 0x2C7D}, {0xA69C, 0xA69D}, {0xA770, 0xA770}, {0xA7F8, 0xA7F9},
    {0xAB5C, 0xAB5F}};

bool is_cased(char32_t c) {
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL ||
         cat == UTF8PROC_CATEGORY_LT || py_isupper(c) || py_islower(c);
}

// Unicode's Case_Ignorable, approximated by the categories that make it up.
bool is_case_ignorable(char32_t c) {
  if (c == '\'' || c == '.' || c == ':' || c == '^' || c == '`' || c == 0xB7 || c == 0x2019)
    return true;
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_ME ||
         cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_LM ||
         cat == UTF8PROC_CATEGORY_SK;
}

// Python lowers capital sigma to final sigma when it ends a word (Unicode's Final_Sigma).
bool is_final_sigma(std::u32string_view s, size_t i) {
  size_t j = i;
  bool cased_before = false;
  while (j > 0) {
    --j;
    if (is_case_ignorable(s[j])) continue;
    cased_before = is_cased(s[j]);
    break;
  }
  if (!cased_before) return false;
  for (size_t k = i + 1; k < s.size(); ++k) {
    if (is_case_ignorable(s[k])) continue;
    return !is_cased(s[k]);
  }
  return true;
}

}  // namespace

bool py_isupper(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z';
  if (utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_LU) return true;
  return in_ranges(c, kOtherUpper, sizeof(kOtherUpper) / sizeof(kOtherUpper[0]));
}

bool py_islower(char32_t c) {
  if (c < 0x80) return c >= 'a' && c <= 'z';
  if (utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_LL) return true;
  return in_ranges(c, kOtherLower, sizeof(kOtherLower) / sizeof(kOtherLower[0]));
}

std::u32string py_lower(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char32_t c = text[i];
    if (c < 0x80) {
      out.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
    } else if (c == 0x130) {
      out.push_back(U'i');
      out.push_back(0x307);
    } else if (c == 0x3A3) {
      out.push_back(is_final_sigma(text, i) ? 0x3C2 : 0x3C3);
    } else {
      out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    }
  }
  return out;
}

std::string py_lower(std::string_view utf8) {
  bool ascii = true;
  for (unsigned char ch : utf8) {
    if (ch >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    std::string out(utf8);
    for (char& ch : out) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
    }
    return out;
  }
  return u32_to_utf8(py_lower(utf8_to_u32(utf8)));
}

namespace {

// Length in bytes of the whitespace code point at `pos`, or 0 when it is not Python whitespace.
size_t space_at(std::string_view s, size_t pos) {
  unsigned char b = static_cast<unsigned char>(s[pos]);
  if (b < 0x80) return py_isspace(b) ? 1 : 0;
  utf8proc_int32_t cp = 0;
  auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + pos),
                            static_cast<utf8proc_ssize_t>(s.size() - pos), &cp);
  if (n <= 0) return 0;
  return py_isspace(static_cast<char32_t>(cp)) ? static_cast<size_t>(n) : 0;
}

size_t code_point_length(std::string_view s, size_t pos) {
  unsigned char b = static_cast<unsigned char>(s[pos]);
  size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  return std::min(n, s.size() - pos);
}

}  // namespace

std::vector<std::string_view> py_split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  size_t start = std::string_view::npos;
  while (i < s.size()) {
    size_t sp = space_at(s, i);
    if (sp) {
      if (start != std::string_view::npos) {
        out.push_back(s.substr(start, i - start));
        start = std::string_view::npos;
      }
      i += sp;
    } else {
      if (start == std::string_view::npos) start = i;
      i += code_point_length(s, i);
    }
  }
  if (start != std::string_view::npos) out.push_back(s.substr(start));
  return out;
}

std::string_view py_rstrip(std::string_view s) {
  // Walk forward so multi-byte spaces are recognised; remember where trailing space began.
  size_t i = 0;
  size_t end = 0;
  while (i < s.size()) {
    size_t sp = space_at(s, i);
    if (sp) {
      i += sp;
    } else {
      i += code_point_length(s, i);
      end = i;
    }
  }
  return s.substr(0, end);
}

std::string_view py_strip(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t sp = space_at(s, i);
    if (!sp) break;
    i += sp;
  }
  return py_rstrip(s.substr(i));
}

}  // namespace dep::metrics_detail
