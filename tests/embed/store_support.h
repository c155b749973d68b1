// Shared by the embedding-store tests: a tiny bge-m3-like model directory whose vocabulary covers
// the xlmr-tokenizer fixture, and a JSONL of review-like texts with repeats.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "dep/core/atomic_file.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"

namespace dep::test {

// tiny-xlmr's layers with a 2,002-row vocabulary (the tokenizer fixture's) and 130 positions.
inline std::string make_store_test_model(const std::string& dir) {
  std::filesystem::create_directories(dir);
  auto config = nlohmann::json::parse(read_file(fixture("tiny-xlmr/config.json")));
  config["vocab_size"] = 2002;
  config["max_position_embeddings"] = 130;
  std::ofstream(dir + "/config.json") << config.dump(2);
  torch::manual_seed(11);
  NamedTensors tensors;
  for (const auto& [name, tensor] : load_safetensors(fixture("tiny-xlmr/model.safetensors"))) {
    if (name == "embeddings.word_embeddings.weight") {
      tensors.emplace_back(name, torch::randn({2002, 64}) * 0.5);
    } else if (name == "embeddings.position_embeddings.weight") {
      tensors.emplace_back(name, torch::randn({130, 64}) * 0.1);
    } else {
      tensors.emplace_back(name, tensor);
    }
  }
  save_safetensors(dir + "/model.safetensors", tensors);
  std::filesystem::copy_file(fixture("xlmr-tokenizer/tokenizer.json"), dir + "/tokenizer.json");
  return dir;
}

// The tokenizer fixture's case texts `copies` times over (so many texts repeat), keys "k<i>".
inline std::string make_store_test_input(const std::string& path, int copies, std::vector<std::string>* texts_out = nullptr) {
  std::ifstream cases(fixture("xlmr-tokenizer/cases.jsonl"));
  std::vector<std::string> texts;
  std::string line;
  while (std::getline(cases, line)) texts.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
  std::ofstream out(path);
  int64_t k = 0;
  for (int c = 0; c < copies; ++c) {
    for (const auto& text : texts) {
      // Later copies vary some texts so they are distinct, and repeat the others verbatim.
      std::string t = text;
      if (c > 0 && k % 3 == 0) t.append(" (").append(std::to_string(c)).append(")");
      std::string key = "k";
      key.append(std::to_string(k++));  // (not "k" + ...: GCC 12 warns falsely on that inlined form)
      out << nlohmann::json{{"key", key}, {"text", t}}.dump() << "\n";
      if (texts_out) texts_out->push_back(t);
    }
  }
  return path;
}

}  // namespace dep::test
