// nltk's word_tokenize: Punkt sentence split, then the NLTKWordTokenizer (the improved
// Treebank tokenizer) on each sentence — the tokenization METEOR sees in the paper's pipeline.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dep/metrics/punkt.h"

namespace dep {

class NltkWordTokenizer {
 public:
  NltkWordTokenizer();
  ~NltkWordTokenizer();
  // Tokens of one sentence (nltk's NLTKWordTokenizer().tokenize(sentence)).
  std::vector<std::string> tokenize(std::string_view sentence) const;

 private:
  struct Rules;
  std::unique_ptr<Rules> rules_;
};

class WordTokenizer {
 public:
  explicit WordTokenizer(PunktParameters punkt);
  // nltk.word_tokenize(text) for English.
  std::vector<std::string> tokenize(std::string_view text) const;
  const PunktSentenceTokenizer& sentence_tokenizer() const { return sentences_; }

 private:
  PunktSentenceTokenizer sentences_;
  NltkWordTokenizer words_;
};

}  // namespace dep
