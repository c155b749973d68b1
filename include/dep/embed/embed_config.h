// The configuration of `dep-embed` (the review embedding store): input texts, model and compute
// settings, batching and sharding. Read with dep::load_config; see configs/embed.json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dep/core/config.h"
#include "dep/core/device_config.h"

namespace dep {

// keyed_text: JSONL of {key, text}; dpl: DPL test-split JSONL.
enum class EmbedInputFormat { kKeyedText, kDpl };

inline const EnumNames<EmbedInputFormat>& embed_input_format_names() {
  static const EnumNames<EmbedInputFormat> names = {{EmbedInputFormat::kKeyedText, "keyed_text"},
                                                    {EmbedInputFormat::kDpl, "dpl"}};
  return names;
}

struct EmbedInputConfig {
  EmbedInputFormat format = EmbedInputFormat::kKeyedText;
  std::vector<std::string> paths;
  std::vector<std::string> categories;
  std::vector<std::string> meta_paths;

  template <class V>
  void visit(V& v) {
    v.choice("format", format, embed_input_format_names(),
             "keyed_text: JSONL of {key, text}; dpl: DPL test-split JSONL, keys <category>/<user>/<k>");
    v("paths", paths, "input JSONL files");
    v("categories", categories, "dpl: the category of each file in `paths`");
    v("meta_paths", meta_paths,
      "dpl: item meta JSONL files, merged in this order (later ones overwrite, as the data pipeline does); when "
      "given, PPlug's task text of every item the rows mention is embedded too, under item/<asin>");
  }
};

struct EmbedModelConfig {
  std::string dir;
  std::string name;
  std::string tokenizer;

  template <class V>
  void visit(V& v) {
    v("dir", dir, "XLM-RoBERTa model directory (config.json + model.safetensors), e.g. bge-m3");
    v("name", name, "model name recorded in the store (default: the directory's name)");
    v("tokenizer", tokenizer, "tokenizer.json or sentencepiece .model (default: the model directory)");
  }
};

struct EmbedStoreConfig {
  DeviceConfig device{ComputeDtype::kFp32};  // fp32 is the reference, also on CUDA
  EmbedInputConfig input;
  EmbedModelConfig model;
  std::string output_dir;
  int64_t max_length = 8192;
  int64_t max_batch_tokens = 16384;
  int64_t max_batch_size = 64;
  int64_t shard_size = 2048;

  template <class V>
  void visit(V& v) {
    v.section("device", device, "where the encoder runs and its compute dtype (fp32 is the reference)");
    v.section("input", input, "texts to embed");
    v.section("model", model, "the encoder");
    v("output_dir", output_dir, "store directory (shards, index.json, effective config)");
    v("max_length", max_length, "tokens per text incl. <s> </s>; longer texts are truncated keeping </s>",
      Bounds::at_least(2));
    v("max_batch_tokens", max_batch_tokens, "padded tokens per encoder batch", Bounds::at_least(1));
    v("max_batch_size", max_batch_size, "texts per encoder batch", Bounds::at_least(1));
    v("shard_size", shard_size, "distinct texts per shard (the unit of resumption)", Bounds::at_least(1));
  }

  // The value and cross-field checks of every parse (input.categories vs paths); what a run alone
  // needs (model.dir, output_dir, input.paths) is checked by validate_embed_config.
  void validate(const std::string& source) const;
};

// Cross-field checks (paths given, categories match paths, model dir set); errors name the key.
void validate_embed_config(const EmbedStoreConfig& config, const std::string& source);

}  // namespace dep
