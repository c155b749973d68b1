// One DEP training step against ../shared/fixtures/tiny-dep-step (losses and every adapter
// gradient, float64 reference, fp32 here) and the adapter's gradients against finite differences.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <memory>

#include "dep/adapter/dep_adapter.h"
#include "dep/adapter/personalization_model.h"
#include "dep/decoder/qwen2.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"

namespace {

struct StepFixture {
  std::map<std::string, torch::Tensor> ref;
  std::shared_ptr<dep::Qwen2Model> llm;
  dep::DepBatch batch;
  dep::AdapterConfig config;

  StepFixture() {
    const std::string dir = dep::test::fixture("tiny-dep-step");
    ref = dep::load_safetensors(dir + "/reference.safetensors");
    llm = std::make_shared<dep::Qwen2Model>(dep::Qwen2Model::load(dir + "/decoder", torch::kFloat32));
    config.embedding_dim = ref["his_diff_emb"].size(2);
    config.latent_dim = 12;
    batch.input_ids = ref["input_ids"].clone();
    batch.labels = ref["labels"].clone();
    batch.attention_mask = torch::ones_like(batch.input_ids);
    batch.his_diff = ref["his_diff_emb"].clone();
    auto ids = [](const torch::Tensor& t) {
      auto c = t.contiguous();
      return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
    };
    batch.his_positions = dep::placeholder_positions(batch.input_ids, ids(ref["his_token_ids"]));
    batch.diff_positions = dep::placeholder_positions(batch.input_ids, ids(ref["diff_token_ids"]));
  }

  // The fixture's vocabulary has its own placeholder ids (no tokenizer file): set them directly.
  dep::PersonalizationModel model() const {
    auto adapter = std::make_shared<dep::DepAdapter>(config, llm->config().hidden_size);
    dep::load_adapter_weights(dep::test::fixture("tiny-dep-step/adapter.safetensors"), *adapter);
    dep::PersonalizationModel out(llm, adapter, nullptr, dep::LossConfig{});
    for (int64_t i = 0; i < batch.slots(); ++i) {
      out.set_placeholder_id(dep::his_placeholder(i), ref.at("his_token_ids")[i].item<int64_t>());
      out.set_placeholder_id(dep::diff_placeholder(i), ref.at("diff_token_ids")[i].item<int64_t>());
    }
    return out;
  }
  double scalar(const std::string& name) { return ref.at(name).item<double>(); }
};

}  // namespace

TEST_CASE("tiny-dep-step: losses and every adapter gradient match the reference", "[adapter][fixture]") {
  StepFixture f;
  // Every placeholder of the fixture is in the text.
  REQUIRE(f.batch.his_positions.ge(0).all().item<bool>());
  REQUIRE(f.batch.diff_positions.ge(0).all().item<bool>());
  auto model = f.model();
  auto terms = model.loss(f.batch);
  CHECK(terms.gen.item<double>() == Approx(f.scalar("loss_gen")).epsilon(1e-4));
  CHECK(terms.recon.item<double>() == Approx(f.scalar("loss_recon")).epsilon(1e-4));
  CHECK(terms.sparse.item<double>() == Approx(f.scalar("loss_sparse")).epsilon(1e-4));
  CHECK(terms.total.item<double>() == Approx(f.scalar("loss_total")).epsilon(1e-4));
  terms.total.backward();
  int checked = 0;
  for (auto& item : model.adapter()->named_parameters()) {
    INFO(item.key());
    auto expected = f.ref.at("grad." + item.key()).to(torch::kFloat64);
    REQUIRE(item.value().grad().defined());
    auto got = item.value().grad().to(torch::kFloat64);
    const double scale = expected.abs().max().item<double>();
    CHECK((got - expected).abs().max().item<double>() <= 1e-4 * scale);
    ++checked;
  }
  CHECK(checked == 12);
}

TEST_CASE("tiny-dep-step: the loss with all logits equals the label-rows-only loss", "[adapter][fixture]") {
  StepFixture f;
  auto model = f.model();
  torch::NoGradGuard no_grad;
  auto logits = model.logits(f.batch).to(torch::kFloat32);
  auto targets = dep::next_token_targets(f.batch.labels);
  auto flat = logits.reshape({-1, logits.size(-1)}).index_select(0, targets.rows);
  const double full = dep::cross_entropy_sum(flat, targets.targets).item<double>() / targets.count();
  CHECK(full == Approx(f.scalar("loss_gen")).epsilon(1e-4));
}

TEST_CASE("adapter gradients agree with central finite differences through the frozen decoder", "[adapter]") {
  StepFixture f;
  auto model = f.model();
  // A small step: the KL term curves steeply where a unit's mean activation is near zero.
  auto terms = model.loss(f.batch);
  terms.total.backward();
  torch::manual_seed(7);
  for (auto& item : model.adapter()->named_parameters()) {
    INFO(item.key());
    auto& p = item.value();
    // A direction inside this one tensor: the directional derivative is grad·d.
    auto d = torch::randn_like(p);
    d /= d.norm();
    const double analytic = (p.grad() * d).sum().item<double>();
    const double eps = 1e-3;
    double plus, minus;
    {
      torch::NoGradGuard no_grad;
      p.add_(d, eps);
      plus = model.loss(f.batch).total.item<double>();
      p.add_(d, -2 * eps);
      minus = model.loss(f.batch).total.item<double>();
      p.add_(d, eps);
    }
    const double numeric = (plus - minus) / (2 * eps);
    CHECK(numeric == Approx(analytic).epsilon(2e-2).margin(2e-3));
  }
}
