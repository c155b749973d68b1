// The DEP adapter's structure: reference parameter names, trainable counts at the 7B shape,
// variants, initialisation, its soft prompt and placeholders, injection, collation and adapter
// files (metadata, the registry, wrong-method and wrong-size errors).
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>

#include "dep/adapter/dep_adapter.h"
#include "dep/adapter/dep_batch.h"
#include "dep/core/safetensors.h"
#include "dep/decoder/soft_prompt.h"
#include "dep/core/error.h"
#include "test_paths.h"

namespace {

std::vector<std::string> names_of(const dep::Adapter& adapter) {
  std::vector<std::string> out;
  for (const auto& [name, tensor] : dep::adapter_tensors(adapter)) out.push_back(name);
  return out;
}

dep::AdapterConfig small_config(dep::AutoencoderVariant variant = dep::AutoencoderVariant::kSae) {
  dep::AdapterConfig c;
  c.variant = variant;
  c.embedding_dim = 6;
  c.latent_dim = 4;
  return c;
}

}  // namespace

TEST_CASE("the adapter has the reference parameter names and 30,424,576 parameters at the 7B shape", "[adapter]") {
  torch::manual_seed(0);
  dep::AdapterConfig config;  // 1024 → 512 SAE
  auto adapter = std::make_shared<dep::DepAdapter>(config, 3584);  // Qwen2.5-7B hidden size
  CHECK(names_of(*adapter) == std::vector<std::string>{
                                  "sae.encoder.0.weight", "sae.encoder.0.bias", "sae.decoder.0.weight",
                                  "sae.decoder.0.bias", "align_mlp_his.0.weight", "align_mlp_his.0.bias",
                                  "align_mlp_his.2.weight", "align_mlp_his.2.bias", "align_mlp_diff.0.weight",
                                  "align_mlp_diff.0.bias", "align_mlp_diff.2.weight", "align_mlp_diff.2.bias"});
  CHECK(adapter->trainable_parameter_count() == 30424576);
  int64_t sae = 0;
  for (const auto& p : adapter->sae->parameters()) sae += p.numel();
  CHECK(sae == 1050112);
  int64_t mlp = 0;
  for (const auto& p : adapter->align_mlp_his->parameters()) mlp += p.numel();
  CHECK(mlp == 14687232);
  auto shapes = dep::adapter_tensors(*adapter);
  CHECK(shapes[0].second.sizes().vec() == std::vector<int64_t>{512, 1024});
  CHECK(shapes[6].second.sizes().vec() == std::vector<int64_t>{3584, 3584});
}

TEST_CASE("the none variant feeds raw embeddings to the projectors and has no SAE", "[adapter]") {
  auto none = std::make_shared<dep::DepAdapter>(small_config(dep::AutoencoderVariant::kNone), 8);
  CHECK(!none->sae);
  CHECK(names_of(*none).size() == 8);
  CHECK(none->align_mlp_his->in->weight.size(1) == 6);
  // 2 × (6·8 + 8 + 8·8 + 8)
  CHECK(none->trainable_parameter_count() == 2 * (6 * 8 + 8 + 8 * 8 + 8));
  auto ae = std::make_shared<dep::DepAdapter>(small_config(dep::AutoencoderVariant::kAe), 8);
  CHECK(ae->sae);
  auto out = none->forward_block(torch::randn({2, 6, 6}));
  CHECK(!out.code.defined());
  CHECK(out.his.sizes().vec() == std::vector<int64_t>{2, 3, 8});
  // The raw rows go straight in: his = MLP_his(x[:, :3]).
  CHECK(torch::allclose(out.his, none->align_mlp_his->forward(out.sae_input.narrow(1, 0, 3))));
}

TEST_CASE("the hidden size must match the LLM", "[adapter]") {
  auto c = small_config();
  c.hidden_size = 16;
  CHECK_THROWS_WITH(dep::DepAdapter(c, 8), Catch::Contains("adapter.hidden_size") && Catch::Contains("16"));
  c.hidden_size = 8;
  CHECK_NOTHROW(dep::DepAdapter(c, 8));
}

