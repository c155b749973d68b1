// The model dep-train trains: the frozen LLM as configured and a freshly initialised adapter.
#include <torch/torch.h>

#include "dep/adapter/dep_adapter.h"
#include "dep/adapter/pplug_adapter.h"
#include "dep/core/config.h"
#include "dep/core/error.h"
#include "dep/core/log.h"
#include "dep/decoder/causal_lm.h"
#include "dep/torch/device.h"
#include "dep/train/trainer.h"

namespace dep {

PersonalizationModel build_dep_model(const TrainConfig& config, std::shared_ptr<CausalLM> llm, int64_t tokenizer_size,
                                     std::shared_ptr<BpeTokenizer> tokenizer) {
  if (config.model.resize_to_tokenizer && tokenizer_size > 0 && tokenizer_size != llm->vocab_size()) {
    // The default seed, as dep-generate uses: rows added by mean resizing are the same there.
    log::info("resizing the token embeddings from " + std::to_string(llm->vocab_size()) + " to " +
              std::to_string(tokenizer_size) + " rows (len(tokenizer))");
    llm->resize_token_embeddings(tokenizer_size);
  }
  llm->set_gradient_checkpointing(config.model.gradient_checkpointing);
  torch::manual_seed(static_cast<uint64_t>(config.train.seed));
  // adapter.method picks the method; PPlug reads the shared keys and its own section.
  auto adapter = config.adapter.method == PplugAdapter::kMethod
                     ? make_adapter(PplugAdapter::kMethod, config_to_json(pplug_config_of(config.adapter)), llm->hidden_size())
                     : make_adapter(DepAdapter::kMethod, config_to_json(config.adapter), llm->hidden_size());
  adapter->to(llm->device(), torch::kFloat32);
  return PersonalizationModel(std::move(llm), std::move(adapter), std::move(tokenizer), config.loss);
}

PersonalizationModel build_dep_model(const TrainConfig& config, int64_t tokenizer_size,
                                     std::shared_ptr<BpeTokenizer> tokenizer) {
  if (config.model.dir.empty()) fail("model.dir", "no model directory configured");
  apply_threads(config.device);
  auto device = torch_device(config.device, "device.device");
  auto dtype = torch_dtype(config.device);
  std::shared_ptr<CausalLM> llm = load_causal_lm(config.model.dir, dtype, device);
  return build_dep_model(config, std::move(llm), tokenizer_size, std::move(tokenizer));
}

}  // namespace dep
