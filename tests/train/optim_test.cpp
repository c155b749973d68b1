// AdamW, gradient clipping and the linear schedule against PyTorch / transformers from the venv,
// and the step arithmetic of the reference run (docs/reference-behaviour.md §9).
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>

#include "dep/train/adamw.h"
#include "dep/train/lr_schedule.h"
#include "dep/torch/tensor_io.h"
#include "test_paths.h"

namespace {

std::string python() {
  const char* venv = std::getenv("DEP_VENV");
  return std::string(venv ? venv : DEP_SOURCE_DIR "/.venv") + "/bin/python3";
}

// Runs `script` with the venv's Python; false when the venv is missing (the test then fails).
int run_python(const std::string& script, const std::string& dir) {
  const std::string path = dir + "/check.py";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(script.c_str(), f);
    std::fclose(f);
  }
  return std::system((python() + " " + path + " " + dir).c_str());
}

}  // namespace

TEST_CASE("AdamW with decay on weights only and clipping matches torch.optim.AdamW", "[train][optim]") {
  const std::string dir = dep::test::scratch_dir("adamw_vs_torch");
  torch::manual_seed(11);
  auto w = torch::randn({4, 3}).requires_grad_(true);
  auto b = torch::randn({4}).requires_grad_(true);
  dep::NamedTensors inputs = {{"w0", w.detach().clone()}, {"b0", b.detach().clone()}};
  const std::vector<double> lrs = {0.0, 5e-3, 1e-2, 2e-3};
  std::vector<torch::Tensor> gw, gb;
  for (size_t k = 0; k < lrs.size(); ++k) {
    // Large gradients at step 2 so clipping engages; small ones elsewhere.
    const double scale = k == 2 ? 3.0 : 0.1;
    gw.push_back(torch::randn({4, 3}) * scale);
    gb.push_back(torch::randn({4}) * scale);
    inputs.emplace_back("gw" + std::to_string(k), gw.back());
    inputs.emplace_back("gb" + std::to_string(k), gb.back());
  }
  dep::save_safetensors(dir + "/inputs.safetensors", inputs);

  dep::AdamW opt;
  opt.add_param("layer.weight", w, dep::decays("layer.weight") ? 0.025 : 0.0);
  opt.add_param("layer.bias", b, dep::decays("layer.bias") ? 0.025 : 0.0);
  std::vector<double> norms;
  for (size_t k = 0; k < lrs.size(); ++k) {
    w.mutable_grad() = gw[k].clone();
    b.mutable_grad() = gb[k].clone();
    norms.push_back(dep::clip_grad_norm({w, b}, 1.0));
    opt.step(lrs[k]);
    opt.zero_grad();
  }
  const std::string script = R"PY(
import sys, torch
from safetensors.torch import load_file, save_file
d = sys.argv[1]
t = load_file(d + "/inputs.safetensors")
w = torch.nn.Parameter(t["w0"].clone()); b = torch.nn.Parameter(t["b0"].clone())
opt = torch.optim.AdamW([{"params": [w], "weight_decay": 0.025}, {"params": [b], "weight_decay": 0.0}],
                        lr=1.0, betas=(0.9, 0.999), eps=1e-8, foreach=False)
lrs = [0.0, 5e-3, 1e-2, 2e-3]
norms = []
for k, lr in enumerate(lrs):
    w.grad = t["gw%d" % k].clone(); b.grad = t["gb%d" % k].clone()
    norms.append(torch.nn.utils.clip_grad_norm_([w, b], 1.0).reshape(1))
    for g in opt.param_groups: g["lr"] = lr
    opt.step(); opt.zero_grad()
st = opt.state[w]
save_file({"w": w.detach(), "b": b.detach(), "m": st["exp_avg"], "v": st["exp_avg_sq"], "norms": torch.cat(norms)},
          d + "/expected.safetensors")
)PY";
  REQUIRE(run_python(script, dir) == 0);
  auto expected = dep::load_safetensors(dir + "/expected.safetensors");
  CHECK(torch::allclose(w.detach(), expected["w"], 1e-6, 1e-7));
  CHECK(torch::allclose(b.detach(), expected["b"], 1e-6, 1e-7));
  CHECK(torch::allclose(opt.params()[0].exp_avg, expected["m"], 1e-6, 1e-9));
  CHECK(torch::allclose(opt.params()[0].exp_avg_sq, expected["v"], 1e-6, 1e-12));
  for (size_t k = 0; k < norms.size(); ++k) CHECK(norms[k] == Approx(expected["norms"][k].item<double>()).epsilon(1e-6));
  CHECK(norms[2] > 1.0);  // clipping was exercised
  CHECK(opt.params()[0].step == 4);
}

