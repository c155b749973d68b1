// dep-eval's inputs, per-sample scoring and per-category aggregation (see eval_report.h).
#include "dep/metrics/eval_report.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "dep/core/atomic_file.h"
#include "dep/metrics/bleu.h"
#include "dep/core/error.h"
#include "dep/core/json.h"
#include "dep/metrics/meteor.h"
#include "dep/metrics/rouge.h"
#include "python_text.h"

namespace dep {

const char* const kPredictionSeparator = "\n---------------------------------\n";

namespace {

bool looks_like_jsonl(const std::string& path) {
  auto ext = std::filesystem::path(path).extension().string();
  return ext == ".jsonl" || ext == ".json" || ext == ".ndjson";
}

// Python's open() in text mode reads with universal newlines: \r\n and \r become \n.
std::string universal_newlines(const std::string& text) {
  if (text.find('\r') == std::string::npos) return text;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string require_utf8(const std::string& text, const std::string& where) {
  if (!metrics_detail::is_valid_utf8(text)) fail(where, "text is not valid UTF-8");
  return text;
}

// Calls `fn(line, line_number)` for each non-blank line.
template <typename Fn>
void for_each_line(const std::string& path, Fn fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open file");
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (metrics_detail::py_strip(line).empty()) continue;
    fn(line, number);
  }
}

nlohmann::json parse_line(const std::string& line, const std::string& where) {
  const nlohmann::json j = parse_json(line, where);
  if (!j.is_object()) fail(where, "expected a JSON object");
  return j;
}

std::string string_field(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) fail(where, std::string("missing field \"") + key + "\"");
  if (!it->is_string()) fail(where, std::string("field \"") + key + "\" must be a string");
  return it->get<std::string>();
}

}  // namespace

std::vector<EvalSample> read_eval_jsonl(const std::string& path, const std::string& default_category) {
  std::vector<EvalSample> out;
  for_each_line(path, [&](const std::string& line, size_t number) {
    const std::string where = path + ":" + std::to_string(number);
    auto j = parse_line(line, where);
    EvalSample s;
    s.prediction = require_utf8(string_field(j, "prediction", where), where);
    s.reference = require_utf8(string_field(j, "reference", where), where);
    s.category = j.contains("category") ? string_field(j, "category", where) : default_category;
    s.source = where;
    out.push_back(std::move(s));
  });
  return out;
}

std::vector<std::string> split_predictions(const std::string& text) {
  std::vector<std::string> pieces;
  const std::string sep = kPredictionSeparator;
  size_t pos = 0;
  while (true) {
    size_t hit = text.find(sep, pos);
    if (hit == std::string::npos) {
      pieces.push_back(text.substr(pos));
      break;
    }
    pieces.push_back(text.substr(pos, hit - pos));
    pos = hit + sep.size();
  }
  // The writer puts the separator after every prediction, so the last piece is empty.
  if (!pieces.empty() && metrics_detail::py_strip(pieces.back()).empty()) pieces.pop_back();
  for (auto& p : pieces) p = std::string(metrics_detail::py_strip(p));
  return pieces;
}

std::string category_from_path(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  const std::string prefix = "predictions_";
  if (stem.rfind(prefix, 0) == 0 && stem.size() > prefix.size()) return stem.substr(prefix.size());
  return stem;
}

std::vector<EvalSample> read_prediction_text(const std::string& predictions_path,
                                             const std::string& references_path,
                                             const std::string& category) {
  auto predictions =
      split_predictions(universal_newlines(require_utf8(read_file(predictions_path), predictions_path)));
  std::vector<std::string> references;
  std::vector<std::string> reference_sources;
  if (looks_like_jsonl(references_path)) {
    for_each_line(references_path, [&](const std::string& line, size_t number) {
      const std::string where = references_path + ":" + std::to_string(number);
      auto j = parse_line(line, where);
      const char* key = j.contains("reference") ? "reference" : "out_str";
      references.push_back(require_utf8(string_field(j, key, where), where));
      reference_sources.push_back(where);
    });
  } else {
    // References keep their raw text (the paper scores against out_str as is).
    std::string text = universal_newlines(require_utf8(read_file(references_path), references_path));
    const std::string sep = kPredictionSeparator;
    size_t pos = 0;
    while (true) {
      size_t hit = text.find(sep, pos);
      references.push_back(text.substr(pos, hit == std::string::npos ? std::string::npos : hit - pos));
      if (hit == std::string::npos) break;
      pos = hit + sep.size();
    }
    if (!references.empty() && metrics_detail::py_strip(references.back()).empty()) references.pop_back();
  }
  if (predictions.size() != references.size()) {
    fail(predictions_path, std::to_string(predictions.size()) + " predictions but " +
                               std::to_string(references.size()) + " references in " + references_path);
  }
  std::vector<EvalSample> out;
  for (size_t i = 0; i < predictions.size(); ++i) {
    out.push_back({predictions[i], references[i], category, predictions_path + "#" + std::to_string(i + 1)});
  }
  return out;
}