TEST_CASE("Xavier-uniform init (paper) and N(0, 0.02) init (HF default) with zero biases", "[adapter]") {
  torch::manual_seed(1);
  dep::AdapterConfig c;
  c.embedding_dim = 256;
  c.latent_dim = 128;
  auto xavier = std::make_shared<dep::DepAdapter>(c, 192);
  for (const auto& [name, t] : dep::adapter_tensors(*xavier)) {
    INFO(name);
    if (t.dim() == 1) {
      CHECK(t.abs().max().item<double>() == 0.0);
      continue;
    }
    const double bound = std::sqrt(6.0 / static_cast<double>(t.size(0) + t.size(1)));
    CHECK(t.abs().max().item<double>() <= bound);
    // Uniform on [-b, b] has std b/√3.
    CHECK(t.std().item<double>() == Approx(bound / std::sqrt(3.0)).epsilon(0.05));
  }
  c.init = dep::AdapterInit::kNormal;
  auto normal = std::make_shared<dep::DepAdapter>(c, 192);
  for (const auto& [name, t] : dep::adapter_tensors(*normal)) {
    INFO(name);
    if (t.dim() == 1) {
      CHECK(t.abs().max().item<double>() == 0.0);
    } else {
      CHECK(t.std().item<double>() == Approx(0.02).epsilon(0.05));
      CHECK(std::abs(t.mean().item<double>()) < 0.002);
    }
  }
}

TEST_CASE("the SAE is Linear+exact GELU twice and the code feeds the projectors", "[adapter]") {
  torch::manual_seed(2);
  auto adapter = std::make_shared<dep::DepAdapter>(small_config(), 8);
  auto x = torch::randn({2, 6, 6});
  auto out = adapter->forward_block(x);
  auto& enc = adapter->sae->encoder;
  auto w = adapter->sae->encoder->named_parameters()["0.weight"];
  auto b = adapter->sae->encoder->named_parameters()["0.bias"];
  auto pre = torch::matmul(x, w.t()) + b;
  auto exact_gelu = 0.5 * pre * (1 + torch::erf(pre / std::sqrt(2.0)));
  CHECK(torch::allclose(out.code, exact_gelu, 1e-6, 1e-6));
  (void)enc;
  auto wd = adapter->sae->decoder->named_parameters()["0.weight"];
  auto bd = adapter->sae->decoder->named_parameters()["0.bias"];
  auto pre_d = torch::matmul(out.code, wd.t()) + bd;
  CHECK(torch::allclose(out.reconstruction, 0.5 * pre_d * (1 + torch::erf(pre_d / std::sqrt(2.0))), 1e-6, 1e-6));
  CHECK(torch::allclose(out.his, adapter->align_mlp_his->forward(out.code.narrow(1, 0, 3))));
  CHECK(torch::allclose(out.diff, adapter->align_mlp_diff->forward(out.code.narrow(1, 3, 3))));
}

TEST_CASE("his-only and diff-only adapters project and autoencode one stream", "[adapter]") {
  torch::manual_seed(3);
  auto c = small_config();
  c.inject = dep::InjectedStreams::kHis;
  auto his = std::make_shared<dep::DepAdapter>(c, 8);
  auto x = torch::randn({1, 6, 6});
  auto out = his->forward_block(x);
  CHECK(out.his.defined());
  CHECK(!out.diff.defined());
  CHECK(torch::equal(out.sae_input, x.narrow(1, 0, 3)));
  c.inject = dep::InjectedStreams::kDiff;
  auto diff = std::make_shared<dep::DepAdapter>(c, 8);
  auto out_d = diff->forward_block(x);
  CHECK(!out_d.his.defined());
  CHECK(torch::equal(out_d.sae_input, x.narrow(1, 3, 3)));
  CHECK(torch::allclose(out_d.diff, diff->align_mlp_diff->forward(out_d.code)));
}

TEST_CASE("injection replaces exactly the placeholder rows and passes gradients to the vectors", "[adapter]") {
  auto embeds = torch::arange(2 * 5 * 3, torch::kFloat32).reshape({2, 5, 3});
  // Placeholder 100 at (0,1) and (1,4); placeholder 101 only at (1,0).
  auto ids = torch::tensor({7, 100, 7, 7, 7, 101, 7, 7, 7, 100}, torch::kLong).reshape({2, 5});
  auto vectors = torch::full({2, 2, 3}, -1.0f).requires_grad_(true);
  {
    torch::NoGradGuard g;
    vectors.select(0, 1).select(0, 0).fill_(-2.0f);
    vectors.select(0, 1).select(0, 1).fill_(-3.0f);
  }
  auto out = dep::inject_soft_prompt(embeds, ids, {100, 101}, vectors);
  auto expected = embeds.clone();
  expected[0][1].fill_(-1.0f);
  expected[1][4].fill_(-2.0f);
  expected[1][0].fill_(-3.0f);
  CHECK(torch::equal(out, expected));
  auto weights = torch::arange(30, torch::kFloat32).reshape({2, 5, 3});
  (out * weights).sum().backward();
  auto g = vectors.grad();
  CHECK(torch::equal(g[0][0], weights[0][1]));
  CHECK(g[0][1].abs().sum().item<float>() == 0.0f);  // placeholder absent from the text: no gradient
  CHECK(torch::equal(g[1][0], weights[1][4]));
  CHECK(torch::equal(g[1][1], weights[1][0]));
  // bf16 embeddings take bf16 copies of the fp32 vectors.
  auto bf = dep::inject_soft_prompt(embeds.to(torch::kBFloat16), ids, {100, 101}, vectors.detach());
  CHECK(bf.scalar_type() == torch::kBFloat16);
}

