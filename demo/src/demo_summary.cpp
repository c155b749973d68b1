// The demo's summary, intervals and tables (see demo_summary.h).
#include "dep/demo/demo_summary.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>

#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/atomic_file.h"
#include "dep/core/json.h"
#include "dep/metrics/bleu.h"

namespace dep {
namespace {

namespace fs = std::filesystem;

// One method's per-sample statistics in the order of the first method's samples.
struct MethodSamples {
  bool generated = false, scored = false;
  std::vector<double> meteor, rouge1;
  std::vector<BleuStats> bleu;
  std::vector<double> ce_sum, tokens;
};

const char* const kMetrics[] = {"meteor", "rouge1", "bleu", "heldout_loss"};

std::vector<nlohmann::json> read_lines(const std::string& path) {
  std::vector<nlohmann::json> out;
  const std::string text = read_file(path);
  size_t start = 0;
  for (int64_t line = 1; start < text.size(); ++line) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) {
      out.push_back(parse_json(std::string_view(text).substr(start, end - start), path + ":" + std::to_string(line)));
    }
    start = end + 1;
  }
  return out;
}

class SummaryBuilder {
 public:
  explicit SummaryBuilder(const DemoSummaryOptions& options) : options_(options) {}

  void add(const MethodRun& run) {
    MethodSamples m;
    const fs::path dir(run.dir);
    if (fs::exists(dir / "generations.jsonl")) {
      const auto records = read_lines((dir / "generations.jsonl").string());
      if (ids_.empty()) {
        for (const auto& r : records) {
          index_[r.at("sample_id").get<std::string>()] = ids_.size();
          ids_.push_back(r.at("sample_id").get<std::string>());
          categories_.push_back(r.at("category").get<std::string>());
        }
      }
      check_same_samples(records, (dir / "generations.jsonl").string(), "sample_id");
      m.bleu.resize(ids_.size());
      for (const auto& r : records)
        m.bleu[index_.at(r.at("sample_id").get<std::string>())] =
            bleu_segment_stats(r.at("prediction").get<std::string>(), r.at("reference").get<std::string>());
      m.generated = true;
      if (fs::exists(dir / "eval_per_sample.jsonl")) {
        const auto scores = read_lines((dir / "eval_per_sample.jsonl").string());
        if (scores.size() != records.size())
          fail((dir / "eval_per_sample.jsonl").string(), "has " + std::to_string(scores.size()) +
                                                             " lines for " + std::to_string(records.size()) + " generations");
        m.meteor.resize(ids_.size());
        m.rouge1.resize(ids_.size());
        for (size_t i = 0; i < records.size(); ++i) {
          const size_t at = index_.at(records[i].at("sample_id").get<std::string>());
          m.meteor[at] = scores[i].at("meteor").get<double>();
          m.rouge1[at] = scores[i].at("rouge1").get<double>();
        }
        m.scored = true;
      }
    }
    if (fs::exists(dir / "loss.json")) {
      const auto loss = read_json_file((dir / "loss.json").string());
      const auto& per_sample = loss.at("per_sample");
      if (ids_.empty()) {
        for (const auto& r : per_sample) {
          index_[r.at("sample_id").get<std::string>()] = ids_.size();
          ids_.push_back(r.at("sample_id").get<std::string>());
          categories_.push_back(r.at("sample_id").get<std::string>().substr(0, r.at("sample_id").get<std::string>().rfind('/')));
        }
      }
      std::vector<nlohmann::json> rows(per_sample.begin(), per_sample.end());
      check_same_samples(rows, (dir / "loss.json").string(), "sample_id");
      m.ce_sum.resize(ids_.size());
      m.tokens.resize(ids_.size());
      for (const auto& r : rows) {
        const size_t at = index_.at(r.at("sample_id").get<std::string>());
        m.ce_sum[at] = r.at("ce_sum").get<double>();
        m.tokens[at] = r.at("tokens").get<double>();
      }
    }
    names_.push_back(run.name);
    samples_.emplace(run.name, std::move(m));
    if (fs::exists(dir / "eval.json")) per_category_[run.name] = read_json_file((dir / "eval.json").string()).at("categories");
  }