MetricSelection MetricSelection::parse(const std::string& list) {
  MetricSelection m{false, false, false, false};
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    std::string name = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (name == "rouge") m.rouge = true;
    else if (name == "meteor") m.meteor = true;
    else if (name == "bleu") m.bleu = true;
    else if (name == "bertscore") m.bertscore = true;
    else fail("--metrics", "unknown metric '" + name + "' (choose from rouge, meteor, bleu, bertscore)");
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return m;
}

struct Evaluator::Impl {
  std::unique_ptr<WordNet> wordnet;
  std::unique_ptr<WordTokenizer> tokenizer;
  std::unique_ptr<MeteorScorer> meteor;
};

Evaluator::Evaluator(EvalOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  if (options_.metrics.bertscore && !options_.bertscore) {
    fail("--metrics", "bertscore needs an encoder model (dep-eval: --bertscore-model DIR)");
  }
  if (options_.metrics.meteor) {
    impl_->wordnet = std::make_unique<WordNet>(options_.wordnet_dir.empty() ? WordNet::default_dir()
                                                                            : options_.wordnet_dir);
    impl_->tokenizer = std::make_unique<WordTokenizer>(PunktParameters::load_json(
        options_.punkt_path.empty() ? PunktParameters::default_english_path() : options_.punkt_path));
    impl_->meteor = std::make_unique<MeteorScorer>(*impl_->tokenizer, *impl_->wordnet);
  }
}

Evaluator::~Evaluator() = default;

SampleScores Evaluator::score(const EvalSample& sample) const {
  SampleScores s;
  if (options_.metrics.rouge) {
    auto hn = rouge_tokenize(sample.prediction, false), rn = rouge_tokenize(sample.reference, false);
    s.rouge1 = rouge_n_score(rn, hn, 1).fmeasure;
    s.rougeL = rouge_l_score(rn, hn).fmeasure;
    s.rouge1_stem = rouge_n_score(rouge_tokenize(sample.reference, true), rouge_tokenize(sample.prediction, true), 1).fmeasure;
  }
  if (options_.metrics.meteor) s.meteor = impl_->meteor->score(sample.reference, sample.prediction).score;
  if (options_.metrics.bleu) s.bleu = sentence_bleu(sample.prediction, sample.reference).score;
  return s;
}

void Evaluator::add_bertscore(const std::vector<EvalSample>& samples, std::vector<SampleScores>& scores) const {
  if (!options_.metrics.bertscore) return;
  if (samples.size() != scores.size()) fail_internal("add_bertscore", "samples and scores differ in count");
  std::vector<std::string> order;
  std::map<std::string, std::vector<size_t>> members;
  for (size_t i = 0; i < samples.size(); ++i) {
    auto& list = members[samples[i].category];
    if (list.empty()) order.push_back(samples[i].category);
    list.push_back(i);
  }
  for (const auto& name : order) {
    std::vector<std::string> cands, refs;
    for (size_t i : members[name]) {
      cands.push_back(samples[i].prediction);
      refs.push_back(samples[i].reference);
    }
    auto f1 = options_.bertscore(cands, refs);
    if (f1.size() != cands.size()) fail_internal("bertscore", "scorer returned the wrong number of values");
    for (size_t k = 0; k < f1.size(); ++k) scores[members[name][k]].bertscore_f1 = f1[k];
  }
}

