// sacreBLEU 2.6.0 BLEU: 13a tokenization, n-gram statistics and the exp-smoothed score.
#include "dep/bleu.h"

#include <cmath>
#include <unordered_map>

#include "dep/error.h"
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
  // mteval-v13a's punctuation rules, in order (sacrebleu's TokenizerRegexp).
  metrics_detail::Regex symbols{R"(([\{-\~\[-\` -\&\(-\+\:-\@\/]))"};
  metrics_detail::Regex period_comma_after_nondigit{R"(([^0-9])([\.,]))"};
  metrics_detail::Regex period_comma_before_nondigit{R"(([\.,])([^0-9]))"};
  metrics_detail::Regex dash_after_digit{R"(([0-9])(-))"};
};

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
  std::string text = " " + line + " ";
  text = r.symbols.sub(text, " \\1 ");
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

struct NgramKeyHash {
  size_t operator()(const std::string& s) const { return std::hash<std::string>()(s); }
};

// n-grams as their space-joined text ("a b c"); tokens never contain spaces.
std::unordered_map<std::string, long> ngrams_of(const std::vector<std::string_view>& toks,
                                                size_t n) {
  std::unordered_map<std::string, long> counts;
  std::string key;
  for (size_t i = 0; i + n <= toks.size(); ++i) {
    key.clear();
    for (size_t k = 0; k < n; ++k) {
      if (k) key.push_back(' ');
      key.append(toks[i + k]);
    }
    counts[key]++;
  }
  return counts;
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
  for (size_t n = 1; n <= 4; ++n) {
    auto hc = ngrams_of(h, n);
    auto rc = ngrams_of(r, n);
    for (const auto& [g, c] : hc) {
      s.total[n - 1] += c;
      auto it = rc.find(g);
      if (it != rc.end()) s.correct[n - 1] += std::min(c, it->second);
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
