// The tiny training setup the trainer tests share: the fixture decoder, DEP-shaped synthetic
// samples, a small config, the final adapter of a run.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dep/adapter/dep_adapter.h"
#include "dep/core/safetensors.h"
#include "dep/decoder/qwen2.h"
#include "dep/torch/tensor_io.h"
#include "dep/train/train_config.h"
#include "dep/train/trainer.h"
#include "test_paths.h"

namespace dep_tiny {

inline std::shared_ptr<dep::Qwen2Model> tiny_llm() {
  static auto model = std::make_shared<dep::Qwen2Model>(
      dep::Qwen2Model::load(dep::test::fixture("tiny-dep-step/decoder"), torch::kFloat32));
  return model;
}

// The model around the tiny decoder; its vocabulary has no tokenizer file, so the placeholder
// ids the synthetic samples use (280–282 / 290–292) are set directly.
inline dep::PersonalizationModel tiny_model(const dep::TrainConfig& config) {
  auto model = dep::build_dep_model(config, tiny_llm());
  for (int k = 0; k < 3; ++k) {
    model.set_placeholder_id(dep::his_placeholder(k), 280 + k);
    model.set_placeholder_id(dep::diff_placeholder(k), 290 + k);
  }
  return model;
}

// Samples shaped like DEP's for the tiny decoder (vocab 300, K = 3, dim 24): a prompt with the
// placeholders 280–282 / 290–292, then a target the model must learn. The target depends on
// the his/diff block, so the adapter has something to carry.
inline std::vector<dep::DepSample> synthetic_samples(int count, uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<dep::DepSample> out;
  for (int i = 0; i < count; ++i) {
    dep::DepSample s;
    s.sample_id = "train/tiny/u" + std::to_string(i);
    s.slots = 3;
    s.dim = 24;
    auto block = torch::nn::functional::normalize(torch::randn({6, 24}), torch::nn::functional::NormalizeFuncOptions().dim(1));
    s.his_diff.assign(block.data_ptr<float>(), block.data_ptr<float>() + block.numel());
    const int prompt = 10 + i % 3;
    for (int t = 0; t < prompt; ++t) s.input_ids.push_back(10 + (t * 7 + i) % 200);
    s.his_positions = {1, 3, 5};
    s.diff_positions = {2, 4, 6};
    for (int k = 0; k < 3; ++k) {
      s.input_ids[1 + 2 * k] = 280 + k;
      s.input_ids[2 + 2 * k] = 290 + k;
    }
    s.prompt_length = prompt;
    s.labels.assign(prompt, dep::kIgnoreLabel);
    s.pad_id = 0;
    for (int t = 0; t < 6; ++t) {
      const int64_t id = 20 + (i * 13 + t * 5) % 150;
      s.input_ids.push_back(id);
      s.labels.push_back(id);
    }
    s.slot_filled = {1, 1, 1};
    out.push_back(std::move(s));
  }
  return out;
}

inline dep::TrainConfig tiny_config(const std::string& run_dir) {
  dep::TrainConfig c;
  c.device.dtype = dep::ComputeDtype::kFp32;
  c.adapter.embedding_dim = 24;
  c.adapter.latent_dim = 12;
  c.optim.lr = 3e-3;
  c.schedule.warmup_steps = 1;
  c.train.epochs = 3;
  c.train.batch_size = 1;
  c.train.grad_accumulation = 2;
  c.train.seed = 5;
  c.checkpoint.dir = run_dir;
  c.log.every_steps = 1;
  return c;
}

inline std::vector<std::pair<std::string, torch::Tensor>> final_adapter(const dep::TrainSummary& summary) {
  auto file = dep::load_safetensors(summary.last_checkpoint + "/adapter.safetensors");
  return {file.begin(), file.end()};
}

}  // namespace dep_tiny
