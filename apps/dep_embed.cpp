// dep-embed --config FILE: embed every review text once with bge-m3 into a resumable store
// (safetensors shards + index.json) that training and generation read. Several processes: --shard i/n
// each (or automatically RANK/WORLD_SIZE under torchrun, srun or mpirun), then --merge once
// (docs/distributed.md).
// dep-embed import --jsonl F --out STORE [--config FILE] [--model-name NAME]: the same store from
// {"text", "embedding"[, "key"]} lines made elsewhere; keys from FILE's input section (the texts
// dep-embed would embed, matched by text) or from the lines' own "key" fields.
// The summary line goes to stdout, logs to stderr.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "dep/core/app.h"
#include "dep/core/cli.h"
#include "dep/core/distributed_env.h"
#include "dep/core/error.h"
#include "dep/core/output_path.h"
#include "dep/embed/embedding_import.h"
#include "dep/embed/embedding_store.h"
#include "dep/torch/device.h"

int main(int argc, char** argv) {
  return dep::run_main([&] {
    dep::Cli cli("dep-embed", "embed texts with an XLM-RoBERTa encoder (bge-m3) into a resumable embedding store",
                 dep::torch_runtime);
    dep::ConfigFlags flags;
    dep::add_config_flags<dep::EmbedStoreConfig>(cli.app(), flags, "configs/embed.json");
    std::string shard_text;
    bool merge = false;
    cli.app().add_option("--shard", shard_text,
                         "embed part i of n (0-based: 0/4 .. 3/4; default: RANK/WORLD_SIZE of torchrun, srun or mpirun), "
                         "then --merge");
    cli.app().add_flag("--merge", merge, "after every --shard i/n run: check they cover every text once, write the index");
    std::string jsonl, out, keys_config, model_name;
    auto* import = cli.app().add_subcommand("import", "build a store from {\"text\", \"embedding\"} JSONL lines made elsewhere");
    import->add_option("--jsonl", jsonl, "JSONL: {\"text\": str, \"embedding\": [float, ...]} (optional \"key\": str)")->required();
    import->add_option("--out", out, "store directory to write")->required();
    import->add_option("--config", keys_config,
                       "dep-embed config whose input section gives the keys (texts matched to the lines); without "
                       "it every line needs a \"key\"");
    import->add_option("--model-name", model_name, "model name recorded in the store (default: imported)");
    cli.parse(argc, argv);
    dep::set_out_of_memory_hint("max_batch_tokens or max_batch_size");
    if (*import) {
      std::vector<dep::KeyedText> items;
      int64_t shard_size = dep::EmbedStoreConfig{}.shard_size;
      if (!keys_config.empty()) {
        const auto config = dep::load_config<dep::EmbedStoreConfig>(keys_config, {});
        if (config.input.paths.empty()) dep::fail(keys_config + ": input.paths", "required: the texts whose keys the store gets");
        items = dep::embed_input_texts(config.input);
        shard_size = config.shard_size;
        if (model_name.empty()) model_name = config.model.name;
      }
      dep::check_output_directory(out, "--out");
      dep::StoreSettings settings;
      settings.model = model_name.empty() ? "imported" : model_name;
      settings.dtype = "fp32";
      const auto report = dep::import_embedding_store(jsonl, items, settings, shard_size, out);
      std::printf("%lld keys, %lld distinct texts in %lld shards (%lld reused) → %s (%.1f s)\n",
                  static_cast<long long>(report.keys), static_cast<long long>(report.distinct_texts),
                  static_cast<long long>(report.shards), static_cast<long long>(report.shards_reused), out.c_str(),
                  report.seconds);
      return dep::kExitOk;
    }
    const auto config = dep::load_config<dep::EmbedStoreConfig>(flags);
    if (!config) return dep::kExitOk;
    dep::validate_embed_config(*config, flags.path.empty() ? "config" : flags.path);
    dep::check_output_directory(config->output_dir, "output_dir");
    dep::StoreBuildPart part;
    if (!shard_text.empty()) {
      part = dep::StoreBuildPart::parse(shard_text);
    } else if (const auto env = dep::DistributedEnv::from_environment(); env.distributed() && !merge) {
      part.index = env.rank;
      part.count = env.world_size;
    }
    if (merge && part.count > 1) dep::fail("--merge", "merges the parts of every --shard run: give no --shard");
    part.merge = merge;
    const auto report = dep::run_embed_store(*config, part);
    if (part.count > 1) {
      std::printf("part %lld of %lld: %lld shards (%lld reused) → %s (%.1f s); run --merge after every part\n",
                  static_cast<long long>(part.index), static_cast<long long>(part.count),
                  static_cast<long long>(report.shards), static_cast<long long>(report.shards_reused),
                  config->output_dir.c_str(), report.seconds);
      return dep::kExitOk;
    }
    std::printf("%lld keys, %lld distinct texts in %lld shards (%lld reused) → %s (%.1f s)\n",
                static_cast<long long>(report.keys), static_cast<long long>(report.distinct_texts),
                static_cast<long long>(report.shards), static_cast<long long>(report.shards_reused),
                config->output_dir.c_str(), report.seconds);
    return dep::kExitOk;
  });
}
