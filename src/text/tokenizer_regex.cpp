// PCRE2 wrapper for tokenizer.json patterns, with Oniguruma's Unicode class semantics.
#include "dep/text/tokenizer_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "dep/core/error.h"

namespace dep {

namespace {

constexpr const char* kSpaceClass = "\\t-\\r\\x{85}\\p{Z}";
constexpr const char* kWordClass = "\\p{L}\\p{M}\\p{Nd}\\p{Pc}";

}  // namespace

std::string oniguruma_to_pcre2(const std::string& pattern, const std::string& where) {
  std::string out;
  out.reserve(pattern.size() + 32);
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[i + 1];
      ++i;
      const char* cls = (e == 's' || e == 'S') ? kSpaceClass : (e == 'w' || e == 'W') ? kWordClass : nullptr;
      if (cls == nullptr) {
        out += '\\';
        out += e;
        continue;
      }
      const bool negated = (e == 'S' || e == 'W');
      if (in_class) {
        if (negated) fail(where, std::string("regex: \\") + e + " inside a character class is not supported: " + pattern);
        out += cls;
      } else {
        out += negated ? "[^" : "[";
        out += cls;
        out += ']';
      }
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal member.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
      continue;
    }
    if (in_class && c == '[') fail(where, "regex: nested character classes are not supported: " + pattern);
    if (in_class && c == ']') in_class = false;
    out += c;
  }
  return out;
}

TokenizerRegex::TokenizerRegex(const std::string& oniguruma_pattern, const std::string& where)
    : pattern_(oniguruma_pattern) {
  const std::string translated = oniguruma_to_pcre2(oniguruma_pattern, where);
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                                   PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof(message));
    fail(where, "regex '" + oniguruma_pattern + "' does not compile (offset " + std::to_string(error_offset) +
                    "): " + reinterpret_cast<const char*>(message));
  }
  jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  code_ = code;
}

TokenizerRegex::~TokenizerRegex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

TokenizerRegex::Matcher::Matcher(const TokenizerRegex& regex) : regex_(regex) {
  match_data_ = pcre2_match_data_create_from_pattern(static_cast<pcre2_code*>(regex.code_), nullptr);
  if (match_data_ == nullptr) fail_internal("regex", "out of memory for PCRE2 match data");
}

TokenizerRegex::Matcher::~Matcher() { pcre2_match_data_free(static_cast<pcre2_match_data*>(match_data_)); }

bool TokenizerRegex::Matcher::find(std::string_view text, size_t start, size_t& match_begin, size_t& match_end) {
  auto* code = static_cast<pcre2_code*>(regex_.code_);
  auto* data = static_cast<pcre2_match_data*>(match_data_);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  // Callers pass valid UTF-8, so the per-call UTF check (a full scan of the subject) is skipped.
  const int rc = regex_.jit_ ? pcre2_jit_match(code, subject, text.size(), start, PCRE2_NO_UTF_CHECK, data, nullptr)
                             : pcre2_match(code, subject, text.size(), start, PCRE2_NO_UTF_CHECK, data, nullptr);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(rc, message, sizeof(message));
    const std::string what = reinterpret_cast<const char*>(message);
    // Resource limits are hit by the input (a pathological text, or a pattern from the user's
    // tokenizer.json), not by a bug: bad input, naming where in the text it happened.
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
        rc == PCRE2_ERROR_JIT_STACKLIMIT) {
      fail("tokenizer pre-tokenizer regex", "the text from byte " + std::to_string(start) + " exceeds a regex limit (" +
                                                what + "); split the text or check the tokenizer's pattern");
    }
    fail_internal("regex '" + regex_.pattern_ + "'", what);
  }
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
  match_begin = ovector[0];
  match_end = ovector[1];
  return true;
}

}  // namespace dep
