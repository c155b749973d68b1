// dep-inspect MODEL_DIR: architecture, sizes, dtypes, parameter count and validation of a
// Hugging Face model directory (Qwen2 or XLM-RoBERTa).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>

#include "dep/core/app.h"
#include "dep/core/cli.h"
#include "dep/core/model_config.h"
#include "dep/core/safetensors.h"

namespace {

void print_checkpoint_summary(const dep::SafetensorsCheckpoint& checkpoint) {
  std::map<std::string, int64_t> by_dtype;
  int64_t params = 0, bytes = 0;
  for (const auto& name : checkpoint.names()) {
    const auto entry = checkpoint.at(name);
    by_dtype[dep::dtype_name(entry.info->dtype)] += entry.info->numel();
    params += entry.info->numel();
    bytes += static_cast<int64_t>(entry.info->nbytes());
  }
  std::printf("weights:      %s (%zu file%s, %zu tensors, %.2f MB)\n", checkpoint.description().c_str(),
              checkpoint.files().size(), checkpoint.files().size() == 1 ? "" : "s", checkpoint.names().size(),
              bytes / 1e6);
  for (const auto& [dtype, count] : by_dtype) {
    std::printf("  dtype %-6s %lld parameters\n", dtype.c_str(), static_cast<long long>(count));
  }
  std::printf("parameters:   %lld stored\n", static_cast<long long>(params));
}

void inspect_qwen2(const std::string& dir, const dep::SafetensorsCheckpoint& checkpoint) {
  const auto c = dep::Qwen2Config::load(dir);
  std::printf("architecture: qwen2 (Qwen2ForCausalLM)\n");
  std::printf("sizes:        hidden %lld, intermediate %lld, layers %lld, heads %lld, kv heads %lld, head_dim %lld\n",
              (long long)c.hidden_size, (long long)c.intermediate_size, (long long)c.num_hidden_layers,
              (long long)c.num_attention_heads, (long long)c.num_key_value_heads, (long long)c.head_dim);
  std::printf("vocab:        %lld, tie_word_embeddings %s, rope_theta %g, rms_norm_eps %g, dtype %s\n",
              (long long)c.vocab_size, c.tie_word_embeddings ? "true" : "false", c.rope_theta, c.rms_norm_eps,
              c.torch_dtype.c_str());
  print_checkpoint_summary(checkpoint);
  dep::check_tensors(checkpoint, dep::qwen2_expected_tensors(c));
  const bool tied = !checkpoint.find("lm_head.weight");
  std::printf("lm_head:      %s\n", tied ? "tied to model.embed_tokens.weight" : "stored");
}

void inspect_xlmr(const std::string& dir, const dep::SafetensorsCheckpoint& checkpoint) {
  const auto c = dep::XlmrConfig::load(dir);
  std::printf("architecture: xlm-roberta (XLMRobertaModel)\n");
  std::printf("sizes:        hidden %lld, intermediate %lld, layers %lld, heads %lld, max positions %lld\n",
              (long long)c.hidden_size, (long long)c.intermediate_size, (long long)c.num_hidden_layers,
              (long long)c.num_attention_heads, (long long)c.max_position_embeddings);
  std::printf("vocab:        %lld, pad id %lld, layer_norm_eps %g, dtype %s\n", (long long)c.vocab_size,
              (long long)c.pad_token_id, c.layer_norm_eps, c.torch_dtype.c_str());
  print_checkpoint_summary(checkpoint);
  const std::string prefix = dep::xlmr_tensor_prefix(checkpoint);
  dep::check_tensors(checkpoint, dep::xlmr_expected_tensors(c), prefix);
  if (!prefix.empty()) std::printf("prefix:       tensor names carry '%s'\n", prefix.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  return dep::run_main([&] {
    dep::Cli cli("dep-inspect", "describe and validate a Hugging Face model directory (Qwen2 or XLM-RoBERTa)");
    std::string model_dir;
    cli.app().add_option("MODEL_DIR", model_dir, "model directory with config.json and safetensors weights")->required();
    cli.parse(argc, argv);

    const auto arch = dep::detect_architecture(model_dir);
    const auto checkpoint = dep::SafetensorsCheckpoint::open(model_dir);
    if (arch == dep::Architecture::kQwen2) {
      inspect_qwen2(model_dir, checkpoint);
    } else {
      inspect_xlmr(model_dir, checkpoint);
    }
    std::printf("validation:   ok\n");
    return 0;
  });
}