  nlohmann::ordered_json build() const {
    nlohmann::ordered_json out;
    nlohmann::ordered_json methods = nlohmann::ordered_json::object();
    const std::vector<double> all(ids_.size(), 1.0);
    for (const auto& name : names_) {
      nlohmann::ordered_json r;
      nlohmann::ordered_json ci = nlohmann::ordered_json::object();
      for (const char* metric : kMetrics) {
        const auto stat = statistic(name, metric);
        r[metric] = stat ? nlohmann::ordered_json((*stat)(all)) : nlohmann::ordered_json(nullptr);
        if (stat) {
          const auto [low, high] = paired_bootstrap_interval(static_cast<int64_t>(ids_.size()), *stat, options_.bootstrap);
          ci[metric] = {low, high};
        }
      }
      r["samples"] = ids_.size();
      r["ci"] = std::move(ci);
      if (auto it = per_category_.find(name); it != per_category_.end()) r["per_category"] = it->second;
      methods[name] = std::move(r);
    }
    out["methods"] = std::move(methods);
    nlohmann::ordered_json intervals = nlohmann::ordered_json::object();
    nlohmann::ordered_json improvements = nlohmann::ordered_json::object();
    for (const auto& baseline : options_.baselines) {
      if (!samples_.count(baseline)) continue;
      for (const auto& name : names_) {
        if (name == baseline) continue;
        nlohmann::ordered_json iv = nlohmann::ordered_json::object(), point = nlohmann::ordered_json::object();
        for (const char* metric : kMetrics) {
          const auto a = statistic(name, metric), b = statistic(baseline, metric);
          if (!a || !b) continue;
          // Improvement: metrics gained, the loss reduced.
          const double sign = std::string(metric) == "heldout_loss" ? -1.0 : 1.0;
          const WeightedStatistic gain = [a, b, sign](const std::vector<double>& w) { return sign * ((*a)(w) - (*b)(w)); };
          const auto [low, high] = paired_bootstrap_interval(static_cast<int64_t>(ids_.size()), gain, options_.bootstrap);
          iv[metric] = {low, high};
          point[metric] = gain(all);
        }
        intervals[name + "_vs_" + baseline] = std::move(iv);
        improvements[name + "_vs_" + baseline] = std::move(point);
      }
    }
    out["intervals"] = std::move(intervals);
    out["improvements"] = std::move(improvements);
    out["bootstrap"] = {{"resamples", options_.bootstrap.resamples},
                        {"seed", options_.bootstrap.seed},
                        {"confidence", options_.bootstrap.confidence},
                        {"paired", true}};
    out["split"] = "test";
    out["notes"] =
        "meteor and rouge1 are means over the test samples; bleu is the per-category corpus BLEU (0-100) weighted "
        "by sample counts; heldout_loss is the token-mean cross-entropy of the test reviews; intervals are paired "
        "bootstrap 95% intervals of the improvement over the baseline (metrics gained, loss reduced)";
    return out;
  }

 private:
  void check_same_samples(const std::vector<nlohmann::json>& rows, const std::string& path, const char* key) const {
    if (rows.size() != ids_.size())
      fail(path, "has " + std::to_string(rows.size()) + " samples, the first method " + std::to_string(ids_.size()));
    for (const auto& r : rows)
      if (!index_.count(r.at(key).get<std::string>()))
        fail(path, "sample " + r.at(key).get<std::string>() + " is not among the first method's samples");
  }

  std::optional<WeightedStatistic> statistic(const std::string& name, const std::string& metric) const {
    const MethodSamples* m = &samples_.at(name);
    if (metric == "heldout_loss") {
      if (m->ce_sum.empty()) return std::nullopt;
      return WeightedStatistic([m](const std::vector<double>& w) {
        double sum = 0, tokens = 0;
        for (size_t i = 0; i < w.size(); ++i) sum += w[i] * m->ce_sum[i], tokens += w[i] * m->tokens[i];
        return tokens > 0 ? sum / tokens : 0.0;
      });
    }
    if (metric == "bleu") {
      if (!m->generated) return std::nullopt;
      const auto* categories = &categories_;
      return WeightedStatistic([m, categories](const std::vector<double>& w) {
        // Per-category corpus BLEU of the drawn samples, weighted by the drawn counts.
        std::map<std::string, std::pair<BleuStats, double>> by_category;
        double total = 0;
        for (size_t i = 0; i < w.size(); ++i) {
          if (w[i] == 0) continue;
          auto& [stats, count] = by_category[(*categories)[i]];
          for (int k = 0; k < static_cast<int>(w[i]); ++k) stats += m->bleu[i];
          count += w[i];
          total += w[i];
        }
        double bleu = 0;
        for (const auto& [category, entry] : by_category) bleu += entry.second * bleu_from_stats(entry.first, false).score;
        return total > 0 ? bleu / total : 0.0;
      });
    }
    if (!m->scored) return std::nullopt;
    const std::vector<double>* values = metric == "meteor" ? &m->meteor : &m->rouge1;
    return WeightedStatistic([values](const std::vector<double>& w) {
      double sum = 0, count = 0;
      for (size_t i = 0; i < w.size(); ++i) sum += w[i] * (*values)[i], count += w[i];
      return count > 0 ? sum / count : 0.0;
    });
  }

  DemoSummaryOptions options_;
  std::vector<std::string> names_;
  std::vector<std::string> ids_, categories_;
  std::map<std::string, size_t> index_;
  std::map<std::string, MethodSamples> samples_;
  std::map<std::string, nlohmann::ordered_json> per_category_;
};

std::string cell(const nlohmann::ordered_json& v, const char* format) {
  if (v.is_null()) return "-";
  char buf[48];
  std::snprintf(buf, sizeof(buf), format, v.get<double>());
  return buf;
}

