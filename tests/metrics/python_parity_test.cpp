// Property tests against the reference Python libraries in $DEP_VENV (rouge-score, sacrebleu,
// nltk 3.8 with the same Punkt parameters and Debian's WordNet): many generated review-like pairs
// with punctuation, abbreviations, numbers, contractions, HTML entities, unicode, newlines and
// very long texts must give identical tokens and scores.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "dep/metrics/bleu.h"
#include "dep/metrics/porter_stemmer.h"
#include "dep/metrics/rouge.h"
#include "metrics_support.h"

using Catch::Matchers::WithinAbs;

namespace {

std::string python() {
  const char* venv = std::getenv("DEP_VENV");
  std::string root = venv && *venv ? std::string(venv) : std::string(DEP_SOURCE_DIR) + "/.venv";
  return root + "/bin/python3";
}

// Pieces texts are built from: plain review words and their inflections, words with WordNet
// synonyms, and the constructs each tokenizer treats specially.
const std::vector<std::string>& vocabulary() {
  static const std::vector<std::string> v = {
      "the", "a", "book", "books", "movie", "film", "films", "story", "stories", "character",
      "characters", "plot", "great", "good", "well", "better", "best", "bad", "worse", "love",
      "loved", "loving", "loves", "read", "reading", "reads", "written", "writing", "wrote",
      "author", "ending", "ended", "ends", "music", "album", "song", "songs", "sing", "singing",
      "sang", "track", "tracks", "sound", "sounds", "quality", "price", "value", "buy", "bought",
      "recommend", "recommended", "highly", "really", "very", "quite", "not", "never", "always",
      "and", "but", "or", "so", "because", "it", "is", "was", "were", "be", "been", "this", "that",
      "I", "you", "he", "she", "they", "we", "my", "your", "their", "geese", "mice", "children",
      "happily", "happiness", "generalization", "relational", "conditional", "hopeful",
      "skies", "dying", "lying", "news", "innings", "proceed", "exceeded", "agreed", "feed",
      "running", "ran", "runs", "sky", "fly", "flies", "flying", "spied", "tried", "ties",
      "caresses", "ponies", "cats", "hopping", "falling", "hissing", "fizzed", "failing", "filing",
      "five", "5", "well-written", "page-turner", "self-published", "co-author", "e-mail",
      "Mr.", "Mrs.", "Dr.", "St.", "U.S.", "e.g.", "i.e.", "etc.", "vs.", "Jan.", "No.", "J.",
      "K.", "Rowling", "Smith", "Washington", "Tolkien", "$5.99", "10/10", "3.5", "1,000",
      "2-3", "1990s", "#1", "50%", "A+", "don't", "can't", "won't", "I'm", "it's", "they're",
      "we've", "you'll", "he'd", "cannot", "gonna", "wanna", "gimme", "'tis", "ain't", "y'all",
      "o'clock", "rock'n'roll", "&amp;", "&quot;", "&lt;", "&gt;", "&#39;", "&nbsp;", "<br>",
      "<skipped>", "café", "naïve", "Beyoncé", "Motörhead", "über", "日本", "ΣΑΣ", "İstanbul",
      "\u212Aelvin", "ﬁne", "😀", "—", "–", "…", "“", "”", "‘", "’", "«", "»", "„", "½", "²",
      "(", ")", "[", "]", "{", "}", "<", ">", "\"", "'", "''", "``", "`", "--", "-", ",", ";",
      ":", "@", "#", "$", "%", "&", "*", "/", "\\", "|", "~", "^", "_", "+", "=", "...", "..",
      "?!", "!!", "??"};
  return v;
}

std::string capitalize(const std::string& w) {
  if (w.empty() || w[0] < 'a' || w[0] > 'z') return w;
  std::string c = w;
  c[0] = static_cast<char>(c[0] - 32);
  return c;
}

std::string random_text(std::mt19937& rng, int words) {
  const auto& v = vocabulary();
  std::uniform_int_distribution<size_t> pick(0, v.size() - 1);
  std::uniform_int_distribution<int> pct(0, 99);
  std::string out;
  bool sentence_start = true;
  for (int i = 0; i < words; ++i) {
    std::string w = v[pick(rng)];
    if (sentence_start && pct(rng) < 80) w = capitalize(w);
    if (pct(rng) < 3) {
      for (auto& ch : w) {
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
      }
    }
    sentence_start = false;
    if (!out.empty()) {
      int sep = pct(rng);
      out += sep < 88 ? " " : sep < 92 ? "" : sep < 95 ? "\n" : sep < 97 ? "  " : sep < 98 ? "\t" : "\n\n";
    }
    out += w;
    int end = pct(rng);
    if (end < 8) {
      out += end < 5 ? "." : end < 6 ? "!" : end < 7 ? "?" : "...";
      sentence_start = true;
    } else if (end < 11) {
      out += ",";
    } else if (end < 12) {
      out += "\"";
    } else if (end < 13) {
      out += ".)";
      sentence_start = true;
    }
  }
  if (pct(rng) < 70) out += ".";
  return out;
}

// A hypothesis that shares words with its reference, so every METEOR stage gets work.
std::string perturb(std::mt19937& rng, const std::string& ref) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start <= ref.size()) {
    size_t sp = ref.find(' ', start);
    if (sp == std::string::npos) sp = ref.size();
    words.push_back(ref.substr(start, sp - start));
    start = sp + 1;
  }
  const auto& v = vocabulary();
  std::uniform_int_distribution<size_t> pick(0, v.size() - 1);
  std::uniform_int_distribution<int> pct(0, 99);
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    int r = pct(rng);
    std::string w = words[i];
    if (r < 15) {
      w = v[pick(rng)];
    } else if (r < 22) {
      continue;
    } else if (r < 27 && i + 1 < words.size()) {
      std::swap(words[i], words[i + 1]);
      w = words[i];
    }
    if (!out.empty()) out += " ";
    out += w;
    if (r > 97) out += " " + v[pick(rng)];
  }
  return out;
}

}  // namespace