TEST_CASE("the DEP soft prompt is his then diff, each replacing its placeholder tokens", "[adapter]") {
  torch::manual_seed(5);
  auto adapter = std::make_shared<dep::DepAdapter>(small_config(), 8);
  auto x = torch::randn({2, 6, 6});
  const auto parts = adapter->forward_block(x);
  const auto out = adapter->forward({{"his_diff", x}});
  CHECK(out.placeholders == std::vector<std::string>{"[HIS_TOKEN_0]", "[HIS_TOKEN_1]", "[HIS_TOKEN_2]",
                                                     "[DIFF_TOKEN_0]", "[DIFF_TOKEN_1]", "[DIFF_TOKEN_2]"});
  CHECK(torch::equal(out.vectors, torch::cat({parts.his, parts.diff}, 1)));
  CHECK(adapter->input_names() == std::vector<std::string>{"his_diff"});
  // Its aux losses are the SAE's: reconstruction and KL sparsity.
  dep::DepLossTerms terms;
  adapter->add_aux_losses(out, dep::LossConfig{}, terms);
  CHECK(terms.recon.item<double>() == Approx(dep::reconstruction_loss(parts.reconstruction, x, 1.0).item<double>()));
  CHECK(terms.sparse.item<double>() == Approx(dep::sparsity_loss(parts.code, 0.05, 1e-6).item<double>()));
  auto c = small_config();
  c.inject = dep::InjectedStreams::kDiff;
  const auto diff_only = std::make_shared<dep::DepAdapter>(c, 8)->forward({{"his_diff", x}});
  CHECK(diff_only.placeholders == std::vector<std::string>{"[DIFF_TOKEN_0]", "[DIFF_TOKEN_1]", "[DIFF_TOKEN_2]"});
  CHECK(diff_only.vectors.sizes().vec() == std::vector<int64_t>{2, 3, 8});
  // Embeddings of another width than the adapter's are bad input, named.
  CHECK_THROWS_WITH(adapter->forward({{"his_diff", torch::randn({2, 6, 5})}}), Catch::Contains("his_diff"));
}

TEST_CASE("collation left-pads and shifts placeholder positions", "[adapter]") {
  dep::DepSample a, b;
  for (auto* s : {&a, &b}) {
    s->slots = 2;
    s->dim = 3;
    s->his_diff.assign(12, 0.0f);
    s->pad_id = 151643;  // Qwen2.5's <|endoftext|>
  }
  a.sample_id = "a";
  b.sample_id = "b";
  a.input_ids = {10, 11, 12, 13, 14};
  a.labels = {-100, -100, -100, 13, 14};
  a.his_positions = {1, -1};
  a.diff_positions = {2, -1};
  b.input_ids = {20, 21, 22};
  b.labels = {-100, 21, 22};
  b.his_positions = {0, 1};
  b.diff_positions = {-1, -1};
  b.his_diff[5] = 7.0f;
  auto batch = dep::collate_samples({&a, &b});
  CHECK(torch::equal(batch.input_ids[1], torch::tensor(std::vector<int64_t>{151643, 151643, 20, 21, 22})));
  CHECK(torch::equal(batch.attention_mask[1], torch::tensor({0, 0, 1, 1, 1}, torch::kLong)));
  CHECK(torch::equal(batch.labels[1], torch::tensor({-100, -100, -100, 21, 22}, torch::kLong)));
  CHECK(torch::equal(batch.his_positions, torch::tensor({1, -1, 2, 3}, torch::kLong).reshape({2, 2})));
  CHECK(torch::equal(batch.diff_positions, torch::tensor({2, -1, -1, -1}, torch::kLong).reshape({2, 2})));
  CHECK(batch.his_diff[1][1][2].item<float>() == 7.0f);
  CHECK(batch.label_tokens() == 4);
  CHECK(dep::sample_label_tokens(a) == 2);
  b.dim = 4;
  CHECK_THROWS_WITH(dep::collate_samples({&a, &b}), Catch::Contains("sample b"));
}

