// Added-token matching (Hugging Face added_vocabulary.rs semantics: leftmost-longest, then the
// single_word filter and the lstrip/rstrip whitespace absorption).
#include "dep/text/added_vocabulary.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include <limits>

#include "dep/core/error.h"
#include "dep/text/unicode.h"
#include "dep/text/utf8.h"

namespace dep {

namespace {

bool get_flag(const nlohmann::json& j, const char* key, bool fallback, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail(where, std::string("'") + key + "' must be true or false");
  return it->get<bool>();
}

// Code point that ends at byte `end` (text is valid UTF-8).
char32_t last_char(std::string_view text, size_t end) {
  size_t begin = end - 1;
  while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
  return decode_utf8_step(text.substr(begin, end - begin)).code_point;
}

// Start of the whitespace run that ends at `end`.
size_t whitespace_run_start(std::string_view text, size_t end) {
  while (end > 0) {
    size_t begin = end - 1;
    while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
    if (!is_white_space(decode_utf8_step(text.substr(begin, end - begin)).code_point)) break;
    end = begin;
  }
  return end;
}

// End of the whitespace run that starts at `begin`.
size_t whitespace_run_end(std::string_view text, size_t begin) {
  while (begin < text.size()) {
    const Utf8Step step = decode_utf8_step(text.substr(begin));
    if (!step.valid || !is_white_space(step.code_point)) break;
    begin += step.length;
  }
  return begin;
}

}  // namespace

AddedToken AddedToken::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) fail(where, "an added token must be an object");
  AddedToken t;
  auto id = j.find("id");
  if (id == j.end() || !id->is_number_integer()) fail(where, "added token without an integer 'id'");
  // Read wide: a narrowing read would turn 2^63 into 0 and -1 into an id that never matches.
  const bool negative = id->is_number_unsigned() ? false : id->get<int64_t>() < 0;
  if (negative || id->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
    fail(where, "added token id " + id->dump() + " is out of range");
  }
  t.id = id->get<int32_t>();
  auto content = j.find("content");
  if (content == j.end() || !content->is_string()) fail(where, "added token without a string 'content'");
  t.content = content->get<std::string>();
  const std::string here = where + " (token '" + t.content + "')";
  t.single_word = get_flag(j, "single_word", false, here);
  t.lstrip = get_flag(j, "lstrip", false, here);
  t.rstrip = get_flag(j, "rstrip", false, here);
  t.normalized = get_flag(j, "normalized", true, here);
  t.special = get_flag(j, "special", false, here);
  return t;
}

void check_added_token_id(const AddedToken& token, int64_t id_limit, const std::string& where) {
  if (token.id < 0 || token.id >= id_limit) {
    fail(where, "added token '" + token.content + "' has id " + std::to_string(token.id) + ", outside [0, " +
                    std::to_string(id_limit) + ")");
  }
}

nlohmann::json AddedToken::to_json() const {
  return nlohmann::json{{"id", id},         {"content", content},       {"single_word", single_word},
                        {"lstrip", lstrip}, {"rstrip", rstrip},         {"normalized", normalized},
                        {"special", special}};
}

void AddedVocabulary::add(const AddedToken& token) {
  if (token.content.empty()) return;
  auto it = by_content_.find(token.content);
  if (it != by_content_.end()) {
    by_id_.erase(tokens_[it->second].id);
    tokens_[it->second] = token;
    by_id_[token.id] = it->second;
    return;
  }
  by_content_[token.content] = tokens_.size();
  by_id_[token.id] = tokens_.size();
  tokens_.push_back(token);
}

void AddedVocabulary::rebuild(const std::function<std::string(std::string_view)>& normalize) {
  std::vector<std::pair<std::string, size_t>> raw, normalized;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (tokens_[i].normalized) {
      std::string content = normalize ? normalize(tokens_[i].content) : tokens_[i].content;
      if (!content.empty()) normalized.emplace_back(std::move(content), i);
    } else {
      raw.emplace_back(tokens_[i].content, i);
    }
  }
  raw_.build(std::move(raw));
  normalized_.build(std::move(normalized));
}

const AddedToken* AddedVocabulary::find_id(int32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedVocabulary::find_content(std::string_view content) const {
  auto it = by_content_.find(std::string(content));
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

int32_t AddedVocabulary::max_id() const {
  int32_t best = -1;
  for (const auto& t : tokens_) best = std::max(best, t.id);
  return best;
}

void AddedVocabulary::Matcher::build(std::vector<std::pair<std::string, size_t>> patterns) {
  patterns_ = std::move(patterns);
  for (auto& bucket : by_first_byte_) bucket.clear();
  for (uint32_t i = 0; i < patterns_.size(); ++i) {
    by_first_byte_[static_cast<unsigned char>(patterns_[i].first[0])].push_back(i);
  }
  first_bytes_.clear();
  for (int b = 0; b < 256; ++b) {
    if (!by_first_byte_[static_cast<size_t>(b)].empty()) first_bytes_ += static_cast<char>(b);
  }
  for (auto& bucket : by_first_byte_) {
    std::stable_sort(bucket.begin(), bucket.end(),
                     [&](uint32_t a, uint32_t b) { return patterns_[a].first.size() > patterns_[b].first.size(); });
  }
}

void AddedVocabulary::Matcher::split(const AddedVocabulary& vocab, std::string_view text,
                                     std::vector<TextSpan>& out) const {
  size_t start_offset = 0;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n && !patterns_.empty()) {
    if (first_bytes_.size() <= 4) {
      // Jump to the nearest possible first byte (Qwen's tokens all start with '<', DEP's also '[').
      size_t next = n;
      for (char c : first_bytes_) {
        const void* hit = std::memchr(text.data() + i, c, std::min(next, n) - i);
        if (hit != nullptr) next = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
      }
      if (next >= n) break;
      i = next;
    }
    const auto& bucket = by_first_byte_[static_cast<unsigned char>(text[i])];
    const std::pair<std::string, size_t>* hit = nullptr;
    for (uint32_t index : bucket) {
      const auto& pattern = patterns_[index];
      if (pattern.first.size() <= n - i && std::memcmp(text.data() + i, pattern.first.data(), pattern.first.size()) == 0) {
        hit = &pattern;
        break;
      }
    }
    if (hit == nullptr) {
      ++i;
      continue;
    }
    size_t start = i;
    size_t stop = i + hit->first.size();
    i = stop;  // the next search starts after this match, kept or not
    const AddedToken& token = vocab.tokens_[hit->second];
    if (token.single_word) {
      const bool space_before = start == 0 || !is_word_char(last_char(text, start));
      const bool space_after = stop == n || !is_word_char(decode_utf8_step(text.substr(stop)).code_point);
      if (!space_before || !space_after) continue;
    }
    if (token.lstrip) start = std::max(whitespace_run_start(text, start), start_offset);
    if (token.rstrip) stop = whitespace_run_end(text, stop);
    if (start < start_offset) continue;  // overlaps what an rstrip already absorbed
    if (start_offset < start) out.push_back({-1, start_offset, start});
    out.push_back({token.id, start, stop});
    start_offset = stop;
    i = std::max(i, stop);
  }
  if (start_offset < n) out.push_back({-1, start_offset, n});
}

}  // namespace dep
