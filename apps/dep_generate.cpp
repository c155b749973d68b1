// dep-generate: personalized reviews for a DEP split with a trained DEP checkpoint.
//   dep-generate --config configs/generate.json [--set k=v ...] [--shard i/n] [--out DIR]
//   dep-generate --config C --dump-config
//   dep-generate merge --dir DIR        (after every --shard i/n run finished)
// Rerunning the same command resumes a killed or interrupted run. Logs on stderr.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

#include "dep/core/app.h"
#include "dep/core/cli.h"
#include "dep/core/distributed_env.h"
#include "dep/core/error.h"
#include "dep/core/model_config.h"
#include "dep/core/output_path.h"
#include "dep/core/safetensors.h"
#include "dep/embed/embedding_store.h"
#include "dep/generate/generate_config.h"
#include "dep/adapter/dep_adapter.h"
#include "dep/generate/checkpoint_loader.h"
#include "dep/generate/generation_output.h"
#include "dep/generate/generation_run.h"
#include "dep/text/tokenizer.h"
#include "dep/torch/device.h"

namespace {

// The width of the review embeddings from headers only: a store's index, or the first tensor of a
// safetensors file ([rows, dim] per user); 0 when there is nothing to read.
int64_t embedding_width(const std::string& path) {
  if (std::filesystem::is_directory(path)) return dep::EmbeddingStore::open(path)->dim();
  const auto file = dep::SafetensorsCheckpoint::open(path);
  const auto names = file.names();
  if (names.empty()) return 0;
  const auto& shape = file.at(names.front()).info->shape;
  return shape.size() == 2 ? shape[1] : 0;
}

// What the inputs' headers and configs tell before any weight is read: a writable output
// directory, a tokenizer that fits the decoder's vocabulary, an adapter as wide as the embeddings.
void check_inputs(const dep::GenerateConfig& config) {
  dep::check_output_directory(config.output.dir, "output.dir");
  if (config.model.dir.empty()) dep::fail("model.dir", "no model directory configured");
  const auto llm = dep::Qwen2Config::load(config.model.dir);
  std::string tokenizer = config.model.tokenizer.empty() ? config.data.tokenizer : config.model.tokenizer;
  if (tokenizer.empty()) tokenizer = config.model.dir;
  const auto vocab = static_cast<int64_t>(dep::load_tokenizer(tokenizer)->vocab_size());
  if (vocab > llm.vocab_size) {
    dep::fail(tokenizer, "the tokenizer has " + std::to_string(vocab) + " tokens but " + config.model.dir +
                             " has only " + std::to_string(llm.vocab_size) + " embedding rows (config.json vocab_size)");
  }
  if (config.model.adapter == dep::kNoAdapter || config.embeddings.empty()) return;
  const auto adapter_file = config.model.adapter.empty() ? config.model.dir : config.model.adapter;
  const auto checkpoint = dep::SafetensorsCheckpoint::open(adapter_file);
  bool has_adapter = false;
  for (const auto& name : checkpoint.names()) has_adapter |= name.rfind("align_mlp_", 0) == 0;
  if (!has_adapter) return;  // load_personalization_model says what is missing
  const auto adapter = dep::infer_adapter_config(checkpoint);
  const int64_t width = embedding_width(config.embeddings);
  if (width != 0 && width != adapter.embedding_dim) {
    dep::fail("embeddings", config.embeddings + " holds " + std::to_string(width) + "-dim embeddings but the adapter in " +
                                adapter_file + " reads " + std::to_string(adapter.embedding_dim));
  }
}

}  // namespace

int main(int argc, char** argv) {
  return dep::run_main([&] {
    dep::Cli cli("dep-generate", "personalized reviews for a DEP split (resumable, shardable)", dep::torch_runtime);
    auto& app = cli.app();
    dep::ConfigFlags flags;
    dep::add_config_flags<dep::GenerateConfig>(app, flags, "configs/generate.json");
    std::string shard_text, out;
    app.add_option("--shard", shard_text,
                   "generate shard i of n (0-based: 0/4 .. 3/4), merge afterwards (default: RANK/WORLD_SIZE under "
                   "torchrun, srun or mpirun, else 0/1)");
    app.add_option("--out", out, "output directory (overrides output.dir)");

    std::string merge_dir;
    auto* merge = app.add_subcommand("merge", "merge complete shard outputs, checking every sample is there once");
    merge->add_option("--dir", merge_dir, "the output directory of the shard runs")->required();
    cli.parse(argc, argv);
    dep::set_out_of_memory_hint("engine.max_batch");

    if (*merge) {
      const auto summary = dep::merge_shards(merge_dir);
      std::fprintf(stderr, "merged %lld shards, %lld samples\n", static_cast<long long>(summary.shards),
                   static_cast<long long>(summary.samples));
      for (const auto& f : summary.files) std::printf("%s\n", f.c_str());
      return dep::kExitOk;
    }
    const auto config = dep::load_config<dep::GenerateConfig>(flags, [&](dep::GenerateConfig& c) {
      if (!out.empty()) c.output.dir = out;
    });
    if (!config) return dep::kExitOk;
    // Under a launcher each process is the shard of its rank (docs/distributed.md).
    if (shard_text.empty()) {
      const auto env = dep::DistributedEnv::from_environment();
      shard_text = std::to_string(env.rank) + "/" + std::to_string(env.world_size);
    }
    const auto shard = dep::Shard::parse(shard_text);
    check_inputs(*config);
    dep::run_generation(*config, shard);
    return dep::kExitOk;
  });
}