std::vector<CategorySummary> Evaluator::summarize(const std::vector<EvalSample>& samples,
                                                  const std::vector<SampleScores>& scores) const {
  if (samples.size() != scores.size()) fail_internal("summarize", "samples and scores differ in count");
  std::vector<std::string> order;
  std::map<std::string, std::vector<size_t>> members;
  for (size_t i = 0; i < samples.size(); ++i) {
    auto& list = members[samples[i].category];
    if (list.empty()) order.push_back(samples[i].category);
    list.push_back(i);
  }
  std::vector<CategorySummary> out;
  for (const auto& name : order) {
    const auto& idx = members[name];
    CategorySummary c;
    c.category = name;
    c.count = idx.size();
    std::vector<double> r1, r1s, rl, met, bl, bert;
    std::vector<std::string> hyps, refs;
    for (size_t i : idx) {
      const auto& s = scores[i];
      r1.push_back(s.rouge1);
      r1s.push_back(s.rouge1_stem);
      rl.push_back(s.rougeL);
      met.push_back(s.meteor);
      bl.push_back(s.bleu);
      if (s.bertscore_f1) bert.push_back(*s.bertscore_f1);
      hyps.push_back(samples[i].prediction);
      refs.push_back(samples[i].reference);
    }
    auto mean = [](const std::vector<double>& v) {
      double sum = 0;
      for (double x : v) sum += x;
      return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
    };
    c.rouge1 = mean(r1);
    c.rouge1_stem = mean(r1s);
    c.rougeL = mean(rl);
    c.meteor = mean(met);
    c.mean_sentence_bleu = mean(bl);
    if (options_.metrics.bertscore) c.bertscore_f1 = mean(bert);
    if (options_.metrics.rouge) {
      c.rouge1_bootstrap = bootstrap_median(r1, options_.bootstrap_seed, options_.bootstrap_resamples);
      c.rougeL_bootstrap = bootstrap_median(rl, options_.bootstrap_seed, options_.bootstrap_resamples);
    }
    if (options_.metrics.bleu) c.corpus_bleu = corpus_bleu(hyps, refs).score;
    out.push_back(std::move(c));
  }
  return out;
}

std::string markdown_table(const std::vector<CategorySummary>& summaries, const MetricSelection& m) {
  std::string head = "| Category | n |";
  std::string rule = "|---|---:|";
  if (m.rouge) {
    head += " ROUGE-1 | ROUGE-L |";
    rule += "---:|---:|";
  }
  if (m.meteor) {
    head += " METEOR |";
    rule += "---:|";
  }
  if (m.bleu) {
    head += " BLEU |";
    rule += "---:|";
  }
  if (m.bertscore) {
    head += " BERTScore |";
    rule += "---:|";
  }
  std::string out = head + "\n" + rule + "\n";
  char buf[64];
  for (const auto& c : summaries) {
    out += "| " + c.category + " | " + std::to_string(c.count) + " |";
    auto cell = [&](double v) {
      std::snprintf(buf, sizeof(buf), " %.4f |", v);
      out += buf;
    };
    if (m.rouge) {
      cell(c.rouge1);
      cell(c.rougeL);
    }
    if (m.meteor) cell(c.meteor);
    if (m.bleu) cell(c.corpus_bleu);
    if (m.bertscore) cell(c.bertscore_f1.value_or(0));
    out += "\n";
  }
  return out;
}

nlohmann::ordered_json summary_json(const std::vector<CategorySummary>& summaries, const EvalOptions& options) {
  const auto& m = options.metrics;
  nlohmann::ordered_json cats = nlohmann::ordered_json::object();
  for (const auto& c : summaries) {
    nlohmann::ordered_json j;
    j["count"] = c.count;
    if (m.rouge) {
      j["rouge1"] = c.rouge1;
      j["rouge1_stem"] = c.rouge1_stem;
      j["rougeL"] = c.rougeL;
      j["rouge1_bootstrap_median"] = c.rouge1_bootstrap;
      j["rougeL_bootstrap_median"] = c.rougeL_bootstrap;
    }
    if (m.meteor) j["meteor"] = c.meteor;
    if (m.bleu) {
      j["corpus_bleu"] = c.corpus_bleu;
      j["mean_sentence_bleu"] = c.mean_sentence_bleu;
    }
    if (m.bertscore && c.bertscore_f1) j["bertscore_f1"] = *c.bertscore_f1;
    cats[c.category] = std::move(j);
  }
  nlohmann::ordered_json out;
  out["categories"] = std::move(cats);
  if (m.bleu) out["bleu_signature"] = bleu_signature();
  if (m.rouge) {
    out["rouge"] = {{"tokenizer", "rouge_score default"},
                    {"bootstrap_resamples", options.bootstrap_resamples},
                    {"bootstrap_seed", options.bootstrap_seed},
                    {"bootstrap_rng", "numpy legacy MT19937 (np.random.seed)"}};
  }
  if (m.meteor) out["meteor"] = {{"alpha", 0.9}, {"beta", 3.0}, {"gamma", 0.5}, {"nltk", "3.8"}};
  return out;
}

nlohmann::json sample_json(const SampleScores& s, const MetricSelection& m) {
  nlohmann::json j = nlohmann::json::object();
  if (m.rouge) {
    j["rouge1"] = s.rouge1;
    j["rouge1_stem"] = s.rouge1_stem;
    j["rougeL"] = s.rougeL;
  }
  if (m.meteor) j["meteor"] = s.meteor;
  if (m.bleu) j["bleu"] = s.bleu;
  if (m.bertscore && s.bertscore_f1) j["bertscore_f1"] = *s.bertscore_f1;
  return j;
}

}  // namespace dep
