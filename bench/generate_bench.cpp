// generate_bench: generated tokens/s of dep's generation engine with DEP's sampling (T 0.8, top-p
// 0.95, per-request seeds) and 16 soft-prompt vectors injected per request, every request running
// to --new tokens (no stop ids), so bench/generate_hf.py can time HF generate on the same work.
// Prints one JSON line per batch size (with OMP_WAIT_POLICY: compare runs under the same policy).
#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "dep/core/app.h"
#include "dep/data/dep_sample.h"
#include "dep/decoder/engine.h"
#include "dep/decoder/causal_lm.h"
#include "dep/torch/tensor_io.h"

int main(int argc, char** argv) {
  return dep::run_main([&] {
    CLI::App app{"generate_bench: dep generation engine tokens per second"};
    std::string model_dir, dtype = "bf16", device = "cpu";
    int threads = 2;
    int64_t requests = 8, prompt = 128, new_tokens = 32;
    std::vector<int64_t> batches = {1, 8};
    app.add_option("MODEL_DIR", model_dir, "Qwen2 model directory")->required();
    app.add_option("--dtype", dtype)->capture_default_str();
    app.add_option("--device", device)->capture_default_str();
    app.add_option("--threads", threads)->capture_default_str();
    app.add_option("--requests", requests, "requests per measurement")->capture_default_str();
    app.add_option("--prompt", prompt, "prompt tokens per request")->capture_default_str();
    app.add_option("--new", new_tokens, "generated tokens per request")->capture_default_str();
    app.add_option("--batch", batches, "engine max_batch values to time")->capture_default_str();
    app.parse(argc, argv);

    dep::set_torch_threads(threads);
    const auto loaded = dep::load_causal_lm(model_dir, dep::parse_compute_dtype(dtype, "--dtype"),
                                             dep::parse_device(device, "--device"));
    const dep::CausalLM& model = *loaded;
    auto gen = at::detail::createCPUGenerator(0);
    const int64_t H = model.hidden_size();
    std::vector<dep::GenerationRequest> reqs(requests);
    // Placeholders: the last 16 ids of the vocabulary, which the random prompt ids never reach.
    const int64_t first_placeholder = model.vocab_size() - 16;
    for (int64_t r = 0; r < requests; ++r) {
      auto ids = torch::randint(0, std::min<int64_t>(150000, first_placeholder), {prompt}, gen, torch::kLong);
      auto& q = reqs[r];
      q.prompt_ids.assign(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + prompt);
      // 8 his + 8 diff placeholders spread over the prompt, as a DEP prompt carries them.
      for (int i = 0; i < 16 && i < prompt; ++i) {
        const int64_t id = first_placeholder + i;
        q.prompt_ids[(i * prompt) / 16] = id;
        q.placeholder_ids.push_back(id);
      }
      q.soft_vectors = at::normal(0.0, 0.02, {static_cast<int64_t>(q.placeholder_ids.size()), H}, gen)
                           .to(model.device(), model.dtype());
      q.max_new_tokens = new_tokens;
      q.sampling.do_sample = true;
      q.sampling.temperature = 0.8;
      q.sampling.top_p = 0.95;
      q.sampling.seed = static_cast<uint64_t>(r);
    }
    // OpenMP's wait policy decides how much a busy machine costs (spinning threads at every barrier),
    // so the figures carry it; the anchor reports it too.
    const char* policy_env = std::getenv("OMP_WAIT_POLICY");
    const char* wait_policy = policy_env != nullptr ? policy_env : "default";
    {  // warm-up
      dep::EngineOptions o;
      o.max_batch = 1;
      dep::GenerationEngine(model, o).generate({reqs.front()});
    }
    for (auto batch : batches) {
      dep::EngineOptions o;
      o.max_batch = batch;
      dep::GenerationEngine engine(model, o);
      const auto t0 = std::chrono::steady_clock::now();
      auto results = engine.generate(reqs);
      if (model.device().is_cuda()) torch::cuda::synchronize();
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      int64_t tokens = 0;
      for (const auto& r : results) tokens += static_cast<int64_t>(r.tokens.size());
      std::printf("{\"impl\":\"dep\",\"batch\":%lld,\"requests\":%lld,\"prompt\":%lld,\"new\":%lld,\"tokens\":%lld,"
                  "\"seconds\":%.3f,\"gen_tok_s\":%.2f,\"omp_wait_policy\":\"%s\"}\n",
                  static_cast<long long>(batch), static_cast<long long>(requests), static_cast<long long>(prompt),
                  static_cast<long long>(new_tokens), static_cast<long long>(tokens), s, tokens / s, wait_policy);
      std::fflush(stdout);
    }
    return 0;
  });
}
