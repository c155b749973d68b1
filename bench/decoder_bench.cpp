// decoder_bench: prefill and decode throughput of the Qwen2 decoder (greedy, KV cache), the same loop
// as scripts/bench_decoder.sh runs through Hugging Face transformers. Prints one JSON line.
#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "dep/core/app.h"
#include "dep/decoder/engine.h"
#include "dep/decoder/qwen2.h"
#include "dep/torch/tensor_io.h"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  return dep::run_main([&] {
    CLI::App app{"decoder_bench: Qwen2 prefill/decode tokens per second"};
    std::string model_dir, dtype = "bf16", device = "cpu";
    int threads = 2, reps = 3;
    int64_t batch = 1, prompt = 64, new_tokens = 16;
    app.add_option("MODEL_DIR", model_dir, "Qwen2 model directory")->required();
    app.add_option("--dtype", dtype)->capture_default_str();
    app.add_option("--device", device)->capture_default_str();
    app.add_option("--threads", threads)->capture_default_str();
    app.add_option("--batch", batch)->capture_default_str();
    app.add_option("--prompt", prompt)->capture_default_str();
    app.add_option("--new", new_tokens)->capture_default_str();
    app.add_option("--reps", reps, "timed repetitions after one warm-up")->capture_default_str();
    app.parse(argc, argv);

    dep::set_torch_threads(threads);
    const auto t_load = std::chrono::steady_clock::now();
    auto model = dep::Qwen2Model::load(model_dir, dep::parse_compute_dtype(dtype, "--dtype"),
                                       dep::parse_device(device, "--device"));
    const double load_s = seconds_since(t_load);
    auto generator = at::detail::createCPUGenerator(0);
    auto ids = torch::randint(0, model.config().vocab_size, {batch, prompt}, generator, torch::kLong);

    torch::NoGradGuard no_grad;
    auto cache = model.make_cache(batch, prompt + new_tokens);
    auto sync = [&] {
      if (model.device().is_cuda()) torch::cuda::synchronize();
    };
    std::vector<double> prefill, decode;
    for (int r = 0; r <= reps; ++r) {
      cache.clear();
      sync();
      const auto t0 = std::chrono::steady_clock::now();
      auto logits = model.forward_ids(ids, {}, {}, &cache, /*last_only=*/true);
      auto next = logits.select(1, 0).to(torch::kFloat32).argmax(-1).view({batch, 1});
      sync();
      const double t_prefill = seconds_since(t0);
      const auto t1 = std::chrono::steady_clock::now();
      for (int64_t i = 0; i < new_tokens; ++i) {
        logits = model.forward_ids(next, {}, {}, &cache, true);
        next = logits.select(1, 0).to(torch::kFloat32).argmax(-1).view({batch, 1});
      }
      next.to(torch::kCPU);
      sync();
      const double t_decode = seconds_since(t1);
      if (r > 0) {  // the first repetition warms up
        prefill.push_back(static_cast<double>(batch * prompt) / t_prefill);
        decode.push_back(static_cast<double>(batch * new_tokens) / t_decode);
      }
    }
    // The decode step's linear kernel alone on its largest weight (the lm head, read once per step):
    // the read bandwidth the kernel reaches, which splits the gap to the floor into the kernel's
    // bandwidth and the rest of the step.
    std::vector<double> head_rates;
    {
      auto row = torch::randn({batch, 1, model.config().hidden_size}).to(model.dtype()).to(model.device());
      const double bytes = static_cast<double>(model.config().vocab_size) * model.config().hidden_size *
                           torch::elementSize(model.dtype());
      for (int r = 0; r <= 2 * reps; ++r) {
        sync();
        const auto t0 = std::chrono::steady_clock::now();
        auto logits = model.lm_head(row);
        sync();
        if (r > 0) head_rates.push_back(bytes / seconds_since(t0) / 1e9);
      }
    }
    std::printf(
        "{\"impl\": \"dep\", \"torch\": \"%d.%d\", \"dtype\": \"%s\", \"device\": \"%s\", \"threads\": %d, "
        "\"attention\": \"%s\", \"batch\": %lld, \"prompt\": %lld, \"new\": %lld, \"load_s\": %.2f, "
        "\"prefill_tok_s\": %.2f, \"decode_tok_s\": %.2f, \"lm_head_read_gb_s\": %.2f}\n",
        TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR, dtype.c_str(), device.c_str(), threads,
        model.attention == dep::AttentionBackend::kSdpa ? "sdpa" : "eager", (long long)batch, (long long)prompt,
        (long long)new_tokens, load_s, median(prefill), median(decode), median(head_rates));
    return 0;
  });
}
