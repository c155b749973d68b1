// The 30 reference pairs: every per-pair value and the corpus values within 1e-6, plus the
// intermediate tokens and counts in `detail` (so a mismatch points at the stage that differs).
#include <catch2/catch.hpp>

#include "dep/metrics/bleu.h"
#include "dep/metrics/meteor.h"
#include "dep/metrics/rouge.h"
#include "metrics_support.h"

using Catch::Matchers::WithinAbs;

namespace {

std::vector<std::string> strings(const nlohmann::json& j) { return j.get<std::vector<std::string>>(); }

}  // namespace

TEST_CASE("ROUGE-1 matches rouge_score on the fixture pairs, with and without stemming", "[metrics][rouge]") {
  auto pairs = dep::test::fixture_pairs();
  auto expected = dep::test::fixture_expected();
  REQUIRE(pairs.size() == 30);
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& p = pairs[i];
    const auto& e = expected["per_pair"][i];
    INFO("pair " << p.id);
    REQUIRE(e["id"] == p.id);
    auto hyp_stem = dep::rouge_tokenize(p.hyp, true);
    auto ref_stem = dep::rouge_tokenize(p.ref, true);
    CHECK(hyp_stem == strings(e["detail"]["rouge1_stem"]["hyp_tokens"]));
    CHECK(ref_stem == strings(e["detail"]["rouge1_stem"]["ref_tokens"]));
    auto stem = dep::rouge_n_score(ref_stem, hyp_stem, 1);
    CHECK_THAT(stem.fmeasure, WithinAbs(e["rouge1_f_stem"].get<double>(), 1e-6));
    CHECK_THAT(stem.precision, WithinAbs(e["detail"]["rouge1_stem"]["p"].get<double>(), 1e-6));
    CHECK_THAT(stem.recall, WithinAbs(e["detail"]["rouge1_stem"]["r"].get<double>(), 1e-6));
    auto nostem = dep::rouge_n_score(dep::rouge_tokenize(p.ref, false), dep::rouge_tokenize(p.hyp, false), 1);
    CHECK_THAT(nostem.fmeasure, WithinAbs(e["rouge1_f_nostem"].get<double>(), 1e-6));
    CHECK_THAT(nostem.precision, WithinAbs(e["detail"]["rouge1_nostem"]["p"].get<double>(), 1e-6));
  }
}

TEST_CASE("sentence and corpus BLEU match sacreBLEU 2.6.0 on the fixture pairs", "[metrics][bleu]") {
  auto pairs = dep::test::fixture_pairs();
  auto expected = dep::test::fixture_expected();
  std::vector<std::string> hyps, refs;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& p = pairs[i];
    const auto& d = expected["per_pair"][i]["detail"]["bleu13a"];
    INFO("pair " << p.id);
    CHECK(dep::bleu_tokenize_13a(p.hyp) == d["hyp"].get<std::string>());
    CHECK(dep::bleu_tokenize_13a(p.ref) == d["ref"].get<std::string>());
    auto s = dep::sentence_bleu(p.hyp, p.ref);
    for (size_t n = 0; n < 4; ++n) {
      CHECK(s.stats.correct[n] == d["counts"][n].get<long>());
      CHECK(s.stats.total[n] == d["totals"][n].get<long>());
    }
    CHECK_THAT(s.bp, WithinAbs(d["bp"].get<double>(), 1e-12));
    CHECK_THAT(s.score, WithinAbs(expected["per_pair"][i]["sentence_bleu"].get<double>(), 1e-6));
    hyps.push_back(p.hyp);
    refs.push_back(p.ref);
  }
  auto c = dep::corpus_bleu(hyps, refs);
  const auto& corpus = expected["corpus"];
  CHECK_THAT(c.score, WithinAbs(corpus["corpus_bleu"].get<double>(), 1e-6));
  CHECK(c.stats.sys_len == corpus["corpus_bleu_detail"]["sys_len"].get<long>());
  CHECK(c.stats.ref_len == corpus["corpus_bleu_detail"]["ref_len"].get<long>());
  CHECK(dep::bleu_signature() == corpus["corpus_bleu_detail"]["signature"].get<std::string>());
}

TEST_CASE("METEOR matches nltk 3.8 single_meteor_score on the fixture pairs", "[metrics][meteor]") {
  auto pairs = dep::test::fixture_pairs();
  auto expected = dep::test::fixture_expected();
  const auto& tok = dep::test::shared_word_tokenizer();
  const auto& wn = dep::test::shared_wordnet();
  double sum = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& p = pairs[i];
    const auto& e = expected["per_pair"][i];
    INFO("pair " << p.id);
    auto hyp = tok.tokenize(p.hyp);
    auto ref = tok.tokenize(p.ref);
    CHECK(hyp == strings(e["detail"]["meteor"]["hyp_tokens"]));
    CHECK(ref == strings(e["detail"]["meteor"]["ref_tokens"]));
    auto m = dep::meteor_tokens(ref, hyp, wn);
    CHECK(m.matches == e["detail"]["meteor"]["matches"].get<int>());
    CHECK(m.chunks == e["detail"]["meteor"]["chunks"].get<int>());
    CHECK_THAT(m.score, WithinAbs(e["meteor"].get<double>(), 1e-6));
    sum += m.score;
  }
  CHECK_THAT(sum / static_cast<double>(pairs.size()),
             WithinAbs(expected["corpus"]["mean_meteor"].get<double>(), 1e-6));
}

TEST_CASE("fixture means of ROUGE-1 and sentence BLEU match the reference", "[metrics]") {
  auto pairs = dep::test::fixture_pairs();
  auto expected = dep::test::fixture_expected()["corpus"];
  double stem = 0, nostem = 0, bleu = 0;
  for (const auto& p : pairs) {
    stem += dep::rouge_n_score(dep::rouge_tokenize(p.ref, true), dep::rouge_tokenize(p.hyp, true)).fmeasure;
    nostem += dep::rouge_n_score(dep::rouge_tokenize(p.ref, false), dep::rouge_tokenize(p.hyp, false)).fmeasure;
    bleu += dep::sentence_bleu(p.hyp, p.ref).score;
  }
  double n = static_cast<double>(pairs.size());
  CHECK_THAT(stem / n, WithinAbs(expected["mean_rouge1_f_stem"].get<double>(), 1e-6));
  CHECK_THAT(nostem / n, WithinAbs(expected["mean_rouge1_f_nostem"].get<double>(), 1e-6));
  CHECK_THAT(bleu / n, WithinAbs(expected["mean_sentence_bleu"].get<double>(), 1e-6));
}
