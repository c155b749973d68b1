// The model dep-train trains: the frozen LLM as configured and a freshly initialised adapter.
#include <torch/torch.h>

#include "dep/core/error.h"
#include "dep/core/log.h"
#include "dep/decoder/qwen2.h"
#include "dep/torch/device.h"
#include "dep/torch/tensor_io.h"
#include "dep/train/trainer.h"

namespace dep {

DepModel build_dep_model(const TrainConfig& config, std::shared_ptr<Qwen2Model> llm, int64_t tokenizer_size) {
  if (config.model.resize_to_tokenizer && tokenizer_size > 0 && tokenizer_size != llm->config().vocab_size) {
    // The default seed, as dep-generate uses: rows added by mean resizing are the same there.
    log::info("resizing the token embeddings from " + std::to_string(llm->config().vocab_size) + " to " +
              std::to_string(tokenizer_size) + " rows (len(tokenizer))");
    llm->resize_token_embeddings(tokenizer_size);
  }
  llm->gradient_checkpointing = config.model.gradient_checkpointing;
  torch::manual_seed(static_cast<uint64_t>(config.train.seed));
  DepAdapter adapter(config.adapter, llm->config().hidden_size);
  adapter->to(llm->device(), torch::kFloat32);
  return DepModel(std::move(llm), adapter, config.loss);
}

DepModel build_dep_model(const TrainConfig& config, int64_t tokenizer_size) {
  if (config.model.dir.empty()) fail("model.dir", "no model directory configured");
  apply_threads(config.device);
  auto device = torch_device(config.device, "device.device");
  auto dtype = torch_dtype(config.device);
  auto llm = std::make_shared<Qwen2Model>(Qwen2Model::load(config.model.dir, dtype, device));
  return build_dep_model(config, std::move(llm), tokenizer_size);
}

}  // namespace dep
