// Shared by the metrics tests: the fixture pairs, and one process-wide WordNet + Punkt (loading
// WordNet takes a moment, so every test reuses the same instance).
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dep/metrics/meteor.h"
#include "dep/metrics/punkt.h"
#include "dep/metrics/word_tokenizer.h"
#include "dep/metrics/wordnet.h"
#include "test_paths.h"

namespace dep::test {

struct MetricPair {
  std::string id;
  std::string hyp;
  std::string ref;
};

inline std::vector<MetricPair> fixture_pairs() {
  std::ifstream in(fixture("metrics/pairs.jsonl"));
  std::vector<MetricPair> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    out.push_back({j.at("id"), j.at("hyp"), j.at("ref")});
  }
  return out;
}

inline nlohmann::json fixture_expected() {
  std::ifstream in(fixture("metrics/expected.json"));
  return nlohmann::json::parse(in);
}

inline const WordNet& shared_wordnet() {
  static const WordNet wn(WordNet::default_dir());
  return wn;
}

inline const WordTokenizer& shared_word_tokenizer() {
  static const WordTokenizer tok(PunktParameters::load_json(PunktParameters::default_english_path()));
  return tok;
}

}  // namespace dep::test
