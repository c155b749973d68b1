// Byte-level BPE merge learning and its tokenizer.json (see bpe_trainer.h).
#include "dep/demo/bpe_trainer.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "dep/text/byte_level.h"
#include "dep/core/error.h"
#include "dep/text/tokenizer_regex.h"

namespace dep {

const std::string& qwen2_split_regex() {
  static const std::string kPattern =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
      "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  return kPattern;
}

namespace {

// Pre-tokenized words (as byte strings) and how often each occurs.
std::map<std::string, int64_t> count_words(const std::vector<std::string>& texts) {
  TokenizerRegex regex(qwen2_split_regex(), "qwen2 split regex");
  TokenizerRegex::Matcher matcher(regex);
  std::map<std::string, int64_t> counts;
  for (const auto& text : texts) {
    size_t pos = 0, begin = 0, end = 0;
    while (pos < text.size() && matcher.find(text, pos, begin, end)) {
      if (begin > pos) ++counts[text.substr(pos, begin - pos)];
      if (end == begin) {  // an empty match cannot advance; take one byte as its own piece
        ++counts[text.substr(begin, 1)];
        end = begin + 1;
      } else {
        ++counts[text.substr(begin, end - begin)];
      }
      pos = end;
    }
    if (pos < text.size()) ++counts[text.substr(pos)];
  }
  return counts;
}

uint64_t pair_key(int32_t a, int32_t b) { return (static_cast<uint64_t>(a) << 32) | static_cast<uint32_t>(b); }

}  // namespace

nlohmann::json train_byte_level_bpe(const std::vector<std::string>& texts, const BpeTrainingOptions& options,
                                    const std::vector<std::string>& specials) {
  const auto& alphabet = ByteLevelAlphabet::get();
  std::vector<std::string> spelling(256);
  for (int b = 0; b < 256; ++b) spelling[static_cast<size_t>(b)] = alphabet.spelling_of(static_cast<unsigned char>(b));

  struct Word {
    std::vector<int32_t> symbols;
    int64_t count;
  };
  std::vector<Word> words;
  for (const auto& [bytes, count] : count_words(texts)) {
    Word w{{}, count};
    for (unsigned char c : bytes) w.symbols.push_back(c);
    words.push_back(std::move(w));
  }

  std::vector<std::pair<int32_t, int32_t>> merges;
  while (static_cast<int64_t>(merges.size()) < options.merges) {
    std::unordered_map<uint64_t, int64_t> pair_counts;
    for (const auto& w : words)
      for (size_t i = 0; i + 1 < w.symbols.size(); ++i) pair_counts[pair_key(w.symbols[i], w.symbols[i + 1])] += w.count;
    int64_t best_count = 0;
    std::pair<int32_t, int32_t> best{-1, -1};
    for (const auto& [key, count] : pair_counts) {
      const std::pair<int32_t, int32_t> p{static_cast<int32_t>(key >> 32), static_cast<int32_t>(key & 0xffffffffu)};
      const bool better =
          count > best_count ||
          (count == best_count && std::make_pair(spelling[p.first], spelling[p.second]) <
                                      std::make_pair(spelling[best.first], spelling[best.second]));
      if (better) {
        best_count = count;
        best = p;
      }
    }
    if (best.first < 0 || best_count < options.min_frequency) break;
    const auto merged = static_cast<int32_t>(spelling.size());
    spelling.push_back(spelling[best.first] + spelling[best.second]);
    merges.push_back(best);
    for (auto& w : words) {
      std::vector<int32_t> out;
      out.reserve(w.symbols.size());
      for (size_t i = 0; i < w.symbols.size(); ++i) {
        if (i + 1 < w.symbols.size() && w.symbols[i] == best.first && w.symbols[i + 1] == best.second) {
          out.push_back(merged);
          ++i;
        } else {
          out.push_back(w.symbols[i]);
        }
      }
      w.symbols = std::move(out);
    }
  }

  nlohmann::json vocab = nlohmann::json::object();
  for (size_t id = 0; id < spelling.size(); ++id) {
    // Two merges can spell the same string (e.g. "ab"+"c" and "a"+"bc"); HF keeps the first id.
    if (!vocab.contains(spelling[id])) vocab[spelling[id]] = static_cast<int64_t>(id);
  }
  nlohmann::json merge_list = nlohmann::json::array();
  for (const auto& [a, b] : merges) merge_list.push_back(nlohmann::json::array({spelling[a], spelling[b]}));

  nlohmann::json added = nlohmann::json::array();
  auto next_id = static_cast<int64_t>(spelling.size());
  for (const auto& content : specials) {
    if (vocab.contains(content)) fail("tokenizer", "special token " + content + " is also a BPE token");
    added.push_back({{"id", next_id++}, {"content", content}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
  }
  const nlohmann::json byte_level = {
      {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
  nlohmann::json j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  j["added_tokens"] = added;
  j["normalizer"] = {{"type", "NFC"}};
  j["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       nlohmann::json::array({{{"type", "Split"},
                               {"pattern", {{"Regex", qwen2_split_regex()}}},
                               {"behavior", "Isolated"},
                               {"invert", false}},
                              byte_level})}};
  j["post_processor"] = byte_level;
  j["decoder"] = byte_level;
  j["model"] = {{"type", "BPE"},          {"dropout", nullptr},        {"unk_token", nullptr},
                {"continuing_subword_prefix", ""}, {"end_of_word_suffix", ""}, {"fuse_unk", false},
                {"byte_fallback", false}, {"ignore_merges", false}, {"vocab", vocab},
                {"merges", merge_list}};
  return j;
}

}  // namespace dep
