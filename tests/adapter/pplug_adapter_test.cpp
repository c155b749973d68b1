// The PPlug adapter against ../shared/fixtures/tiny-pplug-step (the generation loss with real-row
// and pad-included attention, every gradient; float64 reference, fp32 here), its gradients against
// finite differences, a hand-computed forward, and its adapter file.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <memory>

#include "dep/adapter/dep_adapter.h"
#include "dep/adapter/personalization_model.h"
#include "dep/adapter/pplug_adapter.h"
#include "dep/core/error.h"
#include "dep/decoder/qwen2.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"

namespace {

struct PplugFixture {
  std::map<std::string, torch::Tensor> ref;
  std::shared_ptr<dep::Qwen2Model> llm;
  dep::DepBatch batch;

  PplugFixture() {
    const std::string dir = dep::test::fixture("tiny-pplug-step");
    ref = dep::load_safetensors(dir + "/reference.safetensors");
    llm = std::make_shared<dep::Qwen2Model>(dep::Qwen2Model::load(dir + "/decoder", torch::kFloat32));
    batch.input_ids = ref["input_ids"].clone();
    batch.labels = ref["labels"].clone();
    batch.attention_mask = torch::ones_like(batch.input_ids);
    batch.pplug_history = ref["his_emb"].clone();
    batch.pplug_history_mask = ref["his_mask"].to(torch::kFloat32);
    batch.pplug_task = ref["task_emb"].clone();
  }

  dep::PplugConfig config(bool pad_included) const {
    dep::PplugConfig c;
    c.embedding_dim = ref.at("his_emb").size(2);
    c.softmax_includes_padding = pad_included;
    return c;
  }

  // The fixture's vocabulary has its own token ids (no tokenizer file): set them directly.
  dep::PersonalizationModel model(bool pad_included = false) const {
    auto adapter = std::make_shared<dep::PplugAdapter>(config(pad_included), llm->config().hidden_size);
    dep::load_adapter_weights(dep::test::fixture("tiny-pplug-step/adapter.safetensors"), *adapter);
    dep::PersonalizationModel out(llm, adapter, nullptr, dep::LossConfig{});
    out.set_placeholder_id(dep::pplug_instruction_token(), ref.at("instruction_token_id").item<int64_t>());
    out.set_placeholder_id(dep::pplug_personal_token(), ref.at("personal_token_id").item<int64_t>());
    return out;
  }
  double scalar(const std::string& name) const { return ref.at(name).item<double>(); }
};

}  // namespace

TEST_CASE("tiny-pplug-step: the loss and every adapter gradient match the reference", "[adapter][pplug][fixture]") {
  PplugFixture f;
  // The fixture's second sample has padded history rows: the two softmax variants differ there.
  REQUIRE(f.batch.pplug_history_mask.sum().item<double>() < f.batch.pplug_history_mask.numel());
  auto model = f.model();
  auto terms = model.loss(f.batch);
  CHECK(terms.gen.item<double>() == Approx(f.scalar("loss_gen")).epsilon(1e-4));
  CHECK(terms.total.item<double>() == Approx(f.scalar("loss_gen")).epsilon(1e-4));  // no aux term
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
  CHECK(checked == 9);
}

TEST_CASE("tiny-pplug-step: padded rows in the softmax give the pad-included loss", "[adapter][pplug][fixture]") {
  PplugFixture f;
  torch::NoGradGuard no_grad;
  const double with_pads = f.model(/*pad_included=*/true).loss(f.batch).gen.item<double>();
  const double real_only = f.model(false).loss(f.batch).gen.item<double>();
  CHECK(with_pads == Approx(f.scalar("loss_gen_pad_included")).epsilon(1e-4));
  CHECK(std::abs(with_pads - real_only) > 1e-3);  // the fixture tells the two apart
}

