// dep-data: DEP splits and prompts from DPL JSONL (what the model will see), validation, and a
// synthetic dataset in the DPL schema.
//   dep-data prompts --config C --split train|val|test [--category X] --out FILE.jsonl
//   dep-data split   --config C --split train|val|test --out FILE.jsonl
//   dep-data validate --config C
//   dep-data synth --out DIR [--users N] [--items M] [--seed S]
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string_view>

#include "dep/core/app.h"
#include "dep/core/atomic_file.h"
#include "dep/core/cli.h"
#include "dep/core/config.h"
#include "dep/core/output_path.h"
#include "dep/data/data_config.h"
#include "dep/data/data_tokenizer.h"
#include "dep/data/dep_dataset.h"
#include "dep/data/dpl_prompt.h"
#include "dep/data/dpl_selection.h"
#include "dep/embed/embedding_store.h"
#include "dep/core/error.h"
#include "dep/core/log.h"
#include "dep/core/progress.h"
#include "dep/data/sample_builder.h"
#include "dep/data/synthetic_data.h"

namespace {

struct ConfigOptions {
  dep::ConfigFlags flags;
  bool skip_bad_lines = false;
};

void add_config_options(CLI::App& cmd, ConfigOptions& o) {
  dep::add_config_flags<dep::DataConfig>(cmd, o.flags, "configs/data.json");
  cmd.add_flag("--skip-bad-lines", o.skip_bad_lines, "skip and count malformed rows instead of failing");
}

// Loads the config; returns false when --dump-config asked only for the dump.
bool load(const ConfigOptions& o, dep::DataConfig& config) {
  const auto loaded = dep::load_config<dep::DataConfig>(o.flags, [&](dep::DataConfig& c) {
    if (o.skip_bad_lines) c.data.skip_bad_lines = true;
  });
  if (!loaded) return false;
  config = *loaded;
  return true;
}

void report(const dep::ReadReport& r) {
  dep::log::info(dep::log::format("read %lld lines, %lld rows, %lld skipped", static_cast<long long>(r.lines),
                                  static_cast<long long>(r.rows), static_cast<long long>(r.skipped)));
  for (const auto& p : r.problems) dep::log::warn("skipped: " + p);
}

std::vector<const dep::SplitRow*> select_category(const dep::DepData& data, const std::string& category) {
  std::vector<const dep::SplitRow*> rows;
  for (const auto& r : data.rows)
    if (category.empty() || r.category == category) rows.push_back(&r);
  if (!category.empty() && rows.empty()) {
    bool known = false;
    for (const auto& c : data.categories) known |= c == category;
    if (!known) dep::fail("--category", "'" + category + "' is not a configured category");
  }
  return rows;
}

// --out FILE, or "-" for stdout (then no .config.json is written beside it).
class Output {
 public:
  explicit Output(const std::string& path) {
    if (path != "-") file_ = std::make_unique<dep::AtomicFileWriter>(path);
  }
  void write(std::string_view text) {
    if (file_) {
      file_->write(text);
    } else {
      std::fwrite(text.data(), 1, text.size(), stdout);
    }
  }
  void commit() {
    if (file_) file_->commit();
    else if (std::fflush(stdout) != 0) dep::fail("<stdout>", "write failed");
  }