std::string interval_cell(const nlohmann::ordered_json& point, const nlohmann::ordered_json& iv, const char* format) {
  if (point.is_null() || iv.is_null()) return "-";
  char buf[96];
  const std::string f = std::string(format) + " [" + format + ", " + format + "]";
  std::snprintf(buf, sizeof(buf), f.c_str(), point.get<double>(), iv[0].get<double>(), iv[1].get<double>());
  return buf;
}

struct Row {
  std::vector<std::string> cells;
};

std::string render(const std::vector<std::string>& header, const std::vector<Row>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows)
    for (size_t c = 0; c < r.cells.size(); ++c) width[c] = std::max(width[c], r.cells[c].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out = "|";
    for (size_t c = 0; c < cells.size(); ++c) out += " " + cells[c] + std::string(width[c] - cells[c].size(), ' ') + " |";
    return out + "\n";
  };
  std::string out = line(header) + "|";
  for (size_t c = 0; c < header.size(); ++c) out += std::string(width[c] + 2, '-') + "|";
  out += "\n";
  for (const auto& r : rows) out += line(r.cells);
  return out;
}

std::string method_table(const nlohmann::ordered_json& summary) {
  std::vector<Row> rows;
  for (const auto& [name, r] : summary.at("methods").items()) {
    rows.push_back({{name, cell(r.at("meteor"), "%.4f"), cell(r.at("rouge1"), "%.4f"), cell(r.at("bleu"), "%.2f"),
                     cell(r.at("heldout_loss"), "%.4f")}});
  }
  return render({"method", "METEOR", "ROUGE-1", "BLEU", "held-out loss"}, rows);
}

std::string interval_table(const nlohmann::ordered_json& summary, const std::string& baseline) {
  std::vector<Row> rows;
  for (const auto& [key, iv] : summary.at("intervals").items()) {
    const std::string suffix = "_vs_" + baseline;
    if (key.size() <= suffix.size() || key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    const auto& point = summary.at("improvements").at(key);
    auto get = [](const nlohmann::ordered_json& j, const char* k) { return j.contains(k) ? j.at(k) : nlohmann::ordered_json(); };
    rows.push_back({{key.substr(0, key.size() - suffix.size()), interval_cell(get(point, "meteor"), get(iv, "meteor"), "%+.4f"),
                     interval_cell(get(point, "rouge1"), get(iv, "rouge1"), "%+.4f"),
                     interval_cell(get(point, "bleu"), get(iv, "bleu"), "%+.2f"),
                     interval_cell(get(point, "heldout_loss"), get(iv, "heldout_loss"), "%+.4f")}});
  }
  if (rows.empty()) return "";
  return render({"vs " + baseline, "METEOR gained", "ROUGE-1 gained", "BLEU gained", "loss reduced"}, rows);
}

}  // namespace

nlohmann::ordered_json demo_summary(const std::vector<MethodRun>& methods, const DemoSummaryOptions& options) {
  SummaryBuilder builder(options);
  for (const auto& m : methods) builder.add(m);
  return builder.build();
}

std::string demo_table(const nlohmann::ordered_json& summary) {
  std::string out = method_table(summary);
  for (const auto& baseline : {"non_perso", "dep_zero_soft"}) {
    const auto t = interval_table(summary, baseline);
    if (!t.empty()) out += "\nimprovement over " + std::string(baseline) + " (paired bootstrap 95% interval):\n" + t;
  }
  return out;
}

std::string demo_markdown(const nlohmann::ordered_json& summary) {
  std::string out = "# Demo results\n\nMethods on the same held-out test samples (" +
                    std::to_string(summary.at("methods").begin()->at("samples").get<int64_t>()) + "):\n\n" +
                    method_table(summary);
  for (const auto& baseline : {"non_perso", "dep_zero_soft"}) {
    const auto t = interval_table(summary, baseline);
    if (!t.empty()) out += "\n## Improvement over " + std::string(baseline) + "\n\nPoint value [95% interval]: paired "
                           "bootstrap over test samples (1,000 resamples, fixed seed); above 0 means better.\n\n" + t;
  }
  if (summary.contains("embeddings")) {
    const auto& e = summary.at("embeddings");
    char line[256];
    std::snprintf(line, sizeof(line),
                  "\n## Who wrote it: user identification from the embeddings\n\nNearest-centroid accuracy on held-out "
                  "reviews (%lld users): his %.3f, diff %.3f (chance %.3f).\n",
                  static_cast<long long>(e.value("users", 0)), e.value("his_accuracy", 0.0), e.value("diff_accuracy", 0.0),
                  e.value("chance", 0.0));
    out += line;
  }
  if (summary.contains("wall_seconds")) out += "\nWall time: " + std::to_string(summary.at("wall_seconds").get<int64_t>()) + " s.\n";
  return out;
}

}  // namespace dep
