// sacreBLEU 2.6.0 BLEU: 13a tokenization, n-gram statistics and the exp-smoothed score.
#include "dep/metrics/bleu.h"

#include <cmath>
#include <cstdint>
#include <map>
#include <unordered_map>

#include "dep/core/error.h"
#include "python_text.h"
#include "regex.h"

namespace dep {

namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

struct Tokenizer13aRules {
  // mteval-v13a's punctuation rules after the symbol padding, in order (sacrebleu's TokenizerRegexp).
  metrics_detail::Regex period_comma_after_nondigit{R"(([^0-9])([\.,]))"};
  metrics_detail::Regex period_comma_before_nondigit{R"(([\.,])([^0-9]))"};
  metrics_detail::Regex dash_after_digit{R"(([0-9])(-))"};
};

// The first rule, ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 ", is a per-character rewrite: it pads
// ASCII space and the symbols ! " # $ % & ( ) * + / : ; < = > ? @ [ \ ] ^ _ ` { | } ~.
bool is_13a_symbol(char c) {
  return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') ||
         (c >= '(' && c <= '+') || (c >= ':' && c <= '@') || c == '/';
}

const Tokenizer13aRules& rules_13a() {
  static const Tokenizer13aRules rules;
  return rules;
}

}  // namespace

std::string bleu_tokenize_13a(std::string_view input) {
  if (!metrics_detail::is_valid_utf8(input)) fail("bleu", "text is not valid UTF-8");
  std::string line(input);
  replace_all(line, "<skipped>", "");
  replace_all(line, "-\n", "");
  replace_all(line, "\n", " ");
  if (line.find('&') != std::string::npos) {
    replace_all(line, "&quot;", "\"");
    replace_all(line, "&amp;", "&");
    replace_all(line, "&lt;", "<");
    replace_all(line, "&gt;", ">");
  }
  const auto& r = rules_13a();
  std::string text;
  text.reserve(line.size() * 2 + 8);
  for (char c : " " + line + " ") {
    if (is_13a_symbol(c)) {
      text.push_back(' ');
      text.push_back(c);
      text.push_back(' ');
    } else {
      text.push_back(c);
    }
  }
  text = r.period_comma_after_nondigit.sub(text, "\\1 \\2 ");
  text = r.period_comma_before_nondigit.sub(text, " \\1 \\2");
  text = r.dash_after_digit.sub(text, "\\1 \\2 ");
  std::string out;
  for (auto tok : metrics_detail::py_split(text)) {
    if (!out.empty()) out.push_back(' ');
    out.append(tok);
  }
  return out;
}

BleuStats& BleuStats::operator+=(const BleuStats& o) {
  sys_len += o.sys_len;
  ref_len += o.ref_len;
  for (size_t n = 0; n < 4; ++n) {
    correct[n] += o.correct[n];
    total[n] += o.total[n];
  }
  return *this;
}

namespace {

// sacreBLEU preprocesses every segment with rstrip() before tokenizing.
std::vector<std::string_view> bleu_tokens(const std::string& tokenized) {
  return metrics_detail::py_split(tokenized);
}

// Counts n-grams of token ids; a 4-gram of ids below 2^16 packs into one 64-bit key.
template <typename Map, typename KeyFn>
void count_ngrams(const std::vector<int>& ids, size_t n, Map& counts, KeyFn key) {
  for (size_t i = 0; i + n <= ids.size(); ++i) counts[key(i, n)]++;
}

}  // namespace

