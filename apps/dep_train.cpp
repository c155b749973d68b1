// dep-train: trains the DEP adapter on a frozen Qwen2 (configs/train.json; docs/training.md).
// Results on stdout (one JSON line), logs on stderr. Under torchrun / srun / mpirun every process
// is one rank of data-parallel training over c10d (docs/distributed.md).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "dep/core/app.h"
#include "dep/core/cli.h"
#include "dep/core/distributed_env.h"
#include "dep/core/error.h"
#include "dep/core/model_config.h"
#include "dep/core/output_path.h"
#include "dep/embed/embedding_store.h"
#include "dep/torch/device.h"
#include "dep/train/c10d_sync.h"
#include "dep/train/train_config.h"
#include "dep/train/trainer.h"
#include "dep/validation/validation_meteor.h"

namespace {

// What the inputs' headers can tell before any weight is read: the run directory is writable, the
// store's width is the adapter's input width, the projectors match the decoder's hidden size.
void check_inputs(const dep::TrainConfig& config) {
  if (config.model.dir.empty()) dep::fail("model.dir", "no model directory configured");
  dep::check_output_directory(config.checkpoint.dir, "checkpoint.dir");
  const auto llm = dep::Qwen2Config::load(config.model.dir);
  if (config.adapter.hidden_size != 0 && config.adapter.hidden_size != llm.hidden_size) {
    dep::fail("adapter.hidden_size", std::to_string(config.adapter.hidden_size) + " but the decoder in " +
                                         config.model.dir + " has hidden size " + std::to_string(llm.hidden_size));
  }
  const auto store = dep::EmbeddingStore::open(config.samples.embeddings);
  if (store->dim() != config.adapter.embedding_dim) {
    dep::fail("adapter.embedding_dim", std::to_string(config.adapter.embedding_dim) + " but the embedding store " +
                                           config.samples.embeddings + " holds " + std::to_string(store->dim()) +
                                           "-dim embeddings");
  }
}

// The tokenizer (read with the data) against the decoder's config.json: without the resize, every
// token id must have an embedding row.
void check_vocabulary(const dep::TrainConfig& config, int64_t tokenizer_size) {
  const auto llm = dep::Qwen2Config::load(config.model.dir);
  if (!config.model.resize_to_tokenizer && tokenizer_size > llm.vocab_size) {
    dep::fail("model.resize_to_tokenizer", "false, but the tokenizer has " + std::to_string(tokenizer_size) +
                                               " tokens and " + config.model.dir + " only " +
                                               std::to_string(llm.vocab_size) + " embedding rows");
  }
}

}  // namespace

int main(int argc, char** argv) {
  return dep::run_main([&] {
    dep::Cli cli("dep-train", "train the DEP adapter (SAE + projectors) on a frozen Qwen2 decoder", dep::torch_runtime);
    auto& app = cli.app();
    dep::ConfigFlags flags;
    dep::add_config_flags<dep::TrainConfig>(app, flags, "configs/train.json");
    bool resume = false;
    app.add_flag("--resume", resume, "continue from checkpoint.dir's latest checkpoint");
    cli.parse(argc, argv);
    dep::set_out_of_memory_hint("train.batch_size (or validation.max_batch)");
    const auto loaded = dep::load_config<dep::TrainConfig>(flags);
    if (!loaded) return dep::kExitOk;
    auto config = *loaded;
    const auto env = dep::DistributedEnv::from_environment();
    // One process per GPU: "cuda" means this rank's, cuda:LOCAL_RANK.
    if (env.distributed() && config.device.device.is_cuda() && config.device.device.index < 0) {
      config.device.device.index = static_cast<int>(env.local_rank);
    }
    check_inputs(config);
    auto data = dep::load_training_data(config);
    check_vocabulary(config, data.tokenizer_size);
    // The paper's selection: METEOR of val generations (WordNet and Punkt load before training).
    dep::TrainHooks hooks;
    if (config.validation.enabled && config.validation.select_by == dep::SelectBy::kMeteor) {
      hooks.selection = std::make_shared<dep::MeteorValidator>(
          std::make_shared<const dep::ValidationMeteor>(config.validation, std::move(data.val_prompts), data.tokenizer));
    }
    auto model = dep::build_dep_model(config, data.tokenizer_size, data.tokenizer);
    if (env.distributed()) {
      using ms = std::chrono::milliseconds;
      hooks.sync = std::make_shared<dep::C10dGradientSync>(
          env, dep::torch_device(config.device, "device.device"), config.distributed.backend,
          ms(static_cast<int64_t>(config.distributed.timeout_s * 1000)),
          ms(static_cast<int64_t>(config.distributed.epoch_end_timeout_s * 1000)));
    }
    dep::Trainer trainer(config, model, data.train, data.val, hooks);
    const auto summary = trainer.run(resume);
    if (env.rank != 0) return dep::kExitOk;  // the main rank reports
    std::printf("%s\n", nlohmann::json({{"run_dir", summary.run_dir},
                                        {"last_checkpoint", summary.last_checkpoint},
                                        {"best_checkpoint", summary.best_checkpoint},
                                        {"updates", summary.state.global_step}})
                            .dump()
                            .c_str());
    return dep::kExitOk;
  });
}