TEST_CASE("AdamW state round-trips and rejects another parameter set", "[train][optim]") {
  auto w = torch::ones({2, 2}).requires_grad_(true);
  dep::AdamW opt;
  opt.add_param("w", w, 0.1);
  w.mutable_grad() = torch::full({2, 2}, 0.5);
  opt.step(0.1);
  std::map<std::string, torch::Tensor> state;
  for (const auto& [k, v] : opt.state()) state[k] = v.clone();
  auto w2 = torch::ones({2, 2}).requires_grad_(true);
  dep::AdamW other;
  other.add_param("w", w2, 0.1);
  other.load_state(state, "opt.safetensors");
  CHECK(other.params()[0].step == 1);
  CHECK(torch::equal(other.params()[0].exp_avg, opt.params()[0].exp_avg));
  auto x = torch::ones({3}).requires_grad_(true);
  dep::AdamW wrong;
  wrong.add_param("x", x, 0.0);
  CHECK_THROWS_WITH(wrong.load_state(state, "opt.safetensors"),
                    Catch::Contains("exp_avg.x: missing") && Catch::Contains("exp_avg.w: not a state"));
  // A parameter without a gradient is skipped, as torch does.
  dep::AdamW skip;
  auto y = torch::ones({2}).requires_grad_(true);
  skip.add_param("y", y, 0.5);
  skip.step(1.0);
  CHECK(skip.params()[0].step == 0);
  CHECK(torch::equal(y.detach(), torch::ones({2})));
}

TEST_CASE("weight decay groups: weights decay, biases do not", "[train][optim]") {
  CHECK(dep::decays("align_mlp_his.0.weight"));
  CHECK(dep::decays("sae.encoder.0.weight"));
  CHECK_FALSE(dep::decays("sae.encoder.0.bias"));
  CHECK_FALSE(dep::decays("model.norm.weight"));
}

TEST_CASE("the reference run's step arithmetic: 250 updates/epoch, 1250 in all, 13 warmup", "[train][schedule]") {
  CHECK(dep::updates_per_epoch(3996, 16) == 250);  // 249 × 16 + 1 × 12
  CHECK(dep::updates_per_epoch(32, 16) == 2);
  CHECK(dep::updates_per_epoch(3, 16) == 1);
  CHECK(dep::warmup_steps_for(1250, 0.01, 0) == 13);
  CHECK(dep::warmup_steps_for(1250, 0.01, 5) == 5);
}

TEST_CASE("the linear schedule matches transformers' get_linear_schedule_with_warmup", "[train][schedule]") {
  const std::string dir = dep::test::scratch_dir("schedule_vs_hf");
  const std::string script = R"PY(
import sys, torch
from safetensors.torch import save_file
from transformers import get_linear_schedule_with_warmup
out = {}
for total, warm in [(1250, 13), (7, 0), (10, 3)]:
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([p], lr=1e-5)
    s = get_linear_schedule_with_warmup(opt, warm, total)
    lrs = []
    for step in range(total + 2):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step(); s.step()
    out["lr_%d_%d" % (total, warm)] = torch.tensor(lrs, dtype=torch.float64)
save_file(out, sys.argv[1] + "/expected.safetensors")
)PY";
  REQUIRE(run_python(script, dir) == 0);
  auto expected = dep::load_safetensors(dir + "/expected.safetensors");
  for (auto [total, warm] : std::vector<std::pair<int64_t, int64_t>>{{1250, 13}, {7, 0}, {10, 3}}) {
    INFO(total << " " << warm);
    dep::LinearSchedule schedule(total, warm);
    auto lrs = expected.at("lr_" + std::to_string(total) + "_" + std::to_string(warm));
    for (int64_t step = 0; step < lrs.size(0); ++step) {
      CHECK(1e-5 * schedule.factor(step) == Approx(lrs[step].item<double>()).margin(1e-18));
    }
  }
}
