// PCRE2-backed implementation of the Python-like regex operations (see regex.h).
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>

#include "dep/core/error.h"

namespace dep::metrics_detail {

namespace {

pcre2_code* as_code(void* p) { return static_cast<pcre2_code*>(p); }

// Match data is reused per thread; a pattern never has more than a handful of groups.
struct MatchData {
  pcre2_match_data* data = pcre2_match_data_create(16, nullptr);
  ~MatchData() { pcre2_match_data_free(data); }
};

pcre2_match_data* thread_match_data() {
  thread_local MatchData md;
  return md.data;
}

}  // namespace

Regex::Regex(const std::string& pattern, bool multiline) : pattern_(pattern) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK;
  if (multiline) options |= PCRE2_MULTILINE;
  code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options,
                        &err, &offset, nullptr);
  if (!code_) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof(buf));
    fail_internal("regex '" + pattern + "'", std::string(reinterpret_cast<char*>(buf)) +
                                                  " at offset " + std::to_string(offset));
  }
  pcre2_jit_compile(as_code(code_), PCRE2_JIT_COMPLETE);  // falls back to the interpreter
}

Regex::~Regex() { pcre2_code_free(as_code(code_)); }

size_t Regex::group_index(const char* name) const {
  int n = pcre2_substring_number_from_name(as_code(code_), reinterpret_cast<PCRE2_SPTR>(name));
  if (n < 0) fail_internal("regex '" + pattern_ + "'", std::string("no group ") + name);
  return static_cast<size_t>(n);
}

bool Regex::run(std::string_view text, size_t from, bool anchored, RegexMatch& out) const {
  pcre2_match_data* md = thread_match_data();
  uint32_t options = anchored ? PCRE2_ANCHORED : 0;
  // Callers pass text already checked as UTF-8 (Python str); skip PCRE2's re-check for speed.
  options |= PCRE2_NO_UTF_CHECK;
  int rc = pcre2_match(as_code(code_), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(),
                       from, options, md, nullptr);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) {
    fail_internal("regex '" + pattern_ + "'", "match error " + std::to_string(rc));
  }
  uint32_t count = 0;
  pcre2_pattern_info(as_code(code_), PCRE2_INFO_CAPTURECOUNT, &count);
  PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
  out.groups.assign(count + 1, {std::string::npos, std::string::npos});
  for (uint32_t g = 0; g <= count && g < 16; ++g) {
    if (ov[2 * g] == PCRE2_UNSET) continue;
    out.groups[g] = {ov[2 * g], ov[2 * g + 1]};
  }
  return true;
}

bool Regex::search(std::string_view text, size_t from, RegexMatch& out) const {
  if (from > text.size()) return false;
  return run(text, from, false, out);
}

bool Regex::match_prefix(std::string_view text, RegexMatch& out) const {
  return run(text, 0, true, out);
}

std::vector<std::string_view> Regex::find_all(std::string_view text) const {
  std::vector<std::string_view> out;
  RegexMatch m;
  size_t pos = 0;
  while (pos <= text.size() && run(text, pos, false, m)) {
    out.push_back(text.substr(m.start(), m.end() - m.start()));
    if (m.end() == m.start()) {
      // Empty match: step one code point, as Python does.
      if (m.end() >= text.size()) break;
      size_t step = 1;
      while (m.end() + step < text.size() &&
             (static_cast<unsigned char>(text[m.end() + step]) & 0xC0) == 0x80)
        ++step;
      pos = m.end() + step;
    } else {
      pos = m.end();
    }
  }
  return out;
}

std::string Regex::sub(std::string_view text, std::string_view replacement) const {
  std::string out;
  RegexMatch m;
  size_t pos = 0;
  size_t copied = 0;
  bool any = false;
  while (pos <= text.size() && run(text, pos, false, m)) {
    if (!any) {
      out.reserve(text.size() + 16);
      any = true;
    }
    out.append(text.substr(copied, m.start() - copied));
    for (size_t i = 0; i < replacement.size(); ++i) {
      char c = replacement[i];
      if (c == '\\' && i + 1 < replacement.size()) {
        char d = replacement[i + 1];
        if (d >= '0' && d <= '9') {
          size_t g = static_cast<size_t>(d - '0');
          if (m.matched(g)) out.append(text.substr(m.start(g), m.end(g) - m.start(g)));
          ++i;
          continue;
        }
        if (d == 'g' && replacement.compare(i, 5, "\\g<0>") == 0) {
          out.append(text.substr(m.start(), m.end() - m.start()));
          i += 4;
          continue;
        }
      }
      out.push_back(c);
    }
    copied = m.end();
    if (m.end() == m.start()) {
      if (m.end() >= text.size()) break;
      size_t step = 1;
      while (m.end() + step < text.size() &&
             (static_cast<unsigned char>(text[m.end() + step]) & 0xC0) == 0x80)
        ++step;
      out.append(text.substr(m.end(), step));
      copied = m.end() + step;
      pos = copied;
    } else {
      pos = m.end();
    }
  }
  if (!any) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

}  // namespace dep::metrics_detail
