// train_bench: training tokens/s of what dep-train does per micro-batch — the frozen Qwen2 decoder's
// forward + backward with the fp32 DEP adapter (SAE + projectors) injected at the placeholder
// positions, gradients into the adapter only (PersonalizationModel::loss). scripts/bench_train.sh runs it
// beside Hugging Face transformers on the same weights. Prints one JSON line.
#include <CLI/CLI.hpp>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "dep/core/app.h"
#include "dep/adapter/dep_batch.h"
#include "dep/adapter/personalization_model.h"
#include "dep/core/error.h"
#include "dep/data/dep_tokens.h"
#include "dep/decoder/qwen2.h"
#include "dep/torch/tensor_io.h"
#include "dep/train/train_config.h"
#include "dep/train/trainer.h"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Process CPU seconds (all threads): on a shared VM the steadier clock beside wall time.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

// One DEP-shaped training sample: a prompt of `length - target` ids with the 2K placeholders
// spread over it, then `target` review ids and an eos (labels on those only), and a random
// unit-norm his/diff block of `dim`-wide rows. The special ids (placeholders, eos, pad) are the
// last 2K + 2 of the vocabulary, which the random ids never reach.
dep::DepSample bench_sample(int64_t length, int64_t target, int64_t slots, int64_t dim, int64_t vocab,
                            at::Generator& generator) {
  dep::DepSample s;
  s.sample_id = "bench/0";
  s.slots = slots;
  s.dim = dim;
  const int64_t prompt = length - target - 1;
  const int64_t first_special = vocab - 2 * slots - 2;
  auto ids = torch::randint(0, first_special, {length}, generator, torch::kLong);
  s.input_ids.assign(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + length);
  s.input_ids.back() = first_special + 2 * slots;  // the eos
  s.pad_id = first_special + 2 * slots + 1;
  s.prompt_length = prompt;
  s.labels.assign(static_cast<size_t>(prompt), dep::kIgnoreLabel);
  s.labels.insert(s.labels.end(), s.input_ids.begin() + prompt, s.input_ids.end());
  for (int64_t i = 0; i < slots; ++i) {  // his_i, diff_i pairs early in the prompt, as DEP's
    const int64_t his = 8 + 4 * i, diff = his + 2;
    s.input_ids[static_cast<size_t>(his)] = first_special + i;
    s.input_ids[static_cast<size_t>(diff)] = first_special + slots + i;
    s.his_positions.push_back(his);
    s.diff_positions.push_back(diff);
  }
  auto block = torch::randn({2 * slots, dim}, generator, torch::kFloat32);
  block = block / block.norm(2, {1}, true);
  s.his_diff.assign(block.data_ptr<float>(), block.data_ptr<float>() + block.numel());
  s.slot_filled.assign(static_cast<size_t>(slots), 1);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  return dep::run_main([&] {
    CLI::App app{"train_bench: DEP training step (frozen Qwen2 forward + backward into the adapter) tokens per second"};
    std::string model_dir, dtype = "bf16", device = "cpu";
    int threads = 2, reps = 3;
    int64_t batch = 1, length = 512, target = 64, slots = 8;
    bool checkpointing = false;
    std::string profile_path, attention;
    app.add_option("MODEL_DIR", model_dir, "Qwen2 model directory")->required();
    app.add_option("--dtype", dtype, "the frozen LLM's dtype (the adapter is fp32)")->capture_default_str();
    app.add_option("--device", device)->capture_default_str();
    app.add_option("--threads", threads)->capture_default_str();
    app.add_option("--batch", batch, "samples per micro-batch")->capture_default_str();
    app.add_option("--length", length, "tokens per sample (prompt + target + <|im_end|>)")->capture_default_str();
    app.add_option("--target", target, "review (label) tokens per sample")->capture_default_str();
    app.add_option("--slots", slots, "K: his and diff placeholders each")->capture_default_str();
    app.add_option("--reps", reps, "timed steps after one warm-up")->capture_default_str();
    app.add_flag("--checkpointing", checkpointing, "activation (gradient) checkpointing per decoder layer");
    app.add_option("--attention", attention, "eager or sdpa (default: the decoder's default)");
    app.add_option("--profile", profile_path, "after the timed steps, profile one more (chrome trace JSON)");
    app.parse(argc, argv);
    if (target < 1 || length < 4 * slots + 16 + target) dep::fail("--length", "too short for the placeholders and target");

    dep::set_torch_threads(threads);
    dep::TrainConfig config;
    config.model.gradient_checkpointing = checkpointing;
    const auto t_load = std::chrono::steady_clock::now();
    auto llm = std::make_shared<dep::Qwen2Model>(dep::Qwen2Model::load(
        model_dir, dep::parse_compute_dtype(dtype, "--dtype"), dep::parse_device(device, "--device")));
    const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();
    auto model = dep::build_dep_model(config, llm);  // fp32 adapter, Xavier init, as dep-train
    // No tokenizer here: the placeholders are the ids bench_sample puts in the prompt.
    const int64_t first_special = llm->config().vocab_size - 2 * slots - 2;
    for (int64_t i = 0; i < slots; ++i) {
      model.set_placeholder_id(dep::his_placeholder(i), first_special + i);
      model.set_placeholder_id(dep::diff_placeholder(i), first_special + slots + i);
    }
    if (attention == "eager") llm->attention = dep::AttentionBackend::kEager;
    if (attention == "sdpa") llm->attention = dep::AttentionBackend::kSdpa;

    auto generator = at::detail::createCPUGenerator(0);
    std::vector<dep::DepSample> samples;
    for (int64_t b = 0; b < batch; ++b) {
      samples.push_back(bench_sample(length, target, slots, config.adapter.embedding_dim, llm->config().vocab_size, generator));
    }
    std::vector<const dep::DepSample*> pointers;
    for (const auto& s : samples) pointers.push_back(&s);
    const auto dep_batch = dep::collate_samples(pointers, "bench").to(llm->device());
    const double label_tokens = static_cast<double>(dep_batch.label_tokens());

    auto sync = [&] {
      if (llm->device().is_cuda()) torch::cuda::synchronize();
    };
    std::vector<double> rates, cpu_rates, forward_shares;
    double loss = 0;
    for (int r = 0; r <= reps; ++r) {
      sync();
      const auto t0 = std::chrono::steady_clock::now();
      const double c0 = cpu_seconds();
      auto terms = model.loss(dep_batch, label_tokens, 1.0);
      sync();
      const double forward_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      terms.total.backward();
      sync();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double cpu = cpu_seconds() - c0;
      loss = terms.total.item<double>();
      if (r > 0) {
        rates.push_back(static_cast<double>(batch * length) / seconds);
        cpu_rates.push_back(static_cast<double>(batch * length) / cpu);
        forward_shares.push_back(forward_seconds / seconds);
      }
      // Every adapter tensor got a gradient; the frozen decoder has none to get.
      for (auto& p : model.adapter()->parameters()) {
        if (!p.grad().defined()) dep::fail_internal("train_bench", "an adapter parameter got no gradient");
        p.mutable_grad().zero_();
      }
    }
    if (!profile_path.empty()) {
      torch::autograd::profiler::RecordProfile profile(profile_path);
      model.loss(dep_batch, label_tokens, 1.0).total.backward();
    }
    for (const auto& layer : llm->layers()) {
      if (layer.qkv_weight.requires_grad()) dep::fail_internal("train_bench", "the decoder is not frozen");
    }
    std::printf(
        "{\"impl\": \"dep\", \"torch\": \"%d.%d\", \"dtype\": \"%s\", \"threads\": %d, \"layers\": %lld, \"batch\": %lld, "
        "\"length\": %lld, \"target\": %lld, \"checkpointing\": %s, \"attention\": \"%s\", \"load_s\": %.2f, "
        "\"loss\": %.4f, \"train_tok_s\": %.2f, \"train_tok_cpu_s\": %.2f, \"forward_share\": %.2f, \"peak_rss_mb\": %.0f}\n",
        TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, dtype.c_str(), threads, static_cast<long long>(llm->config().num_hidden_layers),
        static_cast<long long>(batch), static_cast<long long>(length), static_cast<long long>(target),
        checkpointing ? "true" : "false", llm->attention == dep::AttentionBackend::kSdpa ? "sdpa" : "eager", load_s,
        loss, median(rates), median(cpu_rates), median(forward_shares), peak_rss_mb());
    return dep::kExitOk;
  });
}