TEST_CASE("metrics agree with rouge-score, sacrebleu and nltk on generated pairs", "[metrics][python]") {
  const std::string py = python();
  if (!std::filesystem::exists(py)) FAIL("reference Python not found at " << py << " (set DEP_VENV)");

  std::mt19937 rng(20240601);
  std::vector<dep::test::MetricPair> pairs;
  std::uniform_int_distribution<int> length(1, 60);
  for (int i = 0; i < 400; ++i) {
    std::string ref = random_text(rng, length(rng));
    std::string hyp = i % 5 == 0 ? random_text(rng, length(rng)) : perturb(rng, ref);
    pairs.push_back({std::to_string(i), hyp, ref});
  }
  // Edge cases: empty sides, whitespace only, punctuation only, identical, very long.
  pairs.push_back({"empty-hyp", "", "A fine book."});
  pairs.push_back({"empty-ref", "A fine book.", ""});
  pairs.push_back({"both-empty", "", ""});
  pairs.push_back({"spaces", "   \n\t ", "Fine."});
  pairs.push_back({"punct", "... !!! ??", "?!"});
  pairs.push_back({"identical", "The plot is great.", "The plot is great."});
  pairs.push_back({"entities", "Tom &amp; Jerry &quot;rocks&quot; &lt;3 &gt; all",
                   "Tom & Jerry \"rocks\" <3 > all"});
  pairs.push_back({"unicode", "Le café était très “bon” — naïve Beyoncé fans…",
                   "Café “très bon”, naïve… ΣΑΣ İstanbul \u212Aelvin"});
  pairs.push_back({"long", random_text(rng, 3000), random_text(rng, 2500)});
  pairs.push_back({"long-similar", perturb(rng, random_text(rng, 2000)), random_text(rng, 2000)});

  std::set<std::string> word_set;
  for (const auto& w : vocabulary()) word_set.insert(dep::test::shared_word_tokenizer().tokenize(w).empty() ? w : w);
  for (const char* w : {"generously", "hopefulness", "electrical", "adjustable", "bowdlerize",
                        "controlling", "rolling", "enjoy", "enjoyment", "spies", "ies", "sses",
                        "oed", "ying", "logi", "analogous", "happier", "happiest", "women",
                        "wolves", "boxes", "churches", "dishes", "buses", "quizzes", "ran",
                        "went", "better", "best", "worst", "bigger", "feet", "teeth", "movi",
                        "stori", "charact", "great", "ha", "is", "was", "are", "were"}) {
    word_set.insert(w);
  }
  std::vector<std::string> words(word_set.begin(), word_set.end());

  std::vector<double> boot_values;
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < 37; ++i) boot_values.push_back(unit(rng));

  nlohmann::json req;
  req["pairs"] = nlohmann::json::array();
  for (const auto& p : pairs) req["pairs"].push_back({{"hyp", p.hyp}, {"ref", p.ref}});
  req["words"] = words;
  req["bootstrap"] = {{"values", boot_values}, {"seed", 1234}};
  req["punkt"] = dep::PunktParameters::default_english_path();
  req["wordnet"] = dep::WordNet::default_dir();
  const std::string dir = dep::test::scratch_dir("metrics-python-parity");
  {
    std::ofstream out(dir + "/request.json");
    out << req.dump();
  }
  const std::string cmd = "\"" + py + "\" \"" + std::string(DEP_SOURCE_DIR) +
                          "/tests/metrics/reference_metrics.py\" \"" + dir + "/request.json\" \"" +
                          dir + "/response.json\"";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(dir + "/response.json");
  auto resp = nlohmann::json::parse(in);
  REQUIRE(resp["pairs"].size() == pairs.size());

  const auto& tok = dep::test::shared_word_tokenizer();
  const auto& wn = dep::test::shared_wordnet();
  std::vector<std::string> hyps, refs;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& p = pairs[i];
    const auto& e = resp["pairs"][i];
    INFO("pair " << p.id << "\nhyp: " << p.hyp << "\nref: " << p.ref);
    CHECK(dep::rouge_tokenize(p.hyp, true) == e["rouge_tokens_stem"].get<std::vector<std::string>>());
    auto hs = dep::rouge_tokenize(p.hyp, true), rs = dep::rouge_tokenize(p.ref, true);
    auto hn = dep::rouge_tokenize(p.hyp, false), rn = dep::rouge_tokenize(p.ref, false);
    CHECK_THAT(dep::rouge_n_score(rs, hs).fmeasure, WithinAbs(e["rouge1_stem"].get<double>(), 1e-12));
    CHECK_THAT(dep::rouge_l_score(rs, hs).fmeasure, WithinAbs(e["rougeL_stem"].get<double>(), 1e-12));
    CHECK_THAT(dep::rouge_n_score(rn, hn).fmeasure, WithinAbs(e["rouge1"].get<double>(), 1e-12));
    CHECK_THAT(dep::rouge_l_score(rn, hn).fmeasure, WithinAbs(e["rougeL"].get<double>(), 1e-12));
    CHECK(tok.sentence_tokenizer().tokenize(p.hyp) == e["sentences"].get<std::vector<std::string>>());
    auto hyp_tokens = tok.tokenize(p.hyp);
    CHECK(hyp_tokens == e["word_tokens"].get<std::vector<std::string>>());
    auto m = dep::meteor_tokens(tok.tokenize(p.ref), hyp_tokens, wn);
    CHECK_THAT(m.score, WithinAbs(e["meteor"].get<double>(), 1e-12));
    CHECK(dep::bleu_tokenize_13a(p.hyp) == e["bleu_tokens"].get<std::string>());
    CHECK_THAT(dep::sentence_bleu(p.hyp, p.ref).score, WithinAbs(e["bleu"].get<double>(), 1e-9));
    hyps.push_back(p.hyp);
    refs.push_back(p.ref);
  }
  CHECK_THAT(dep::corpus_bleu(hyps, refs).score, WithinAbs(resp["corpus_bleu"].get<double>(), 1e-9));

  for (const auto& w : words) {
    INFO("word " << w);
    const auto& e = resp["words"][w];
    CHECK(dep::porter_stem(w) == e["stem"].get<std::string>());
    const auto& syns = wn.meteor_synonyms(w);
    CHECK(std::set<std::string>(syns.begin(), syns.end()) ==
          e["synonyms"].get<std::set<std::string>>());
  }
  CHECK_THAT(dep::bootstrap_median(boot_values, 1234),
             WithinAbs(resp["bootstrap_median"].get<double>(), 1e-12));
}
