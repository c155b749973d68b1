// WordNet 3.0 read from its dictionary files (Debian's wordnet-base, /usr/share/wordnet):
// lemma index, exception lists and synset lemma names, with nltk's morphy lemmatisation — what
// nltk's wordnet.synsets(word) returns, as METEOR's synonym stage needs it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace dep {

class WordNet {
 public:
  // Reads index.{noun,verb,adj,adv}, {noun,verb,adj,adv}.exc and data.* from `dict_dir`.
  // Missing or malformed files are dep::Errors naming the file and line.
  explicit WordNet(const std::string& dict_dir);
  ~WordNet();

  // nltk's _morphy(form, pos): base forms of `form` that exist in the index for `pos`
  // ('n', 'v', 'a', 'r').
  std::vector<std::string> morphy(const std::string& form, char pos) const;

  // Lemma names (as written in the data files, syntactic markers removed) of every synset of
  // wordnet.synsets(word) over the four parts of speech, in nltk's order, duplicates kept.
  std::vector<std::string> synset_lemma_names(const std::string& word) const;

  // METEOR's synonym set of a word: lemma names without '_' plus the word itself (cached).
  const std::unordered_set<std::string>& meteor_synonyms(const std::string& word) const;

  // /usr/share/wordnet, or $DEP_WORDNET_DIR when set.
  static std::string default_dir();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dep
