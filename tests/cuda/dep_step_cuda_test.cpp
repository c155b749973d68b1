// A DEP training step on the GPU equals the same step on the CPU and the fixture
// (../shared/fixtures/tiny-dep-step): fp32 losses within 1e-4 relative, every adapter gradient
// within 1e-4 · its max |value|, and the adapter after one AdamW update within 1e-5 of the CPU's.
// With the frozen decoder in bf16 (adapter fp32, as dep-train runs on CUDA) the loss stays within
// 2 % of the fp32 reference and the gradients point the same way (cosine ≥ 0.99).
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <memory>

#include "cuda_device.h"
#include "dep/adapter/dep_adapter.h"
#include "dep/adapter/personalization_model.h"
#include "dep/decoder/qwen2.h"
#include "dep/torch/tensor_io.h"
#include "dep/train/adamw.h"
#include "test_paths.h"

namespace {

std::vector<int64_t> id_list(const torch::Tensor& t) {
  auto c = t.contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

// The fixture's model and batch on `device`, the decoder in `dtype` (the adapter is fp32).
struct Step {
  std::map<std::string, torch::Tensor> ref;
  dep::DepBatch batch;
  std::unique_ptr<dep::PersonalizationModel> model;

  Step(torch::Device device, torch::ScalarType dtype) {
    const std::string dir = dep::test::fixture("tiny-dep-step");
    ref = dep::load_safetensors(dir + "/reference.safetensors");
    auto llm = std::make_shared<dep::Qwen2Model>(dep::Qwen2Model::load(dir + "/decoder", dtype, device));
    dep::AdapterConfig config;
    config.embedding_dim = ref["his_diff_emb"].size(2);
    config.latent_dim = 12;
    batch.input_ids = ref["input_ids"].clone();
    batch.labels = ref["labels"].clone();
    batch.attention_mask = torch::ones_like(batch.input_ids);
    batch.his_diff = ref["his_diff_emb"].clone();
    batch.his_positions = dep::placeholder_positions(batch.input_ids, id_list(ref["his_token_ids"]));
    batch.diff_positions = dep::placeholder_positions(batch.input_ids, id_list(ref["diff_token_ids"]));
    batch = batch.to(device);
    auto adapter = std::make_shared<dep::DepAdapter>(config, llm->config().hidden_size);
    dep::load_adapter_weights(dir + "/adapter.safetensors", *adapter);
    adapter->to(device, torch::kFloat32);
    model = std::make_unique<dep::PersonalizationModel>(llm, adapter, nullptr, dep::LossConfig{});
    for (int64_t i = 0; i < batch.slots(); ++i) {
      model->set_placeholder_id(dep::his_placeholder(i), ref.at("his_token_ids")[i].item<int64_t>());
      model->set_placeholder_id(dep::diff_placeholder(i), ref.at("diff_token_ids")[i].item<int64_t>());
    }
  }

  // Loss, backward, one AdamW update; returns the total loss.
  double train_step(dep::AdamW& optimizer) {
    for (auto& item : model->adapter()->named_parameters()) {
      optimizer.add_param(item.key(), item.value(), dep::decays(item.key()) ? 0.01 : 0.0);
    }
    auto terms = model->loss(batch);
    terms.total.backward();
    return terms.total.item<double>();
  }
};

}  // namespace

TEST_CASE("cuda: a DEP training step on the device equals the CPU step and the fixture", "[cuda][adapter][train]") {
  DEP_CUDA_DEVICE_OR_SKIP(device);
  Step gpu(device, torch::kFloat32), cpu(torch::kCPU, torch::kFloat32);
  dep::AdamW gpu_opt, cpu_opt;
  const double gpu_loss = gpu.train_step(gpu_opt), cpu_loss = cpu.train_step(cpu_opt);
  const double expected = gpu.ref.at("loss_total").item<double>();
  INFO("loss device " << gpu_loss << ", cpu " << cpu_loss << ", reference " << expected);
  CHECK(gpu_loss == Approx(expected).epsilon(1e-4));
  CHECK(gpu_loss == Approx(cpu_loss).epsilon(1e-4));
  auto cpu_params = cpu.model->adapter()->named_parameters();
  int checked = 0;
  for (auto& item : gpu.model->adapter()->named_parameters()) {
    INFO(item.key());
    REQUIRE(item.value().grad().defined());
    auto got = item.value().grad().cpu().to(torch::kFloat64);
    auto expected_grad = gpu.ref.at("grad." + item.key()).to(torch::kFloat64);
    const double scale = expected_grad.abs().max().item<double>();
    CHECK((got - expected_grad).abs().max().item<double>() <= 1e-4 * scale);
    CHECK((got - cpu_params[item.key()].grad().to(torch::kFloat64)).abs().max().item<double>() <= 1e-4 * scale);
    ++checked;
  }
  CHECK(checked == 12);
  gpu_opt.step(1e-3);
  cpu_opt.step(1e-3);
  for (auto& item : gpu.model->adapter()->named_parameters()) {
    INFO(item.key());
    CHECK((item.value().detach().cpu() - cpu_params[item.key()].detach()).abs().max().item<double>() <= 1e-5);
  }
}

TEST_CASE("cuda: a DEP training step with the bf16 decoder stays near the fp32 reference", "[cuda][adapter][train][bf16]") {
  DEP_CUDA_DEVICE_OR_SKIP(device);
  Step step(device, torch::kBFloat16);
  dep::AdamW optimizer;
  const double loss = step.train_step(optimizer);
  const double expected = step.ref.at("loss_total").item<double>();
  INFO("bf16 loss " << loss << ", fp32 reference " << expected);
  CHECK(std::abs(loss - expected) <= 0.02 * std::abs(expected));
  for (auto& item : step.model->adapter()->named_parameters()) {
    INFO(item.key());
    auto got = item.value().grad().cpu().to(torch::kFloat64).flatten();
    auto expected_grad = step.ref.at("grad." + item.key()).to(torch::kFloat64).flatten();
    const double cosine = (got.dot(expected_grad) / (got.norm() * expected_grad.norm() + 1e-30)).item<double>();
    INFO("gradient cosine " << cosine);
    CHECK(cosine >= 0.99);
  }
}
