// Unicode normalization, predicates and grapheme clusters on top of utf8proc.
#include "dep/text/unicode.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "dep/core/error.h"
#include "dep/text/utf8.h"

namespace dep {

namespace {

// Code points that are NFC_Quick_Check=Yes with combining class 0 and are never the second
// character of a canonical composition: nothing before them can combine with them, so NFC may
// treat the text on each side of one independently. Listed: Latin up to U+02FF and U+1E00–U+1EFF,
// Greek and Cyrillic letters, Hebrew, Arabic, Devanagari and Thai letters, general and CJK
// punctuation (not the tone marks U+302A–U+302F), currency, kana (not U+3099–U+309C), CJK
// ideographs, Hangul syllables (jamo are not listed), fullwidth forms, emoji.
bool composition_inert(char32_t c) {
  if (c < 0x300) return true;
  if (c < 0x2000) {
    return (c >= 0x388 && c <= 0x3FF && c != 0x3F4 && c != 0x3F9) || (c >= 0x400 && c <= 0x482) ||
           (c >= 0x5D0 && c <= 0x5EA) || (c >= 0x620 && c <= 0x64A) || (c >= 0x904 && c <= 0x939) ||
           (c >= 0xE01 && c <= 0xE30) || (c >= 0x1E00 && c <= 0x1EFF);
  }
  return (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205E) || (c >= 0x20A0 && c <= 0x20C0) ||
         (c >= 0x3001 && c <= 0x3029) || (c >= 0x3030 && c <= 0x303F) || (c >= 0x3041 && c <= 0x3096) ||
         (c >= 0x30A1 && c <= 0x30FA) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3) ||
         (c >= 0xFF01 && c <= 0xFF5E) || (c >= 0x1F300 && c <= 0x1FAFF);
}

std::string utf8proc_form(std::string_view text, NormalForm form) {
  int options = UTF8PROC_STABLE;
  switch (form) {
    case NormalForm::kNfc: options |= UTF8PROC_COMPOSE; break;
    case NormalForm::kNfd: options |= UTF8PROC_DECOMPOSE; break;
    case NormalForm::kNfkc: options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
    case NormalForm::kNfkd: options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
  }
  utf8proc_uint8_t* out = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()), static_cast<utf8proc_ssize_t>(text.size()),
                   &out, static_cast<utf8proc_option_t>(options));
  if (n < 0) fail_internal("unicode_normalize", std::string("utf8proc: ") + utf8proc_errmsg(n));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> holder(out, &std::free);
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

// NFC that only hands utf8proc the stretches around characters that are not composition-inert:
// each stretch starts at the inert character before it (which may compose with what follows).
std::string nfc(std::string_view text) {
  std::string out;
  size_t copied = 0;        // text[0, copied) is in `out`
  size_t last_inert = 0;    // start of the last inert character seen
  size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0xCC) {  // below U+0300 (or an ASCII/continuation byte of such a character)
      if ((b & 0xC0) != 0x80) last_inert = i;
      ++i;
      continue;
    }
    const Utf8Step step = decode_utf8_step(text.substr(i));
    if (step.valid && composition_inert(step.code_point)) {
      last_inert = i;
      i += step.length;
      continue;
    }
    // A stretch of non-inert characters: normalize from the last inert one to the next inert one.
    size_t end = i + step.length;
    while (end < text.size()) {
      const auto e = static_cast<unsigned char>(text[end]);
      if (e < 0xCC) break;
      const Utf8Step next = decode_utf8_step(text.substr(end));
      if (next.valid && composition_inert(next.code_point)) break;
      end += next.length;
    }
    const size_t begin = std::max(last_inert, copied);
    if (out.empty()) out.reserve(text.size() + 16);
    out.append(text.substr(copied, begin - copied));
    out += utf8proc_form(text.substr(begin, end - begin), NormalForm::kNfc);
    copied = end;
    i = end;
    last_inert = end;
  }
  if (copied == 0) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

bool is_ascii(std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

}  // namespace

std::string unicode_normalize(std::string_view text, NormalForm form) {
  if (is_ascii(text)) return std::string(text);
  if (form == NormalForm::kNfc) return nfc(text);
  return utf8proc_form(text, form);
}

bool is_white_space(char32_t c) {
  if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D);
  if (c < 0x85) return false;
  switch (c) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (c == 0x200C || c == 0x200D) return true;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_PC:
      return true;
    default:
      return false;
  }
}

size_t grapheme_end(std::string_view text, size_t pos) {
  Utf8Step step = decode_utf8_step(text.substr(pos));
  size_t end = pos + step.length;
  char32_t previous = step.code_point;
  utf8proc_int32_t state = 0;
  while (end < text.size()) {
    step = decode_utf8_step(text.substr(end));
    if (utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(previous),
                                         static_cast<utf8proc_int32_t>(step.code_point), &state)) {
      break;
    }
    previous = step.code_point;
    end += step.length;
  }
  return end;
}

}  // namespace dep
