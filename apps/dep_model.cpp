// dep-model: run the Qwen2 decoder on safetensors inputs for comparison with other implementations.
// One register_* function per subcommand: adding one is a new function and one line in main.
#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <memory>

#include "dep/core/app.h"
#include "dep/core/cli.h"
#include "dep/core/output_path.h"
#include "dep/embed/embed_file.h"
#include "dep/core/error.h"
#include "dep/decoder/engine.h"
#include "dep/torch/device.h"
#include "dep/decoder/causal_lm.h"
#include "dep/torch/tensor_io.h"

namespace {

// Flags every decoder subcommand shares.
struct DecoderOptions {
  std::string model_dir, input, output;
  std::string dtype = "fp32";
  std::string device = "cpu";
  int threads = 0;
};

void add_decoder_options(CLI::App* sub, DecoderOptions& o) {
  sub->add_option("--model", o.model_dir, "Hugging Face Qwen2 model directory")->required();
  sub->add_option("--input", o.input, "safetensors with input_ids [B,T] I64 and optional attention_mask [B,T]")->required();
  sub->add_option("--output", o.output, "safetensors file to write")->required();
  sub->add_option("--dtype", o.dtype, "compute dtype: fp32, bf16 or fp16")->capture_default_str();
  sub->add_option("--device", o.device, "cpu, cuda or cuda:N")->capture_default_str();
  sub->add_option("--threads", o.threads, "CPU threads (0 = all)")->capture_default_str();
}

struct DecoderInputs {
  torch::Tensor input_ids, attention_mask;
};

// input_ids [B,T] integer (required), attention_mask [B,T] integer/bool (optional, left padding).
DecoderInputs read_inputs(const std::string& path) {
  auto tensors = dep::load_safetensors(path);
  DecoderInputs in;
  auto ids = tensors.find("input_ids");
  if (ids == tensors.end()) dep::fail(path + ": input_ids", "missing (expected [B,T] I64)");
  if (ids->second.dim() != 2 || ids->second.is_floating_point()) {
    dep::fail(path + ": input_ids", std::string("expected an integer [B,T] tensor, found ") +
                                        c10::toString(ids->second.scalar_type()) + " " +
                                        dep::shape_string(ids->second.sizes().vec()));
  }
  in.input_ids = ids->second.to(torch::kLong);
  if (auto mask = tensors.find("attention_mask"); mask != tensors.end()) {
    if (mask->second.sizes() != ids->second.sizes() || mask->second.is_floating_point()) {
      dep::fail(path + ": attention_mask", "expected an integer tensor shaped like input_ids " +
                                               dep::shape_string(ids->second.sizes().vec()) + ", found " +
                                               c10::toString(mask->second.scalar_type()) + " " +
                                               dep::shape_string(mask->second.sizes().vec()));
    }
    in.attention_mask = mask->second.to(torch::kLong);
    auto real = in.attention_mask.sum(1);
    if ((real == 0).any().item<bool>()) dep::fail(path + ": attention_mask", "a row has no real token");
  }
  return in;
}

// Ids index the embedding table: one outside it is the input's fault (exit 2), not a LibTorch
// index error deep in the forward.
void check_token_ids(const torch::Tensor& ids, int64_t vocab_size, const std::string& where) {
  if (ids.numel() == 0) return;
  const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
  if (lo < 0 || hi >= vocab_size) {
    dep::fail(where, "token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the vocabulary of " +
                         std::to_string(vocab_size));
  }
}

std::unique_ptr<dep::CausalLM> load_model(const DecoderOptions& o) {
  dep::set_torch_threads(o.threads);
  return dep::load_causal_lm(o.model_dir, dep::parse_compute_dtype(o.dtype, "--dtype"),
                             dep::parse_device(o.device, "--device"));
}

// logits: every position's logits [B,T,V] F32 (HF eager math; pads get their own garbage rows).
void register_logits(CLI::App& app) {
  auto o = std::make_shared<DecoderOptions>();
  auto* sub = app.add_subcommand("logits", "write logits [B,T,V] F32 for input_ids (+ attention_mask)");
  add_decoder_options(sub, *o);
  sub->callback([o] {
    dep::check_output_file(o->output, "--output");
    auto model = load_model(*o);
    auto in = read_inputs(o->input);
    check_token_ids(in.input_ids, model->vocab_size(), o->input + ": input_ids");
    torch::NoGradGuard no_grad;
    auto logits = model->forward_ids(in.input_ids, in.attention_mask).to(torch::kCPU, torch::kFloat32);
    dep::save_safetensors(o->output, {{"logits", logits}});
  });
}

// greedy: N greedy tokens per row with the KV cache, no early stop.
void register_greedy(CLI::App& app) {
  auto o = std::make_shared<DecoderOptions>();
  auto max_new = std::make_shared<int64_t>(16);
  auto* sub = app.add_subcommand("greedy", "write tokens [B,N] I64: greedy continuation with KV cache, no early stop");
  add_decoder_options(sub, *o);
  sub->add_option("--max-new-tokens", *max_new, "tokens to generate per row")->capture_default_str();
  sub->callback([o, max_new] {
    if (*max_new <= 0) dep::fail("--max-new-tokens", "must be positive, got " + std::to_string(*max_new));
    dep::check_output_file(o->output, "--output");
    auto model = load_model(*o);
    auto in = read_inputs(o->input);
    check_token_ids(in.input_ids, model->vocab_size(), o->input + ": input_ids");
    auto tokens = dep::greedy_continuation(*model, in.input_ids, in.attention_mask, *max_new);
    dep::save_safetensors(o->output, {{"tokens", tokens}});
  });
}

// embed: the XLM-RoBERTa encoder (bge-m3, dep_embed): input_ids + attention_mask [B,T] (right
// padding) → last_hidden_state [B,T,H] (pads zero) and dense_embedding [B,H], both F32.
void register_embed(CLI::App& app) {
  auto o = std::make_shared<DecoderOptions>();
  auto* sub = app.add_subcommand("embed", "write last_hidden_state [B,T,H] and dense_embedding [B,H] F32 (XLM-R / bge-m3)");
  sub->add_option("--model", o->model_dir, "Hugging Face XLM-RoBERTa model directory (bge-m3)")->required();
  sub->add_option("--input", o->input, "safetensors with input_ids and attention_mask [B,T] (right padding)")->required();
  sub->add_option("--output", o->output, "safetensors file to write")->required();
  sub->add_option("--dtype", o->dtype, "compute dtype: fp32, bf16 or fp16")->capture_default_str();
  sub->add_option("--device", o->device, "cpu, cuda or cuda:N")->capture_default_str();
  sub->add_option("--threads", o->threads, "CPU threads (0 = all)")->capture_default_str();
  sub->callback([o] {
    dep::check_output_file(o->output, "--output");
    dep::set_torch_threads(o->threads);
    dep::run_embed_file(o->model_dir, o->input, o->output, {o->dtype, o->device});
  });
}

}  // namespace

int main(int argc, char** argv) {
  return dep::run_main([&] {
    dep::Cli cli("dep-model", "run the Qwen2 decoder (or, with embed, the XLM-R encoder) on safetensors inputs",
                 dep::torch_runtime);
    auto& app = cli.app();
    app.require_subcommand(1);
    register_logits(app);
    register_greedy(app);
    register_embed(app);
    cli.parse(argc, argv);  // runs the chosen subcommand's callback
    return 0;
  });
}