 private:
  std::unique_ptr<dep::AtomicFileWriter> file_;
};

void write_config_beside(const std::string& out, const dep::DataConfig& config) {
  if (out != "-") dep::write_effective_config(out + ".config.json", dep::config_to_json(config));
}

void require_out(const std::string& out) {
  if (out.empty()) dep::fail("--out", "required (the output path)");
  dep::check_output_file(out, "--out");
}

int run_prompts(const ConfigOptions& o, const std::string& split, const std::string& category, const std::string& out) {
  dep::DataConfig config;
  if (!load(o, config)) return 0;
  require_out(out);
  const auto tokenizer = dep::load_dep_tokenizer(config.tokenizer);
  const auto data = dep::load_dep_data(config, dep::parse_split(split));
  report(data.report);
  const auto rows = select_category(data, category);
  const bool dpl = dep::parse_prompt_variant(config.prompt.variant) == dep::PromptVariant::kDpl;
  std::unique_ptr<dep::EmbeddingStore> store;
  if (dpl && !config.dpl.embeddings.empty()) store = dep::EmbeddingStore::open(config.dpl.embeddings);
  if (dpl && !store) dep::log::warn("dpl.embeddings is empty: no peers are chosen and stage 1 shows no other users");
  const dep::DplSplitIndex dpl_index(data.rows);  // DPL: maps from the current split only
  dep::DepSampleBuilder builder(config, data, dep::encoder_of(tokenizer));
  Output writer(out);
  dep::Progress progress("prompts", static_cast<int64_t>(rows.size()), "samples");
  for (const auto* row : rows) {
    if (dpl) {
      // What DPL's first LLM calls see: its own selection and the stage-1 messages.
      const auto s = dep::select_dpl({&dpl_index, &data.meta, &data, store.get()}, *row, config.history.k, config.dpl);
      nlohmann::json j = {{"category", row->category},  {"user_id", row->row.user_id},
                          {"history_asins", s.history_asins}, {"diff_asins", s.diff_asins},
                          {"dpl_peers", s.dpl_peers},       {"dpl_stage1", dep::dpl_stage1_messages(s, data.meta)}};
      writer.write(j.dump());
    } else {
      writer.write(dep::DepSampleBuilder::inspection_json(builder.plan(*row)));
    }
    writer.write("\n");
    progress.advance();
  }
  writer.commit();
  progress.finish();
  write_config_beside(out, config);
  dep::log::info("wrote " + std::to_string(rows.size()) + " prompts to " + out);
  return 0;
}

int run_split(const ConfigOptions& o, const std::string& split, const std::string& out) {
  dep::DataConfig config;
  if (!load(o, config)) return 0;
  require_out(out);
  const auto data = dep::load_dep_data(config, dep::parse_split(split));
  report(data.report);
  Output writer(out);
  for (const auto& r : data.rows) {
    std::string line = dep::user_row_json(r.row);
    // {"category": ..., then the DPL fields}
    writer.write("{\"category\":" + nlohmann::json(r.category).dump() + "," + line.substr(1) + "\n");
  }
  writer.commit();
  write_config_beside(out, config);
  dep::log::info("wrote " + std::to_string(data.rows.size()) + " " + split + " rows to " + out);
  return 0;
}

int run_validate(const ConfigOptions& o) {
  dep::DataConfig config;
  if (!load(o, config)) return 0;
  for (const auto split : {dep::DepSplit::kTrain, dep::DepSplit::kVal, dep::DepSplit::kTest}) {
    const auto data = dep::load_dep_data(config, split);
    std::printf("%-5s %6zu samples (%lld lines read, %lld skipped)\n", dep::split_name(split), data.rows.size(),
                static_cast<long long>(data.report.lines), static_cast<long long>(data.report.skipped));
    for (const auto& p : data.report.problems) std::printf("  skipped: %s\n", p.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return dep::run_main([&] {
    dep::Cli cli("dep-data", "DEP splits and prompts from DPL JSONL; synthetic DPL-schema data");
    auto& app = cli.app();
    app.require_subcommand(1);

    ConfigOptions options;
    std::string split = "test", category, out;
    auto* prompts = app.add_subcommand("prompts", "write each sample's rendered prompt and what fills it (JSONL)");
    add_config_options(*prompts, options);
    prompts->add_option("--split", split, "train, val or test")->capture_default_str();
    prompts->add_option("--category", category, "only this category (split order kept)");
    prompts->add_option("--out", out, "output JSONL, - for stdout (required unless --dump-config)");

    auto* split_cmd = app.add_subcommand("split", "write a DEP split's rows (category + DPL fields) in split order");
    add_config_options(*split_cmd, options);
    split_cmd->add_option("--split", split, "train, val or test")->capture_default_str();
    split_cmd->add_option("--out", out, "output JSONL, - for stdout (required unless --dump-config)");

    auto* validate = app.add_subcommand("validate", "read every split and report row counts and problems");
    add_config_options(*validate, options);

    dep::SynthConfig synth;
    dep::ConfigFlags synth_flags;
    int64_t users = 0;
    auto* synth_cmd = app.add_subcommand("synth", "write a synthetic DPL-schema dataset");
    synth_cmd->add_option("--out", out, "output directory (required unless --dump-config)");
    dep::add_config_flags<dep::SynthConfig>(*synth_cmd, synth_flags, "configs/demo/synth.json");
    synth_cmd->add_option("--users", users, "users per category (shorthand for --set users=[N,N,...])");
    synth_cmd->add_option("--items", synth.items, "items per category");
    synth_cmd->add_option("--seed", synth.seed, "random seed");

    cli.parse(argc, argv);

    if (*prompts) return run_prompts(options, split, category, out);
    if (*split_cmd) return run_split(options, split, out);
    if (*validate) return run_validate(options);
    // synth: flags override the config file; the effective config is written beside the data
    const auto flag_items = synth.items;
    const auto flag_seed = synth.seed;
    const auto loaded = dep::load_config<dep::SynthConfig>(synth_flags, [&](dep::SynthConfig& c) {
      if (synth_cmd->count("--items")) c.items = flag_items;
      if (synth_cmd->count("--seed")) c.seed = flag_seed;
      if (users > 0) c.users.assign(c.categories.size(), users);
    });
    if (!loaded) return 0;
    synth = *loaded;
    if (out.empty()) dep::fail("--out", "required (the output directory)");
    dep::check_output_directory(out, "--out");
    const auto data = dep::generate_synthetic(synth);
    dep::write_synthetic_dpl(data, out);
    dep::write_effective_config((std::filesystem::path(out) / "synth.config.json").string(),
                                dep::config_to_json(synth));
    size_t n = 0;
    for (const auto& c : data) n += c.user_reviews.size();
    dep::log::info("wrote " + std::to_string(n) + " users in " + std::to_string(data.size()) + " categories to " + out);
    return 0;
  });
}
