// The XLM-R encoder (bge-m3's architecture) on the GPU against ../shared/fixtures/tiny-xlmr: fp32
// hidden states and dense embeddings ≤ 1e-4 max abs (the CPU tolerance); an unpadded batch (no
// mask: SDPA's flash kernel on a GPU) equals the same rows inside a padded batch within 1e-5;
// bf16 dense embeddings within 2e-2 max abs of the fp32 reference (unit vectors).
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "cuda_device.h"
#include "dep/embed/xlmr.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"

namespace {

std::map<std::string, torch::Tensor> reference() {
  return dep::load_safetensors(dep::test::fixture("tiny-xlmr/reference.safetensors"));
}

dep::XlmrEncoder encoder(torch::Device device, torch::ScalarType dtype) {
  dep::XlmrLoadOptions options;
  options.device = device;
  options.dtype = dtype;
  return dep::XlmrEncoder::load(dep::test::fixture("tiny-xlmr"), options);
}

}  // namespace

TEST_CASE("cuda: tiny-xlmr fp32 matches the fixture, padded and unpadded", "[cuda][xlmr][fixtures]") {
  DEP_CUDA_DEVICE_OR_SKIP(device);
  const auto ref = reference();
  const auto model = encoder(device, torch::kFloat32);
  const auto ids = ref.at("input_ids"), mask = ref.at("attention_mask");
  const auto out = model.forward(ids, mask);
  CHECK(out.last_hidden_state.device() == device);
  const auto hidden = out.last_hidden_state.cpu();
  const auto keep = mask.ne(0).unsqueeze(-1).to(torch::kFloat32);
  const double hidden_err = ((hidden - ref.at("last_hidden_state")).abs() * keep).max().item<double>();
  const double dense_err = (out.dense_embedding.cpu() - ref.at("dense_embedding")).abs().max().item<double>();
  INFO("hidden max abs error " << hidden_err << ", dense " << dense_err);
  CHECK(hidden_err <= 1e-4);
  CHECK(dense_err <= 1e-4);
  // Each row alone has no padding, so it takes the no-mask path.
  for (int64_t b = 0; b < ids.size(0); ++b) {
    INFO("row " << b);
    const int64_t len = mask[b].sum().item<int64_t>();
    const auto alone = model.forward(ids[b].slice(0, 0, len).unsqueeze(0), mask[b].slice(0, 0, len).unsqueeze(0));
    CHECK((alone.dense_embedding[0].cpu() - out.dense_embedding[b].cpu()).abs().max().item<double>() <= 1e-5);
    CHECK((alone.last_hidden_state[0].cpu() - hidden[b].slice(0, 0, len)).abs().max().item<double>() <= 1e-5);
  }
}

TEST_CASE("cuda: tiny-xlmr bf16 dense embeddings stay near the fp32 reference", "[cuda][xlmr][fixtures][bf16]") {
  DEP_CUDA_DEVICE_OR_SKIP(device);
  const auto ref = reference();
  const auto out = encoder(device, torch::kBFloat16).forward(ref.at("input_ids"), ref.at("attention_mask"));
  const double err = (out.dense_embedding.cpu() - ref.at("dense_embedding")).abs().max().item<double>();
  INFO("bf16 dense max abs error " << err);
  CHECK(err <= 2e-2);
}
