// Builds the tests' tiny checkpoints, data and embeddings (see tiny_world.h).
#include "tiny_world.h"

#include <torch/torch.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dep/core/atomic_file.h"
#include "dep/data/dep_dataset.h"
#include "dep/generate/embedding_source.h"
#include "dep/data/synthetic_data.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"
#include "tiny_qwen2.h"

namespace fs = std::filesystem;

namespace dep::test {

namespace {

constexpr int64_t kHidden = kTinyQwen2Hidden;
constexpr int64_t kBaseVocab = 151936;  // Qwen2.5-0.5B's row count
constexpr int64_t kDepVocab = 151685;   // len(DEP tokenizer)
constexpr int64_t kEmbeddingDim = 16;
constexpr int64_t kLatent = 8;

void write_json(const std::string& path, const nlohmann::json& json) { write_file_atomic(path, json.dump(2)); }

TinyWorld build() {
  TinyWorld w;
  // Per process: ctest may run several test cases (processes) at once.
  w.root = scratch_dir("generate-tiny-world-" + std::to_string(::getpid()));
  w.base_dir = w.root + "/base";
  w.full_dir = w.root + "/full";
  w.data_dir = w.root + "/data";
  w.adapter = w.root + "/adapter.safetensors";
  w.embeddings = w.root + "/embeddings.safetensors";
  for (const auto& d : {w.base_dir, w.full_dir, w.data_dir}) fs::create_directories(d);

  const auto decoder = random_tiny_qwen2(kBaseVocab, 11);
  write_json(w.base_dir + "/config.json", tiny_qwen2_config(kBaseVocab));
  save_safetensors(w.base_dir + "/model.safetensors", decoder, {{"format", "pt"}});
  fs::copy_file(fixture("qwen2.5-tokenizer/tokenizer.json"), w.base_dir + "/tokenizer.json");
  write_random_adapter(w.adapter, kEmbeddingDim, kLatent, kHidden, 23);

  // The released layout: vocabulary rows cut to len(tokenizer), adapter tensors alongside.
  NamedTensors full;
  for (const auto& [name, tensor] : decoder) {
    const bool vocab_rows = name == "model.embed_tokens.weight" || name == "lm_head.weight";
    full.emplace_back(name, vocab_rows ? tensor.narrow(0, 0, kDepVocab).contiguous() : tensor);
  }
  for (const auto& [name, tensor] : load_safetensors(w.adapter)) full.emplace_back(name, tensor.clone());
  write_json(w.full_dir + "/config.json", tiny_qwen2_config(kDepVocab));
  save_safetensors(w.full_dir + "/model.safetensors", full, {{"format", "pt"}});
  fs::copy_file(fixture("qwen2.5-tokenizer/dep-tokenizer.json"), w.full_dir + "/tokenizer.json");

  SynthConfig synth;
  synth.users = {4, 3, 3};
  synth.items = 24;
  synth.min_profile = 8;
  synth.max_profile = 10;
  synth.mean_extra_profile = 1.0;
  synth.seed = 5;
  write_synthetic_dpl(generate_synthetic(synth), w.data_dir);

  // One unit row per review of each user's test profile, plus the target (the reference layout).
  DataConfig data_config = w.config(w.root + "/unused", true).data;
  const DepData data = load_dep_data(data_config, DepSplit::kTest);
  w.test_samples = static_cast<int64_t>(data.rows.size());
  auto gen = at::detail::createCPUGenerator(31);
  NamedTensors embeddings;
  for (const auto& [category, rows] : data.test_rows) {
    for (const auto& row : rows) {
      const int64_t n = static_cast<int64_t>(row.profile.size()) + 1;
      auto e = at::normal(0.0, 1.0, {n, kEmbeddingDim}, gen, torch::TensorOptions().dtype(torch::kFloat32));
      embeddings.emplace_back(review_embedding_key(category, row.user_id), e / e.norm(2, {1}, true));
    }
  }
  save_safetensors(w.embeddings, embeddings);
  return w;
}

}  // namespace

void write_random_adapter(const std::string& path, int64_t embedding_dim, int64_t latent, int64_t hidden,
                          uint64_t seed, const std::string& skip) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto randn = [&](std::vector<int64_t> shape, double std) {
    return at::normal(0.0, std, shape, gen, torch::TensorOptions().dtype(torch::kFloat32));
  };
  NamedTensors t = {
      {"sae.encoder.0.weight", randn({latent, embedding_dim}, 0.5)},
      {"sae.encoder.0.bias", randn({latent}, 0.1)},
      {"sae.decoder.0.weight", randn({embedding_dim, latent}, 0.5)},
      {"sae.decoder.0.bias", randn({embedding_dim}, 0.1)},
  };
  for (const char* stream : {"align_mlp_his", "align_mlp_diff"}) {
    const std::string p = stream;
    t.emplace_back(p + ".0.weight", randn({hidden, latent}, 0.5));
    t.emplace_back(p + ".0.bias", randn({hidden}, 0.1));
    t.emplace_back(p + ".2.weight", randn({hidden, hidden}, 0.3));
    t.emplace_back(p + ".2.bias", randn({hidden}, 0.1));
  }
  NamedTensors kept;
  for (auto& item : t)
    if (item.first != skip) kept.push_back(item);
  save_safetensors(path, kept, {{"format", "pt"}});
}

GenerateConfig TinyWorld::config(const std::string& out, bool full_model) const {
  GenerateConfig c;
  if (full_model) {
    c.model.dir = full_dir;
  } else {
    c.model.dir = base_dir;
    c.model.adapter = adapter;
  }
  c.data.data.root = data_dir;
  c.data.data.categories = {"Books", "Movies_and_TV", "CDs_and_Vinyl"};
  c.data.history.max_length = 1024;  // keeps prefills short; the length control still applies
  c.device.threads = 1;  // tiny ops: OpenMP hand-offs and spin-waits cost more than they save
  c.embeddings = embeddings;
  c.sampling.max_new_tokens = 10;
  c.sampling.seed = 1234;
  c.engine.max_batch = 4;
  c.engine.chunk = 6;
  c.output.dir = out;
  c.output.fsync_every = 1;
  return c;
}

const TinyWorld& tiny_world() {
  // Removed at exit: ~80 MB of checkpoints per process.
  struct Owner {
    TinyWorld world = build();
    ~Owner() {
      std::error_code ignored;
      fs::remove_all(world.root, ignored);
    }
  };
  static const Owner owner;
  return owner.world;
}

}  // namespace dep::test
