// METEOR exactly as nltk 3.8's single_meteor_score (called by Hugging Face `evaluate` on
// word_tokenize output): staged exact / Porter-stem / WordNet-synonym alignment, chunk penalty.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dep/metrics/word_tokenizer.h"
#include "dep/metrics/wordnet.h"

namespace dep {

struct MeteorParams {
  double alpha = 0.9;
  double beta = 3.0;
  double gamma = 0.5;
};

struct MeteorResult {
  double score = 0;
  int matches = 0;
  int chunks = 0;
  int hypothesis_length = 0;
  int reference_length = 0;
};

// single_meteor_score(reference, hypothesis) on pre-tokenized input (tokens are lowercased
// with Python's str.lower first). 0 when either side is empty or nothing matches.
MeteorResult meteor_tokens(const std::vector<std::string>& reference,
                           const std::vector<std::string>& hypothesis, const WordNet& wordnet,
                           const MeteorParams& params = {});

// The full pipeline of `evaluate`'s meteor on one pair of raw texts.
class MeteorScorer {
 public:
  MeteorScorer(const WordTokenizer& tokenizer, const WordNet& wordnet, MeteorParams params = {});
  MeteorResult score(std::string_view reference, std::string_view hypothesis) const;

 private:
  const WordTokenizer& tokenizer_;
  const WordNet& wordnet_;
  MeteorParams params_;
};

}  // namespace dep
