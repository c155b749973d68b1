// Live cross-check against Hugging Face transformers' XLMRobertaModel on a random tiny config
// (written by make_hf_xlmr.py), in every checkpoint layout the loader accepts.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>

#include "dep/core/error.h"
#include "dep/torch/tensor_io.h"
#include "dep/embed/xlmr.h"
#include "test_paths.h"

namespace {

std::string python() {
  const char* venv = std::getenv("DEP_VENV");
  return (venv && *venv ? std::string(venv) : std::string(DEP_SOURCE_DIR "/.venv")) + "/bin/python3";
}

double max_abs_error_real_rows(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask) {
  const torch::Tensor keep = mask.ne(0).unsqueeze(-1).to(torch::kFloat32);
  return ((a.to(torch::kFloat32) - b.to(torch::kFloat32)).abs() * keep).max().item<double>();
}

}  // namespace

TEST_CASE("random tiny XLM-R configs match transformers' XLMRobertaModel in every layout", "[xlmr][python]") {
  REQUIRE(std::filesystem::exists(python()));
  for (int seed : {1, 2}) {
    const std::string dir = dep::test::scratch_dir("xlmr-hf-" + std::to_string(seed));
    const std::string command = "'" + python() + "' '" DEP_SOURCE_DIR "/tests/embed/make_hf_xlmr.py' '" + dir +
                                "' " + std::to_string(seed) + " > '" + dir + "/log.txt' 2>&1";
    INFO(command);
    REQUIRE(std::system(command.c_str()) == 0);
    const auto ref = dep::load_safetensors(dir + "/reference.safetensors");
    for (const char* layout : {"plain", "prefixed", "bin"}) {
      const auto encoder = dep::XlmrEncoder::load(dir + "/" + layout);
      const auto out = encoder.forward(ref.at("input_ids"), ref.at("attention_mask"));
      const double hidden_err =
          max_abs_error_real_rows(out.last_hidden_state, ref.at("last_hidden_state"), ref.at("attention_mask"));
      const double dense_err = (out.dense_embedding - ref.at("dense_embedding")).abs().max().item<double>();
      INFO("seed " << seed << " layout " << layout << ": hidden " << hidden_err << ", dense " << dense_err);
      CHECK(hidden_err <= 1e-4);
      CHECK(dense_err <= 1e-4);
    }
  }
}

TEST_CASE("missing and mis-shaped XLM-R tensors are all named in one error", "[xlmr][fixtures]") {
  const std::string dir = dep::test::scratch_dir("xlmr-broken");
  std::filesystem::copy_file(dep::test::fixture("tiny-xlmr/config.json"), dir + "/config.json");
  dep::NamedTensors tensors;
  for (const auto& [name, tensor] : dep::load_safetensors(dep::test::fixture("tiny-xlmr/model.safetensors"))) {
    if (name == "encoder.layer.1.intermediate.dense.bias") continue;
    tensors.emplace_back(name, name == "embeddings.LayerNorm.weight" ? tensor.slice(0, 0, 10) : tensor);
  }
  dep::save_safetensors(dir + "/model.safetensors", tensors);
  try {
    dep::XlmrEncoder::load(dir);
    FAIL("a broken checkpoint loaded");
  } catch (const dep::Error& e) {
    const std::string what = e.what();
    CHECK(what.find("missing encoder.layer.1.intermediate.dense.bias") != std::string::npos);
    CHECK(what.find("embeddings.LayerNorm.weight: expected shape [64], found [10]") != std::string::npos);
    CHECK(what.find("2 tensor problem(s)") != std::string::npos);
  }
}

TEST_CASE("a directory without weights is a clear error", "[xlmr]") {
  const std::string dir = dep::test::scratch_dir("xlmr-empty");
  std::filesystem::copy_file(dep::test::fixture("tiny-xlmr/config.json"), dir + "/config.json");
  CHECK_THROWS_WITH(dep::XlmrEncoder::load(dir), Catch::Contains("no model.safetensors"));
}