TEST_CASE("PPlug gradients agree with central finite differences through the frozen decoder", "[adapter][pplug]") {
  PplugFixture f;
  auto model = f.model();
  model.loss(f.batch).total.backward();
  torch::manual_seed(11);
  for (auto& item : model.adapter()->named_parameters()) {
    INFO(item.key());
    auto& p = item.value();
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

TEST_CASE("PPlug forward by hand: softmax over real rows, weighted his_mlp, instruction row", "[adapter][pplug]") {
  torch::manual_seed(3);
  dep::PplugConfig config;
  config.embedding_dim = 4;
  dep::PplugAdapter adapter(config, 6);
  auto history = torch::randn({1, 3, 4});
  history[0][2].zero_();
  auto mask = torch::tensor({{1.0f, 1.0f, 0.0f}});
  auto task = torch::randn({1, 4});
  torch::NoGradGuard no_grad;
  auto out = adapter.forward({{dep::PplugInputs::kHistory, history},
                              {dep::PplugInputs::kMask, mask},
                              {dep::PplugInputs::kTask, task}});
  REQUIRE(out.vectors.sizes() == torch::IntArrayRef({1, 2, 6}));
  REQUIRE(out.placeholders == std::vector<std::string>{"[HIS_TOKEN_0]", "[HIS_TOKEN_1]"});
  const double s0 = (history[0][0] * task[0]).sum().item<double>();
  const double s1 = (history[0][1] * task[0]).sum().item<double>();
  const double w0 = 1.0 / (1.0 + std::exp(s1 - s0));
  auto mlp = [&](const torch::Tensor& x) {
    auto& m = adapter.pplug->his_mlp;
    return torch::matmul(torch::gelu(torch::matmul(x, m->in->weight.t()) + m->in->bias), m->out->weight.t()) +
           m->out->bias;
  };
  auto personal = w0 * mlp(history[0][0]) + (1 - w0) * mlp(history[0][1]);
  CHECK(torch::allclose(out.vectors[0][1], personal, 1e-5, 1e-6));
  CHECK(torch::allclose(out.vectors[0][0], adapter.pplug->inst_mlp->forward(adapter.pplug->instruction), 1e-5, 1e-6));
  CHECK(out.aux.at("weights")[0][2].item<double>() == 0.0);
  // A sample without history rows gets a zero personal vector, not NaN.
  auto empty = adapter.forward({{dep::PplugInputs::kHistory, torch::zeros({1, 2, 4})},
                                {dep::PplugInputs::kMask, torch::zeros({1, 2})},
                                {dep::PplugInputs::kTask, task}});
  CHECK(torch::isfinite(empty.vectors).all().item<bool>());
}

TEST_CASE("PPlug adapter files: registry, metadata round trip, another method's file refused", "[adapter][pplug]") {
  CHECK(dep::adapter_methods() == std::vector<std::string>{"dep", "pplug"});
  dep::AdapterConfig train_config;
  train_config.method = "pplug";
  train_config.embedding_dim = 8;
  train_config.pplug.softmax_includes_padding = true;
  auto made = dep::make_adapter("pplug", dep::config_to_json(dep::pplug_config_of(train_config)), 16);
  REQUIRE(made->method() == "pplug");
  const std::string dir = dep::test::scratch_dir("pplug_adapter_file");
  dep::save_adapter(dir + "/pplug.safetensors", *made);
  auto loaded = dep::load_adapter(dir + "/pplug.safetensors", 16);
  REQUIRE(loaded->method() == "pplug");
  CHECK(std::dynamic_pointer_cast<dep::PplugAdapter>(loaded)->config().softmax_includes_padding);
  auto a = dep::adapter_tensors(*made), b = dep::adapter_tensors(*loaded);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(torch::equal(a[i].second, b[i].second));
  // Another hidden size, and a DEP adapter reading the PPlug file, are refused naming both.
  CHECK_THROWS_WITH(dep::load_adapter(dir + "/pplug.safetensors", 32), Catch::Contains("hidden size 16"));
  dep::AdapterConfig dep_config;
  dep_config.embedding_dim = 8;
  dep_config.latent_dim = 4;
  dep::DepAdapter dep_adapter(dep_config, 16);
  CHECK_THROWS_WITH(dep::load_adapter_weights(dir + "/pplug.safetensors", dep_adapter),
                    Catch::Contains("'pplug'") && Catch::Contains("'dep'"));
}