BleuStats bleu_segment_stats(std::string_view hypothesis, std::string_view reference) {
  std::string hyp = bleu_tokenize_13a(metrics_detail::py_rstrip(hypothesis));
  std::string ref = bleu_tokenize_13a(metrics_detail::py_rstrip(reference));
  auto h = bleu_tokens(hyp);
  auto r = bleu_tokens(ref);
  BleuStats s;
  s.sys_len = static_cast<long>(h.size());
  s.ref_len = static_cast<long>(r.size());
  // Tokens become ids shared by both sides, so n-grams compare as integers.
  std::unordered_map<std::string_view, int> vocab;
  auto to_ids = [&](const std::vector<std::string_view>& toks) {
    std::vector<int> ids;
    ids.reserve(toks.size());
    for (auto t : toks) ids.push_back(vocab.emplace(t, static_cast<int>(vocab.size())).first->second);
    return ids;
  };
  const auto hid = to_ids(h), rid = to_ids(r);
  const bool packed = vocab.size() < (1u << 16);
  for (size_t n = 1; n <= 4; ++n) {
    if (packed) {
      auto key_of = [](const std::vector<int>& ids) {
        return [&ids](size_t i, size_t len) {
          uint64_t k = 0;
          for (size_t j = 0; j < len; ++j) k = (k << 16) | static_cast<uint64_t>(ids[i + j]);
          return k;
        };
      };
      std::unordered_map<uint64_t, long> hc, rc;
      count_ngrams(hid, n, hc, key_of(hid));
      count_ngrams(rid, n, rc, key_of(rid));
      for (const auto& [g, c] : hc) {
        s.total[n - 1] += c;
        auto it = rc.find(g);
        if (it != rc.end()) s.correct[n - 1] += std::min(c, it->second);
      }
    } else {
      auto key_of = [](const std::vector<int>& ids) {
        return [&ids](size_t i, size_t len) {
          return std::vector<int>(ids.begin() + static_cast<long>(i), ids.begin() + static_cast<long>(i + len));
        };
      };
      std::map<std::vector<int>, long> hc, rc;
      count_ngrams(hid, n, hc, key_of(hid));
      count_ngrams(rid, n, rc, key_of(rid));
      for (const auto& [g, c] : hc) {
        s.total[n - 1] += c;
        auto it = rc.find(g);
        if (it != rc.end()) s.correct[n - 1] += std::min(c, it->second);
      }
    }
  }
  return s;
}

BleuScore bleu_from_stats(const BleuStats& stats, bool effective_order) {
  BleuScore out;
  out.stats = stats;
  out.bp = 1.0;
  if (stats.sys_len < stats.ref_len) {
    out.bp = stats.sys_len > 0
                 ? std::exp(1.0 - static_cast<double>(stats.ref_len) / static_cast<double>(stats.sys_len))
                 : 0.0;
  }
  bool any_correct = false;
  for (long c : stats.correct) any_correct = any_correct || c != 0;
  if (!any_correct) return out;
  double smooth = 1.0;
  size_t eff_order = 4;
  for (size_t n = 1; n <= 4; ++n) {
    if (stats.total[n - 1] == 0) break;
    if (effective_order) eff_order = n;
    if (stats.correct[n - 1] == 0) {
      smooth *= 2;
      out.precisions[n - 1] = 100.0 / (smooth * static_cast<double>(stats.total[n - 1]));
    } else {
      out.precisions[n - 1] = 100.0 * static_cast<double>(stats.correct[n - 1]) /
                              static_cast<double>(stats.total[n - 1]);
    }
  }
  // sacreBLEU's my_log floors log(0) at -9999999999 (then exp() of it is 0).
  double sum = 0;
  for (size_t n = 0; n < eff_order; ++n) {
    sum += out.precisions[n] == 0.0 ? -9999999999.0 : std::log(out.precisions[n]);
  }
  out.score = out.bp * std::exp(sum / static_cast<double>(eff_order));
  return out;
}

BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::string>& references) {
  if (hypotheses.size() != references.size()) {
    fail("corpus_bleu", std::to_string(hypotheses.size()) + " hypotheses but " +
                            std::to_string(references.size()) + " references");
  }
  BleuStats total;
  for (size_t i = 0; i < hypotheses.size(); ++i) total += bleu_segment_stats(hypotheses[i], references[i]);
  return bleu_from_stats(total, false);
}

BleuScore sentence_bleu(std::string_view hypothesis, std::string_view reference) {
  return bleu_from_stats(bleu_segment_stats(hypothesis, reference), true);
}

std::string bleu_signature() { return "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"; }

}  // namespace dep
