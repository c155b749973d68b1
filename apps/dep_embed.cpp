// dep-embed --config FILE: embed every review text once with bge-m3 into a resumable store
// (safetensors shards + index.json) that training and generation read.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "dep/core/app.h"
#include "dep/core/config.h"
#include "dep/embed/embedding_store.h"
#include "dep/core/interrupt.h"

int main(int argc, char** argv) {
  return dep::run_main([&] {
    CLI::App app{"dep-embed: embed texts with an XLM-RoBERTa encoder (bge-m3) into a resumable embedding store"};
    std::string config_path;
    std::vector<std::string> overrides;
    bool dump_config = false;
    dep::CommonOptions common;
    app.add_option("--config", config_path, "JSON config (see configs/embed.json)");
    app.add_option("--set", overrides, "override a config key: --set model.dtype=bf16 (repeatable)");
    app.add_flag("--dump-config", dump_config, "print the effective config and exit");
    dep::add_common_options(app, common);
    app.parse(argc, argv);
    dep::init_logging(common.log_level);

    const auto config = dep::load_config<dep::EmbedStoreConfig>(config_path, overrides);
    if (dump_config) {
      std::printf("%s\n", dep::config_to_json(config).dump(2).c_str());
      return 0;
    }
    dep::install_interrupt_handlers();
    const auto report = dep::run_embed_store(config);
    std::printf("%lld keys, %lld distinct texts in %lld shards (%lld reused) → %s (%.1f s)\n",
                static_cast<long long>(report.keys), static_cast<long long>(report.distinct_texts),
                static_cast<long long>(report.shards), static_cast<long long>(report.shards_reused),
                config.output_dir.c_str(), report.seconds);
    return 0;
  });
}
