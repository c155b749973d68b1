// Hand-checkable properties of each metric: the Porter paper's examples, morphy, METEOR's
// stages and penalty, zero scores for empty sides, BLEU smoothing, the bootstrap median.
#include <catch2/catch.hpp>

#include <cmath>

#include "dep/metrics/bleu.h"
#include "dep/core/error.h"
#include "dep/metrics/porter_stemmer.h"
#include "dep/metrics/rouge.h"
#include "metrics_support.h"

using Catch::Matchers::WithinAbs;

TEST_CASE("Porter stemmer follows the paper's examples and nltk's extensions", "[metrics][porter]") {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"caresses", "caress"}, {"ponies", "poni"},     {"ties", "tie"},         {"cats", "cat"},
      {"agreed", "agre"},     {"plastered", "plaster"}, {"motoring", "motor"}, {"hopping", "hop"},
      {"falling", "fall"},    {"filing", "file"},     {"happy", "happi"},      {"enjoy", "enjoy"},
      {"relational", "relat"}, {"generalization", "gener"}, {"hopeful", "hope"},
      {"skies", "sky"},       {"dying", "die"},       {"news", "news"},        {"Running", "run"},
      {"is", "is"},           {"a", "a"},             {"movie", "movi"},       {"café", "café"}};
  for (const auto& [word, stem] : cases) {
    INFO(word);
    CHECK(dep::porter_stem(word) == stem);
  }
}

TEST_CASE("morphy finds base forms through exceptions and suffix rules", "[metrics][wordnet]") {
  const auto& wn = dep::test::shared_wordnet();
  CHECK(wn.morphy("geese", 'n') == std::vector<std::string>{"goose"});
  CHECK(wn.morphy("dogs", 'n') == std::vector<std::string>{"dog"});
  CHECK(wn.morphy("churches", 'n') == std::vector<std::string>{"church"});
  CHECK(wn.morphy("ran", 'v') == std::vector<std::string>{"run"});
  CHECK(wn.morphy("better", 'a') == std::vector<std::string>{"better", "good", "well"});
  CHECK(wn.morphy("qwxz", 'n').empty());
  const auto& syn = wn.meteor_synonyms("movie");
  CHECK(syn.count("film"));
  CHECK(syn.count("movie"));
  CHECK_FALSE(syn.count("motion_picture"));  // multi-word lemmas are left out
}

TEST_CASE("METEOR stages, penalty and empty inputs", "[metrics][meteor]") {
  const auto& wn = dep::test::shared_wordnet();
  using V = std::vector<std::string>;
  // Identical m tokens: one chunk, so 1 - 0.5 * (1/m)^3.
  auto same = dep::meteor_tokens(V{"the", "plot", "is", "great"}, V{"The", "plot", "is", "great"}, wn);
  CHECK_THAT(same.score, WithinAbs(1 - 0.5 / 64.0, 1e-15));
  CHECK(same.chunks == 1);
  // "movie" is stemmed to "movi" before the synonym stage, so film/movie never match.
  CHECK(dep::meteor_tokens(V{"film"}, V{"movie"}, wn).matches == 0);
  // Stem stage: "loved" and "loving" share the stem "love".
  CHECK(dep::meteor_tokens(V{"loved"}, V{"loving"}, wn).matches == 1);
  // Synonym stage: "well" is a WordNet synonym of "good".
  CHECK(dep::meteor_tokens(V{"well"}, V{"good"}, wn).matches == 1);
  CHECK(dep::meteor_tokens(V{}, V{"a"}, wn).score == 0.0);
  CHECK(dep::meteor_tokens(V{"a"}, V{}, wn).score == 0.0);
  // Reversed order: every match is its own chunk.
  auto rev = dep::meteor_tokens(V{"a", "b", "c"}, V{"c", "b", "a"}, wn);
  CHECK(rev.chunks == 3);
  CHECK_THAT(rev.score, WithinAbs(1.0 * (1 - 0.5), 1e-15));
}

TEST_CASE("ROUGE handles empty sides and LCS order", "[metrics][rouge]") {
  using V = std::vector<std::string>;
  CHECK(dep::rouge_n_score(V{}, V{"a"}).fmeasure == 0.0);
  CHECK(dep::rouge_l_score(V{"a"}, V{}).fmeasure == 0.0);
  auto l = dep::rouge_l_score(V{"a", "b", "c", "d"}, V{"a", "c", "b", "d"});
  CHECK_THAT(l.fmeasure, WithinAbs(0.75, 1e-15));
  CHECK(dep::rouge_tokenize("Café, NAÏVE 3.5!", false) == V{"caf", "na", "ve", "3", "5"});
  CHECK(dep::rouge_tokenize("\u212Aelvin", false) == V{"kelvin"});
}

TEST_CASE("BLEU smoothing, brevity penalty and empty hypotheses", "[metrics][bleu]") {
  CHECK(dep::sentence_bleu("", "a b c").score == 0.0);
  CHECK(dep::sentence_bleu("a b c", "").score == 0.0);
  // One unigram match, no bigram: exp smoothing gives 100/(2*total) for n = 2.
  auto s = dep::sentence_bleu("x y", "x z");
  CHECK_THAT(s.precisions[1], WithinAbs(100.0 / (2 * 1), 1e-12));
  CHECK_THAT(s.score, WithinAbs(std::exp((std::log(50.0) + std::log(50.0)) / 2), 1e-9));
  // Corpus BLEU without effective order is 0 when a 4-gram order has no n-grams at all.
  CHECK(dep::corpus_bleu({"x y"}, {"x y"}).score == 0.0);
  CHECK(dep::bleu_tokenize_13a("Tom &amp; Jerry's \"show\" cost $5.99, 1-2 days.") ==
        "Tom & Jerry's \" show \" cost $ 5.99 , 1 - 2 days .");
  CHECK_THROWS_AS(dep::corpus_bleu({"a"}, {}), dep::Error);
}

TEST_CASE("bootstrap median is seeded and close to the mean", "[metrics][rouge]") {
  std::vector<double> v;
  for (int i = 0; i < 200; ++i) v.push_back((i * 37 % 100) / 100.0);
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double a = dep::bootstrap_median(v, 1);
  CHECK(a == dep::bootstrap_median(v, 1));
  CHECK(a != dep::bootstrap_median(v, 2));
  CHECK_THAT(a, WithinAbs(mean, 0.03));
  CHECK(dep::bootstrap_median(std::vector<double>(5, 0.25), 9) == 0.25);
}

TEST_CASE("Punkt keeps abbreviations and initials inside sentences", "[metrics][punkt]") {
  const auto& tok = dep::test::shared_word_tokenizer();
  using V = std::vector<std::string>;
  CHECK(tok.sentence_tokenizer().tokenize("Mr. Smith met J. K. Rowling. She smiled.") ==
        V{"Mr. Smith met J. K. Rowling.", "She smiled."});
  CHECK(tok.sentence_tokenizer().tokenize("(It works.) Next one.") == V{"(It works.)", "Next one."});
  CHECK(tok.tokenize("I can't rate it 10/10, it's $5.99.") ==
        V{"I", "ca", "n't", "rate", "it", "10/10", ",", "it", "'s", "$", "5.99", "."});
  CHECK(tok.tokenize("He said \"great\"") == V{"He", "said", "``", "great", "''"});
  CHECK_THROWS_AS(dep::PunktParameters::load_json("/nonexistent/punkt.json"), dep::Error);
}
