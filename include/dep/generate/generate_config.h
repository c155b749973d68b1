// dep-generate's typed config (configs/generate.json): which checkpoint, which samples, how to
// sample (defaults = the reference's vLLM settings, docs/reference-behaviour.md §10), the engine and the outputs.
// Torch-free so the app can parse and dump it cheaply; docs/generation.md explains every key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dep/core/config.h"
#include "dep/core/device_config.h"
#include "dep/data/data_config.h"
#include "dep/decoder/sampling_config.h"

namespace dep {

// model.adapter value that selects the decoder alone.
inline constexpr const char* kNoAdapter = "none";

// When a tokenizer without the 20 DEP tokens gets them added (GenerateModelConfig::add_dep_tokens).
enum class AddDepTokens { kAuto, kAlways, kNever };

inline const EnumNames<AddDepTokens>& add_dep_tokens_names() {
  static const EnumNames<AddDepTokens> names = {
      {AddDepTokens::kAuto, "auto"}, {AddDepTokens::kAlways, "always"}, {AddDepTokens::kNever, "never"}};
  return names;
}

struct GenerateModelConfig {
  // A full DEP model directory (Qwen2 weights + sae.* + align_mlp_* in its safetensors) or a base
  // Qwen2.5-Instruct directory used together with `adapter`.
  std::string dir;
  // Adapter .safetensors (reference names); empty: the adapter lives in `dir`; "none": the decoder
  // alone, for the baselines whose prompts have no soft-prompt placeholders (Non-Perso, RAG).
  std::string adapter;
  std::string tokenizer;  // tokenizer.json or a directory; empty: the one in `dir`
  // `auto`: a base+adapter pair gets the 20 DEP tokens added the reference's way when its tokenizer
  // lacks them, a full DEP directory must ship them; `always` / `never` force either behaviour.
  AddDepTokens add_dep_tokens = AddDepTokens::kAuto;
  bool zero_soft_prompt = false;  // ablation: the adapter's vectors replaced by zeros

  template <class V>
  void visit(V& v) {
    v("dir", dir, "full DEP model directory, or a base Qwen2.5-Instruct directory when `adapter` is set");
    v("adapter", adapter,
      "DEP adapter safetensors (sae.*, align_mlp_*); empty = the adapter inside `dir`; \"none\" = the decoder alone "
      "(baseline prompts without placeholders: prompt.variant item_only or rag)");
    v("tokenizer", tokenizer, "tokenizer.json or directory; empty = the one in `dir`");
    v.choice("add_dep_tokens", add_dep_tokens, add_dep_tokens_names(),
             "add the 20 DEP tokens when the tokenizer lacks them: auto = only for base+adapter");
    v("zero_soft_prompt", zero_soft_prompt,
      "ablation: replace the adapter's soft vectors by zeros (the prompt keeps its placeholders)");
  }
};

struct GenerateEngineConfig {
  int64_t max_batch = 16;  // sequences decoded together
  int64_t chunk = 64;      // samples handed to the engine at once (bounds memory for soft vectors)

  template <class V>
  void visit(V& v) {
    v("max_batch", max_batch, "sequences decoded together (continuous batching)", Bounds::at_least(1));
    v("chunk", chunk, "samples built and handed to the engine at once", Bounds::at_least(1));
  }
};

struct GenerateOutputConfig {
  std::string dir;                // where generations*.jsonl, predictions_{category}.txt go
  int64_t fsync_every = 16;       // finished samples between fsyncs of the JSONL
  bool predictions_txt = true;    // also write the reference's predictions_{category}.txt

  template <class V>
  void visit(V& v) {
    v("dir", dir, "output directory (created; a rerun with the same settings resumes)");
    v("fsync_every", fsync_every, "finished samples between fsyncs of the JSONL", Bounds::at_least(1));
    v("predictions_txt", predictions_txt, "write predictions_{category}.txt in the reference's format");
  }
};

// Multi-stage methods (data.prompt.variant pag; docs/methods-stages.md).
struct GenerateStagesConfig {
  std::string cache_dir;  // empty: {output.dir}/stages
  std::string pag_prompts = "configs/prompts/pag.json";
  int64_t pag_profile_reviews = 8;

  template <class V>
  void visit(V& v) {
    v("cache_dir", cache_dir,
      "where the intermediate outputs of multi-stage methods are cached (empty = {output.dir}/stages); another "
      "run pointing here reuses the stages whose settings it shares");
    v("pag_prompts", pag_prompts, "PAG's prompt templates (JSON: profile, generate, strip_prefix)");
    v("pag_profile_reviews", pag_profile_reviews, "PAG: most recent reviews the profile summary is written from",
      Bounds::at_least(1));
  }
};

struct GenerateConfig {
  DeviceConfig device;          // dtype auto: bf16 on CUDA, fp32 on CPU
  GenerateModelConfig model;
  DataConfig data;              // the data pipeline (data.tokenizer empty = the model's tokenizer)
  std::string embeddings;       // review embeddings (see embedding_source.h)
  std::string split = "test";
  std::vector<std::string> categories;  // empty: every category of the split
  int64_t limit = 0;                    // 0: every sample; else the first N (after the category filter)
  GenerateSamplingConfig sampling;
  GenerateEngineConfig engine;
  GenerateOutputConfig output;
  GenerateStagesConfig stages;

  template <class V>
  void visit(V& v) {
    v.section("device", device, "where the model runs and its compute dtype");
    v.section("model", model, "the checkpoint");
    v.section("data", data, "the data pipeline (configs/data.json keys)");
    v("embeddings", embeddings,
      "review embeddings of the split's users (embedding store or safetensors file); optional with model.adapter=none");
    v.choice("split", split, {"train", "val", "test"}, "DEP split to generate for");
    v("categories", categories, "only these categories (empty = all, split order kept)");
    v("limit", limit, "generate for the first N samples only (0 = all)", Bounds::non_negative());
    v.section("sampling", sampling, "decoding settings (defaults = the reference)");
    v.section("engine", engine, "batching");
    v.section("output", output, "outputs");
    v.section("stages", stages, "multi-stage methods (PAG): prompts and the intermediate-output cache");
  }

  // Cross-field checks the keys' bounds cannot express (see TrainConfig::validate).
  void validate(const std::string& source) const;
};

}  // namespace dep
