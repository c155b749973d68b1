// Punkt sentence splitting as nltk 3.8's PunktSentenceTokenizer does it with pretrained
// parameters (abbreviations, collocations, sentence starters, orthographic contexts).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace dep {

struct PunktParameters {
  std::unordered_set<std::string> abbrev_types;
  std::unordered_set<std::string> collocations;  // "first\x1Fsecond"
  std::unordered_set<std::string> sent_starters;
  std::unordered_map<std::string, int> ortho_context;

  // Reads the JSON form of nltk_data's model (keys abbrev_types, collocations, sent_starters,
  // ortho_context), e.g. data/punkt-english.json. Errors name the file and key.
  static PunktParameters load_json(const std::string& path);
  // $DEP_PUNKT_JSON when set, else the repository's data/punkt-english.json.
  static std::string default_english_path();
};

class PunktSentenceTokenizer {
 public:
  explicit PunktSentenceTokenizer(PunktParameters params);
  ~PunktSentenceTokenizer();

  // Byte spans [start, end) of the sentences of `text` (UTF-8), with realigned boundaries, as
  // nltk's span_tokenize(text).
  std::vector<std::pair<size_t, size_t>> span_tokenize(std::string_view text) const;
  std::vector<std::string> tokenize(std::string_view text) const;

  const PunktParameters& params() const { return params_; }

 private:
  struct Impl;
  bool text_contains_sentbreak(std::string_view context) const;
  PunktParameters params_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dep
