// BLEU as sacreBLEU 2.x computes it: the 13a tokenizer, clipped n-gram counts (n = 1..4),
// brevity penalty, exp smoothing; corpus BLEU and sentence BLEU (effective order), 0-100 scale.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace dep {

// sacreBLEU's tokenizer "13a" (mteval-v13a): drops <skipped>, joins "-\n", unescapes
// &quot; &amp; &lt; &gt;, splits punctuation; returns the space-joined tokens.
std::string bleu_tokenize_13a(std::string_view line);

// Sufficient statistics of one segment (one reference), summed over a corpus.
struct BleuStats {
  long sys_len = 0;
  long ref_len = 0;
  std::array<long, 4> correct{};
  std::array<long, 4> total{};
  BleuStats& operator+=(const BleuStats& o);
};

BleuStats bleu_segment_stats(std::string_view hypothesis, std::string_view reference);

struct BleuScore {
  double score = 0;  // 0-100
  std::array<double, 4> precisions{};
  double bp = 0;
  BleuStats stats;
};

// sacreBLEU compute_bleu with smooth_method "exp".
BleuScore bleu_from_stats(const BleuStats& stats, bool effective_order);

// sacrebleu.corpus_bleu(hyps, [refs]) (effective order off) and sentence_bleu(hyp, [ref]).
BleuScore corpus_bleu(const std::vector<std::string>& hypotheses,
                      const std::vector<std::string>& references);
BleuScore sentence_bleu(std::string_view hypothesis, std::string_view reference);

// The signature sacreBLEU prints for the corpus score above.
std::string bleu_signature();

}  // namespace dep
