// tokenizer_bench --tokenizer tokenizer.json --corpus FILE [--runs N] [--threads N]
// Encodes every line of a UTF-8 corpus (without its '\n', no special tokens) with dep's byte-level
// BPE, once to warm up and then N timed passes; prints one JSON line with the median pass:
// lines, bytes, tokens, seconds_median, mb_per_s, tokens_per_s (the fields hf_tokenizers_bench.py prints).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dep/core/app.h"
#include "dep/core/atomic_file.h"
#include "dep/text/bpe_tokenizer.h"

namespace {

std::vector<std::string> read_lines(const std::string& path) {
  const std::string data = dep::read_file(path);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    lines.emplace_back(data, start, end - start);
    start = end + 1;
  }
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  return dep::run_main([&] {
    CLI::App app{"tokenizer_bench: single-thread (or batch) encode throughput of dep's BPE tokenizer"};
    std::string tokenizer_path, corpus_path;
    int runs = 5;
    size_t threads = 1;
    app.add_option("--tokenizer", tokenizer_path, "tokenizer.json or model directory")->required();
    app.add_option("--corpus", corpus_path, "UTF-8 text, one sequence per line")->required();
    app.add_option("--runs", runs, "timed passes after one warm-up pass")->check(CLI::PositiveNumber);
    app.add_option("--threads", threads, "1: encode line by line; >1: encode_batch on that many threads");
    app.parse(argc, argv);

    const auto tok = dep::BpeTokenizer::load(tokenizer_path);
    const auto lines = read_lines(corpus_path);
    size_t bytes = 0;
    for (const auto& l : lines) bytes += l.size();

    std::vector<int64_t> ids;
    auto one_pass = [&]() -> size_t {
      if (threads > 1) {
        size_t count = 0;
        for (const auto& v : tok.encode_batch(lines, threads)) count += v.size();
        return count;
      }
      size_t count = 0;
      for (const auto& line : lines) {
        ids.clear();
        tok.encode_into(line, ids);
        count += ids.size();
      }
      return count;
    };
    const size_t tokens = one_pass();  // warm-up
    std::vector<double> seconds;
    for (int r = 0; r < runs; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      one_pass();
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(seconds.begin(), seconds.end());
    const double median = seconds.size() % 2 ? seconds[seconds.size() / 2]
                                             : (seconds[seconds.size() / 2 - 1] + seconds[seconds.size() / 2]) / 2;
    const nlohmann::json result = {{"lines", lines.size()},
                                   {"bytes", bytes},
                                   {"tokens", tokens},
                                   {"seconds_median", median},
                                   {"mb_per_s", static_cast<double>(bytes) / 1e6 / median},
                                   {"tokens_per_s", static_cast<double>(tokens) / median},
                                   {"threads", threads}};
    std::printf("%s\n", result.dump().c_str());
    return 0;
  });
}
