// The demo's summary JSON and results table (see demo_summary.h).
#include "dep/demo/demo_summary.h"

#include <cstdio>
#include <filesystem>

#include "dep/core/config.h"

namespace dep {

nlohmann::ordered_json demo_summary(const std::vector<MethodResult>& methods) {
  nlohmann::ordered_json out;
  nlohmann::ordered_json by_method = nlohmann::ordered_json::object();
  for (const auto& m : methods) {
    nlohmann::ordered_json r;
    r["meteor"] = nullptr;
    r["rouge1"] = nullptr;
    r["bleu"] = nullptr;
    r["heldout_loss"] = nullptr;
    r["samples"] = nullptr;
    if (!m.eval_json.empty() && std::filesystem::exists(m.eval_json)) {
      const auto eval = read_json_file(m.eval_json);
      double count = 0, meteor = 0, rouge1 = 0, bleu = 0;
      for (const auto& [category, c] : eval.at("categories").items()) {
        const double n = c.at("count").get<double>();
        count += n;
        meteor += n * c.value("meteor", 0.0);
        rouge1 += n * c.value("rouge1", 0.0);
        bleu += n * c.value("corpus_bleu", 0.0);
      }
      if (count > 0) {
        r["meteor"] = meteor / count;
        r["rouge1"] = rouge1 / count;
        r["bleu"] = bleu / count;
        r["samples"] = static_cast<int64_t>(count);
      }
      r["per_category"] = eval.at("categories");
    }
    if (!m.loss_json.empty() && std::filesystem::exists(m.loss_json)) {
      const auto loss = read_json_file(m.loss_json);
      r["heldout_loss"] = loss.at("loss");
      r["heldout_loss_tokens"] = loss.at("tokens");
    }
    by_method[m.name] = std::move(r);
  }
  out["methods"] = std::move(by_method);
  out["split"] = "test";
  out["notes"] =
      "meteor and rouge1 are means over all test samples; bleu is the per-category corpus BLEU (0-100) "
      "weighted by sample counts; heldout_loss is the token-mean cross-entropy of the test reviews";
  return out;
}

std::string demo_table(const nlohmann::ordered_json& summary) {
  auto cell = [](const nlohmann::ordered_json& v, const char* format) {
    if (v.is_null()) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof(buf), format, v.get<double>());
    return std::string(buf);
  };
  std::string out = "| method         | METEOR | ROUGE-1 |  BLEU  | held-out loss |\n"
                    "|----------------|--------|---------|--------|---------------|\n";
  for (const auto& [name, r] : summary.at("methods").items()) {
    char row[160];
    std::snprintf(row, sizeof(row), "| %-14s | %6s | %7s | %6s | %13s |\n", name.c_str(),
                  cell(r.at("meteor"), "%.4f").c_str(), cell(r.at("rouge1"), "%.4f").c_str(),
                  cell(r.at("bleu"), "%.2f").c_str(), cell(r.at("heldout_loss"), "%.4f").c_str());
    out += row;
  }
  return out;
}

}  // namespace dep
