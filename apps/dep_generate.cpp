// dep-generate: personalized reviews for a DEP split with a trained DEP checkpoint.
//   dep-generate --config configs/generate.json [--set k=v ...] [--shard i/n] [--out DIR]
//   dep-generate --config C --dump-config
//   dep-generate merge --dir DIR        (after every --shard i/n run finished)
// Rerunning the same command resumes a killed or interrupted run.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "dep/core/app.h"
#include "dep/core/config.h"
#include "dep/generate/generate_config.h"
#include "dep/generate/generation_output.h"
#include "dep/generate/generation_run.h"
#include "dep/core/interrupt.h"

int main(int argc, char** argv) {
  return dep::run_main([&] {
    CLI::App app{"dep-generate: personalized reviews for a DEP split (resumable, shardable)"};
    dep::CommonOptions common;
    dep::add_common_options(app, common);

    std::string config_path, shard_text = "0/1", out;
    std::vector<std::string> sets;
    bool dump = false;
    app.add_option("--config", config_path, "generation config JSON (configs/generate.json)");
    app.add_option("--set", sets, "override a config key: a.b.c=value (repeatable)");
    app.add_option("--shard", shard_text, "generate shard i of n (0-based: 0/4 .. 3/4), merge afterwards")
        ->capture_default_str();
    app.add_option("--out", out, "output directory (overrides output.dir)");
    app.add_flag("--dump-config", dump, "print the effective config and exit");

    std::string merge_dir;
    auto* merge = app.add_subcommand("merge", "merge complete shard outputs, checking every sample is there once");
    merge->add_option("--dir", merge_dir, "the output directory of the shard runs")->required();

    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) return app.exit(e);
      throw;
    }
    dep::init_logging(common.log_level);

    if (*merge) {
      const auto summary = dep::merge_shards(merge_dir);
      std::fprintf(stderr, "merged %lld shards, %lld samples\n", static_cast<long long>(summary.shards),
                   static_cast<long long>(summary.samples));
      for (const auto& f : summary.files) std::printf("%s\n", f.c_str());
      return 0;
    }
    auto config = dep::load_config<dep::GenerateConfig>(config_path, sets);
    if (!out.empty()) config.output.dir = out;
    if (dump) {
      std::printf("%s\n", dep::config_to_json(config).dump(2).c_str());
      return 0;
    }
    const auto shard = dep::Shard::parse(shard_text);
    dep::install_interrupt_handlers();
    dep::run_generation(config, shard);
    return 0;
  });
}
