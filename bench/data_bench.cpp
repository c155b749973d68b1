// data_bench: the data pipeline at full DPL size on synthetic data (≈3996 train + 512 val + 3996
// test samples, profiles up to 500 reviews): JSONL reading, prompt planning with exact token
// counts, and complete samples (token ids, labels, [16, 1024] his/diff blocks).
//   data_bench --tokenizer ../shared/fixtures/qwen2.5-tokenizer/dep-tokenizer.json [--scale 1] [--threads 0]
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "dep/core/app.h"
#include "dep/core/atomic_file.h"
#include "dep/core/config.h"
#include "dep/data/data_tokenizer.h"
#include "dep/data/dep_dataset.h"
#include "dep/data/sample_builder.h"
#include "dep/data/synthetic_data.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds of the process (all threads): the honest figure on a shared machine.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Unit-norm pseudo-random rows for every (category, user) of the test split.
dep::InMemoryReviewEmbeddings random_embeddings(const dep::DepData& data, int64_t dim) {
  dep::InMemoryReviewEmbeddings e(dim);
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>((state >> 40) & 0xffff) / 65536.0f - 0.5f;
  };
  for (const auto& [category, rows] : data.test_rows)
    for (const auto& row : rows) {
      const int64_t n = static_cast<int64_t>(row.profile.size()) + 1;
      std::vector<float> v(static_cast<size_t>(n * dim));
      for (int64_t r = 0; r < n; ++r) {
        double norm = 0;
        for (int64_t d = 0; d < dim; ++d) norm += std::pow(v[r * dim + d] = next(), 2);
        for (int64_t d = 0; d < dim; ++d) v[r * dim + d] /= static_cast<float>(std::sqrt(norm));
      }
      e.add(category, row.user_id, std::move(v));
    }
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  return dep::run_main([&] {
    CLI::App app{"data_bench: DEP sample construction at full DPL size on synthetic data"};
    std::string tokenizer_path = std::string(DEP_SOURCE_DIR) + "/../shared/fixtures/qwen2.5-tokenizer/dep-tokenizer.json";
    std::string dir = std::filesystem::temp_directory_path() / "dep-data-bench";
    double scale = 1.0;
    size_t threads = 0;
    int64_t dim = 1024;
    bool reuse = false;
    app.add_option("--tokenizer", tokenizer_path, "DEP (or Qwen2.5) tokenizer.json")->capture_default_str();
    app.add_option("--dir", dir, "where the synthetic JSONL is written")->capture_default_str();
    app.add_option("--scale", scale, "fraction of DPL's user counts (317, 1925, 1754)")->capture_default_str();
    app.add_option("--threads", threads, "build threads (0 = all cores)")->capture_default_str();
    app.add_option("--dim", dim, "embedding width")->capture_default_str();
    app.add_flag("--reuse", reuse, "keep the JSONL in --dir when it was made with the same settings");
    app.parse(argc, argv);
    spdlog::set_level(spdlog::level::warn);
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

    dep::SynthConfig synth;
    synth.users = {std::max<int64_t>(2, std::llround(317 * scale)), std::max<int64_t>(2, std::llround(1925 * scale)),
                   std::max<int64_t>(2, std::llround(1754 * scale))};
    synth.items = std::max<int64_t>(60, std::llround(1925 * scale * 2));
    synth.min_profile = 8;
    synth.max_profile = 490;  // + 10 input reviews = DPL's 500 cap
    synth.mean_extra_profile = 28;  // DPL profiles: 37 ± 34 (paper Table 4)
    synth.long_users = 2;             // a few users at the 500-review cap in each category
    synth.min_sentences = 24;  // reviews of ~1,500 characters (DPL: 1,609 ± 1,477, paper Table 4)
  synth.shared_user_fraction = 0.0;
    // The JSONL is regenerated unless --reuse finds data made with the same settings.
    const std::string stamp = (std::filesystem::path(dir) / "synth.config.json").string();
    const std::string settings = dep::config_to_json(synth).dump(2);
    auto t0 = std::chrono::steady_clock::now();
    double t_synth = 0;
    if (!(reuse && std::filesystem::exists(stamp) && dep::read_file(stamp).rfind(settings, 0) == 0)) {
      dep::write_synthetic_dpl(dep::generate_synthetic(synth), dir);
      dep::write_effective_config(stamp, dep::config_to_json(synth));
      t_synth = seconds_since(t0);
    }
    uintmax_t bytes = 0;
    for (const auto& f : std::filesystem::recursive_directory_iterator(dir))
      if (f.is_regular_file()) bytes += f.file_size();

    const auto tokenizer = dep::load_dep_tokenizer(tokenizer_path);
    dep::DataConfig config;
    config.data.root = dir;
    {
      const auto test = dep::load_dep_data(config, dep::DepSplit::kTest);
      int64_t longest = 0, reviews = 0;
      for (const auto& r : test.rows) {
        longest = std::max<int64_t>(longest, static_cast<int64_t>(r.row.profile.size()));
        reviews += static_cast<int64_t>(r.row.profile.size()) + 1;
      }
      std::printf("data_bench: %zu users, %lld reviews, longest test profile %lld, JSONL %.0f MB (generated in %.1f s), "
                  "%zu threads\n",
                  test.rows.size(), (long long)reviews, (long long)longest, bytes / 1e6, t_synth, threads);
    }
    std::printf("%-6s %8s %14s %14s %14s %12s\n", "split", "samples", "read s (cpu)", "prompts s (cpu)",
                "samples s (cpu)", "samples/s");
    double total_pipeline = 0, total_cpu = 0;
    for (const auto split : {dep::DepSplit::kTrain, dep::DepSplit::kVal, dep::DepSplit::kTest}) {
      t0 = std::chrono::steady_clock::now();
      double c0 = cpu_seconds();
      const auto data = dep::load_dep_data(config, split);
      const double t_read = seconds_since(t0), c_read = cpu_seconds() - c0;
      const auto embeddings = random_embeddings(data, dim);
      dep::DepSampleBuilder text_only(config, data, dep::encoder_of(tokenizer));
      t0 = std::chrono::steady_clock::now();
      c0 = cpu_seconds();
      int64_t k_sum = 0;
      for (const auto& row : data.rows) k_sum += text_only.plan(row).k;
      const double t_plan = seconds_since(t0), c_plan = cpu_seconds() - c0;
      dep::DepSampleBuilder builder(config, data, dep::encoder_of(tokenizer), &embeddings);
      t0 = std::chrono::steady_clock::now();
      c0 = cpu_seconds();
      const auto samples = dep::build_samples(builder, data.rows, split == dep::DepSplit::kTrain, threads);
      const double t_build = seconds_since(t0), c_build = cpu_seconds() - c0;
      total_pipeline += t_read + t_build;
      total_cpu += c_read + c_build;
      std::printf("%-6s %8zu %6.2f (%5.2f) %6.2f (%5.2f)  %6.2f (%5.2f) %12.1f   (mean k %.2f)\n",
                  dep::split_name(split), samples.size(), t_read, c_read, t_plan, c_plan, t_build, c_build,
                  samples.size() / t_build, double(k_sum) / double(data.rows.size()));
    }
    std::printf("total: read + build all samples of the three splits: %.1f s wall, %.1f s cpu\n", total_pipeline,
                total_cpu);
    return 0;
  });
}
