// XLM-R encoder throughput (texts/s, tokens/s) on a safetensors batch of token ids, with length
// bucketing or in input order (the reference's batching), for comparison with
// bench/hf_xlmr_bench.py on the same weights and inputs (scripts/bench_encoder.sh runs both).
#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "dep/core/app.h"
#include "dep/torch/tensor_io.h"
#include "dep/embed/text_embedder.h"
#include "dep/embed/xlmr.h"

int main(int argc, char** argv) {
  return dep::run_main([&] {
    CLI::App app{"encoder_bench: XLM-R dense-embedding throughput"};
    std::string model_dir, inputs, dtype = "fp32", mode = "bucketed", save_dense, device = "cpu";
    int threads = 2, runs = 3;
    int64_t batch = 8, batch_tokens = 4096;
    app.add_option("--model", model_dir, "XLM-RoBERTa model directory")->required();
    app.add_option("--inputs", inputs, "safetensors with input_ids, attention_mask [N,T]")->required();
    app.add_option("--dtype", dtype, "fp32, bf16 or fp16")->capture_default_str();
    app.add_option("--mode", mode, "bucketed (sort by length) or ordered (input order, pad to batch max)")
        ->check(CLI::IsMember({"bucketed", "ordered"}))
        ->capture_default_str();
    app.add_option("--batch", batch, "texts per batch (at most)")->capture_default_str();
    app.add_option("--batch-tokens", batch_tokens, "bucketed: padded tokens per batch (at most)")->capture_default_str();
    app.add_option("--threads", threads, "CPU threads")->capture_default_str();
    app.add_option("--runs", runs, "timed passes (median reported) after one warm-up")->capture_default_str();
    app.add_option("--device", device, "cpu, cuda or cuda:N")->capture_default_str();
    app.add_option("--save-dense", save_dense, "write the dense embeddings here (agreement check)");
    app.parse(argc, argv);

    dep::set_torch_threads(threads);
    dep::XlmrLoadOptions load;
    load.dtype = dep::parse_compute_dtype(dtype, "--dtype");
    load.device = dep::parse_device(device, "--device");
    const auto encoder = dep::XlmrEncoder::load(model_dir, load);
    const auto tensors = dep::load_safetensors(inputs);
    const torch::Tensor ids = tensors.at("input_ids").to(torch::kLong), mask = tensors.at("attention_mask");
    std::vector<std::vector<int64_t>> rows;
    int64_t tokens = 0;
    for (int64_t b = 0; b < ids.size(0); ++b) {
      const int64_t n = mask[b].sum().item<int64_t>();
      const torch::Tensor row = ids[b].slice(0, 0, n).contiguous();
      rows.emplace_back(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + n);
      tokens += n;
    }

    auto one_pass = [&] {
      if (mode == "bucketed") {
        const dep::TextEmbedder embedder(encoder, {}, dep::BatchingOptions{8192, batch_tokens, batch});
        return embedder.embed_ids(rows);
      }
      // Input order: each chunk of `batch` texts is one batch padded to its longest member.
      const dep::TextEmbedder embedder(encoder, {}, dep::BatchingOptions{8192, INT64_MAX, batch});
      std::vector<torch::Tensor> parts;
      for (size_t s = 0; s < rows.size(); s += static_cast<size_t>(batch)) {
        const std::vector<std::vector<int64_t>> chunk(rows.begin() + s,
                                                      rows.begin() + std::min(rows.size(), s + static_cast<size_t>(batch)));
        parts.push_back(embedder.embed_ids(chunk));
      }
      return torch::cat(parts);
    };
    torch::Tensor dense = one_pass();  // warm-up
    // Wall time, and process CPU time: on a shared machine the CPU seconds are the steadier figure.
    std::vector<double> seconds, cpu_seconds;
    for (int r = 0; r < runs; ++r) {
      const auto start = std::chrono::steady_clock::now();
      const std::clock_t cpu_start = std::clock();
      dense = one_pass();
      cpu_seconds.push_back(static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC);
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    if (!save_dense.empty()) dep::save_safetensors(save_dense, {{"dense_embedding", dense}});
    std::vector<double> sorted = seconds;
    std::sort(sorted.begin(), sorted.end());
    const double median = sorted[sorted.size() / 2];
    std::sort(cpu_seconds.begin(), cpu_seconds.end());
    const double cpu_median = cpu_seconds[cpu_seconds.size() / 2];
    std::string all;
    for (double s : seconds) all += (all.empty() ? "" : ", ") + std::to_string(s);
    std::printf("{\"impl\": \"dep-%s\", \"dtype\": \"%s\", \"texts\": %zu, \"tokens\": %lld, \"batch\": %lld, "
                "\"seconds_median\": %.4f, \"seconds_all\": [%s], \"texts_per_s\": %.4f, \"tokens_per_s\": %.2f, "
                "\"cpu_seconds_median\": %.4f, \"tokens_per_cpu_s\": %.2f, \"threads\": %d}\n",
                mode.c_str(), dtype.c_str(), rows.size(), static_cast<long long>(tokens), static_cast<long long>(batch),
                median, all.c_str(), rows.size() / median, tokens / median, cpu_median, tokens / cpu_median, threads);
    return 0;
  });
}