TEST_CASE("placeholder positions are found from ids", "[adapter]") {
  auto ids = torch::tensor({5, 280, 7, 290, 281, 1, 2, 3, 4, 6}, torch::kLong).reshape({2, 5});
  auto pos = dep::placeholder_positions(ids, {280, 281});
  CHECK(torch::equal(pos, torch::tensor({1, 4, -1, -1}, torch::kLong).reshape({2, 2})));
  auto twice = torch::tensor({280, 280}, torch::kLong).reshape({1, 2});
  CHECK_THROWS_WITH(dep::placeholder_positions(twice, {280}), Catch::Contains("twice"));
}

TEST_CASE("sparsity and reconstruction losses follow their definitions", "[adapter]") {
  // ρ̂ = ρ gives zero KL; the code is averaged over rows per sample, then KL is averaged.
  auto code = torch::full({2, 4, 3}, 0.05);
  CHECK(dep::sparsity_loss(code, 0.05, 1e-6).item<double>() == Approx(0.0).margin(1e-7));
  auto c2 = torch::zeros({1, 2, 2});
  c2[0][0][0] = 0.2;   // ρ̂ = 0.1
  c2[0][1][0] = 0.0;
  c2[0][0][1] = -0.3;  // ρ̂ < 0 → clamped to 1e-6
  const double rho = 0.05;
  auto kl = [&](double q) { return rho * std::log(rho / q) + (1 - rho) * std::log((1 - rho) / (1 - q)); };
  CHECK(dep::sparsity_loss(c2, rho, 1e-6).item<double>() == Approx((kl(0.1) + kl(1e-6)) / 2).epsilon(1e-5));
  // Clamped units get no gradient.
  auto leaf = c2.clone().requires_grad_(true);
  dep::sparsity_loss(leaf, rho, 1e-6).backward();
  CHECK(leaf.grad()[0][0][1].item<double>() == 0.0);
  CHECK(leaf.grad()[0][0][0].item<double>() != 0.0);
  // smooth-L1 with beta 1: 0.5 d² below 1, |d| - 0.5 above, averaged over elements.
  auto x = torch::tensor({0.0, 0.0, 0.0, 0.0});
  auto y = torch::tensor({0.5, -2.0, 0.0, 1.0});
  CHECK(dep::reconstruction_loss(y, x, 1.0).item<double>() == Approx((0.125 + 1.5 + 0 + 0.5) / 4));
}

TEST_CASE("next-token targets shift labels by one like HF", "[adapter]") {
  auto labels = torch::tensor({-100, -100, 5, 6, -100, 7, 8, -100}, torch::kLong).reshape({2, 4});
  auto t = dep::next_token_targets(labels);
  // Row b·T + t predicts labels[b, t+1]: (0,1)→5, (0,2)→6, (1,0)→7, (1,1)→8.
  CHECK(torch::equal(t.rows, torch::tensor({1, 2, 4, 5}, torch::kLong)));
  CHECK(torch::equal(t.targets, torch::tensor({5, 6, 7, 8}, torch::kLong)));
}

TEST_CASE("label rows as slices equal index_select, values and gradients", "[adapter]") {
  // Sample 0 labels a suffix, sample 1 a middle run, sample 2 nothing; then a sample with two runs.
  auto labels = torch::full({3, 6}, -100, torch::kLong);
  labels[0].narrow(0, 3, 3).fill_(4);
  labels[1].narrow(0, 1, 3).fill_(5);
  auto t = dep::next_token_targets(labels);
  REQUIRE(t.spans.size() == 2);
  CHECK(t.spans[0].sample == 0);
  CHECK(t.spans[0].first == 2);
  CHECK(t.spans[0].count == 3);
  CHECK(t.spans[1].sample == 1);
  CHECK(t.spans[1].first == 0);
  CHECK(t.spans[1].count == 3);
  auto split = labels.clone();
  split[2][1] = 7;
  split[2][4] = 8;
  CHECK(dep::next_token_targets(split).spans.empty());
  for (const auto& lab : {labels, split}) {
    auto targets = dep::next_token_targets(lab);
    torch::manual_seed(9);
    auto hidden = torch::randn({3, 6, 5}, torch::kFloat64).requires_grad_(true);
    auto rows = dep::label_rows(hidden, targets);
    auto reference = hidden.reshape({-1, 5}).index_select(0, targets.rows);
    CHECK(torch::equal(rows, reference));
    auto g = torch::randn_like(rows);
    auto got = torch::autograd::grad({rows}, {hidden}, {g})[0];
    auto expected = torch::autograd::grad({reference}, {hidden}, {g})[0];
    CHECK(torch::equal(got, expected));
  }
}

