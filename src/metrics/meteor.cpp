// nltk 3.8 METEOR: each stage scans hypothesis words from the last to the first and matches each
// to the last still-unmatched reference word that fits; matches are then sorted by hypothesis
// position and counted into chunks.
#include "dep/metrics/meteor.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "dep/metrics/porter_stemmer.h"
#include "python_text.h"

namespace dep {

namespace {

using Enumerated = std::vector<std::pair<int, std::string>>;
using Matches = std::vector<std::pair<int, int>>;

// nltk's _match_enums: exact string equality, removing matched words from both lists.
template <typename Fits>
void match_stage(Enumerated& hyp, Enumerated& ref, Matches& matches, Fits fits) {
  for (size_t i = hyp.size(); i-- > 0;) {
    for (size_t j = ref.size(); j-- > 0;) {
      if (fits(hyp[i].second, ref[j].second)) {
        matches.emplace_back(hyp[i].first, ref[j].first);
        hyp.erase(hyp.begin() + static_cast<long>(i));
        ref.erase(ref.begin() + static_cast<long>(j));
        break;
      }
    }
  }
}

int count_chunks(const Matches& m) {
  int chunks = 1;
  for (size_t i = 0; i + 1 < m.size(); ++i) {
    if (!(m[i + 1].first == m[i].first + 1 && m[i + 1].second == m[i].second + 1)) ++chunks;
  }
  return chunks;
}

}  // namespace

MeteorResult meteor_tokens(const std::vector<std::string>& reference,
                           const std::vector<std::string>& hypothesis, const WordNet& wordnet,
                           const MeteorParams& params) {
  MeteorResult r;
  Enumerated hyp, ref;
  for (size_t i = 0; i < hypothesis.size(); ++i)
    hyp.emplace_back(static_cast<int>(i), metrics_detail::py_lower(hypothesis[i]));
  for (size_t i = 0; i < reference.size(); ++i)
    ref.emplace_back(static_cast<int>(i), metrics_detail::py_lower(reference[i]));
  r.hypothesis_length = static_cast<int>(hyp.size());
  r.reference_length = static_cast<int>(ref.size());

  Matches matches;
  auto same = [](const std::string& a, const std::string& b) { return a == b; };
  match_stage(hyp, ref, matches, same);
  // The stem stage replaces the leftover words by their stems; the synonym stage sees stems.
  for (auto& h : hyp) h.second = porter_stem(h.second);
  for (auto& w : ref) w.second = porter_stem(w.second);
  match_stage(hyp, ref, matches, same);
  for (size_t i = hyp.size(); i-- > 0;) {
    const auto& syns = wordnet.meteor_synonyms(hyp[i].second);
    for (size_t j = ref.size(); j-- > 0;) {
      if (syns.count(ref[j].second)) {
        matches.emplace_back(hyp[i].first, ref[j].first);
        hyp.erase(hyp.begin() + static_cast<long>(i));
        ref.erase(ref.begin() + static_cast<long>(j));
        break;
      }
    }
  }
  // Python's sort is stable and keys on the hypothesis index only (unique per match).
  std::stable_sort(matches.begin(), matches.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  r.matches = static_cast<int>(matches.size());
  r.chunks = count_chunks(matches);  // nltk counts 1 chunk even for no matches
  if (r.hypothesis_length == 0 || r.reference_length == 0 || r.matches == 0) return r;
  double m = r.matches;
  double precision = m / r.hypothesis_length;
  double recall = m / r.reference_length;
  double fmean = (precision * recall) / (params.alpha * precision + (1 - params.alpha) * recall);
  double frag = static_cast<double>(r.chunks) / m;
  double penalty = params.gamma * std::pow(frag, params.beta);
  r.score = (1 - penalty) * fmean;
  return r;
}

MeteorScorer::MeteorScorer(const WordTokenizer& tokenizer, const WordNet& wordnet, MeteorParams params)
    : tokenizer_(tokenizer), wordnet_(wordnet), params_(params) {}

MeteorResult MeteorScorer::score(std::string_view reference, std::string_view hypothesis) const {
  return meteor_tokens(tokenizer_.tokenize(reference), tokenizer_.tokenize(hypothesis), wordnet_, params_);
}

}  // namespace dep
