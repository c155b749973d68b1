// A small PCRE2 wrapper (UTF + Unicode properties, JIT) with the Python `re` operations the
// reference tokenizers use: sub with \1-style templates, findall, anchored match, search.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dep::metrics_detail {

struct RegexMatch {
  // Byte offsets into the subject; a group that did not take part is {npos, npos}.
  std::vector<std::pair<size_t, size_t>> groups;
  bool matched(size_t g) const { return g < groups.size() && groups[g].first != std::string::npos; }
  size_t start(size_t g = 0) const { return groups[g].first; }
  size_t end(size_t g = 0) const { return groups[g].second; }
};

class Regex {
 public:
  // `multiline` makes ^/$ match at line boundaries (Python's re.MULTILINE).
  explicit Regex(const std::string& pattern, bool multiline = false);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Python re.sub(pattern, template, text): the template may use \1..\9 and \g<0>.
  std::string sub(std::string_view text, std::string_view replacement) const;
  // Next match at or after byte `from`; false when none.
  bool search(std::string_view text, size_t from, RegexMatch& out) const;
  // Python re.match: a match that starts exactly at byte 0.
  bool match_prefix(std::string_view text, RegexMatch& out) const;
  // Python re.findall with at most one group: the whole match of each non-overlapping hit.
  std::vector<std::string_view> find_all(std::string_view text) const;
  // Group index by name, for (?P<name>...) groups.
  size_t group_index(const char* name) const;

 private:
  bool run(std::string_view text, size_t from, bool anchored, RegexMatch& out) const;
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code_8*
};

}  // namespace dep::metrics_detail