TEST_CASE("adapter files round-trip with their config and reject mismatches by name", "[adapter]") {
  torch::manual_seed(4);
  auto c = small_config();
  c.init = dep::AdapterInit::kNormal;
  auto a = std::make_shared<dep::DepAdapter>(c, 8);
  const std::string dir = dep::test::scratch_dir("adapter_io");
  const std::string path = dir + "/adapter.safetensors";
  dep::save_adapter(path, *a);
  // The file alone rebuilds the adapter: method, config and hidden size are in its metadata.
  auto b = dep::load_adapter(path, 8);
  REQUIRE(b->method() == "dep");
  const auto back_config = std::dynamic_pointer_cast<dep::DepAdapter>(b)->config();
  CHECK(back_config.hidden_size == 8);
  CHECK(back_config.init == dep::AdapterInit::kNormal);
  CHECK(back_config.latent_dim == 4);
  auto ta = dep::adapter_tensors(*a), tb = dep::adapter_tensors(*b);
  for (size_t i = 0; i < ta.size(); ++i) CHECK(torch::equal(ta[i].second, tb[i].second));
  auto wider = small_config();
  wider.latent_dim = 5;
  auto c5 = std::make_shared<dep::DepAdapter>(wider, 8);
  CHECK_THROWS_WITH(dep::load_adapter_weights(path, *c5),
                    Catch::Contains("sae.encoder.0.weight: expected [5, 6], found [4, 6]"));
  auto none = std::make_shared<dep::DepAdapter>(small_config(dep::AutoencoderVariant::kNone), 8);
  CHECK_THROWS_WITH(dep::load_adapter_weights(path, *none), Catch::Contains("sae.decoder.0.bias: not a parameter"));
}

TEST_CASE("the adapter registry builds methods by name; files of another size or method are refused", "[adapter]") {
  CHECK(dep::adapter_methods() == std::vector<std::string>{"dep", "pplug"});
  auto made = dep::make_adapter("dep", nlohmann::json{{"embedding_dim", 6}, {"latent_dim", 4}}, 8);
  CHECK(made->method() == "dep");
  CHECK(made->hidden_size() == 8);
  CHECK(made->config_json().at("latent_dim") == 4);
  CHECK_THROWS_WITH(dep::make_adapter("lora", nlohmann::json::object(), 8),
                    Catch::Contains("'lora'") && Catch::Contains("dep, pplug"));

  const std::string dir = dep::test::scratch_dir("adapter_registry");
  const std::string path = dir + "/adapter.safetensors";
  dep::save_adapter(path, *made);
  auto wider = std::make_shared<dep::DepAdapter>(small_config(), 16);
  CHECK_THROWS_WITH(dep::load_adapter_weights(path, *wider),
                    Catch::Contains("hidden size 8") && Catch::Contains("hidden size 16"));
  CHECK_THROWS_WITH(dep::load_adapter(path, 16), Catch::Contains("hidden size 8") && Catch::Contains("16"));
  // A file written by another method (here: its metadata says so) is refused naming both.
  auto metadata = dep::adapter_metadata(*made);
  metadata["dep.adapter_method"] = "pplug";
  const std::string other = dir + "/other.safetensors";
  dep::save_safetensors(other, dep::adapter_tensors(*made), metadata);
  CHECK_THROWS_WITH(dep::load_adapter_weights(other, *made), Catch::Contains("'pplug'") && Catch::Contains("'dep'"));
  // A reference checkpoint (no metadata) still loads through DEP's reader of its tensor shapes.
  const std::string reference = dir + "/reference.safetensors";
  dep::save_safetensors(reference, dep::adapter_tensors(*made), {{"format", "pt"}});
  auto loaded = dep::load_adapter(reference, 8);
  const auto ta = dep::adapter_tensors(*made), tb = dep::adapter_tensors(*loaded);
  REQUIRE(ta.size() == tb.size());
  for (size_t i = 0; i < ta.size(); ++i) CHECK(torch::equal(ta[i].second, tb[i].second));
}
