// The bf16 small-batch CPU linear (decode fast path), both kernels, against an fp32 reference.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "../../src/decoder/kernels/linear.h"

namespace {

// Checks one shape; false when the fast path is unavailable on this CPU.
bool check_shape(int64_t rows, int64_t K, bool with_bias) {
  auto x = torch::randn({rows, 1, K}).to(torch::kBFloat16);
  auto w = torch::randn({53, K}).to(torch::kBFloat16);
  auto b = with_bias ? torch::randn({53}).to(torch::kBFloat16) : torch::Tensor();
  auto fast = dep::detail::small_batch_linear_bf16(x, w, b);
  if (!fast.defined()) return false;
  REQUIRE(fast.sizes() == torch::IntArrayRef({rows, 1, 53}));
  auto ref = torch::linear(x.to(torch::kFloat32), w.to(torch::kFloat32), with_bias ? b.to(torch::kFloat32) : torch::Tensor());
  // One bf16 rounding of the fp32 result: relative 2^-8 of the magnitude.
  auto err = (fast.to(torch::kFloat32) - ref).abs();
  auto bound = ref.abs() * (1.0 / 256) + 1e-3;
  INFO("avx2 " << dep::detail::force_avx2_for_tests << " rows " << rows << " K " << K << " bias " << with_bias);
  CHECK((err <= bound).all().item<bool>());
  return true;
}

}  // namespace

TEST_CASE("bf16 small-batch linear matches fp32 math within bf16 rounding", "[cpu_linear]") {
  torch::manual_seed(0);
  for (bool avx2 : {false, true}) {
    dep::detail::force_avx2_for_tests = avx2;
    for (int64_t rows : {1, 3, 4, 7, 8, 9, 16}) {
      for (int64_t K : {37, 64, 96, 896}) {
        for (bool with_bias : {false, true}) {
          if (!check_shape(rows, K, with_bias)) {
            WARN("no AVX2/FMA: the fast path is off on this CPU");
            dep::detail::force_avx2_for_tests = false;
            return;
          }
        }
      }
    }
  }
  dep::detail::force_avx2_for_tests = false;
  // Too many rows or other dtypes fall through to torch::linear.
  CHECK_FALSE(dep::detail::small_batch_linear_bf16(torch::randn({17, 8}).to(torch::kBFloat16),
                                                   torch::randn({4, 8}).to(torch::kBFloat16), {}).defined());
  CHECK_FALSE(dep::detail::small_batch_linear_bf16(torch::randn({1, 8}), torch::randn({4, 8}), {}).defined());
}

TEST_CASE("bf16 small-batch linear: a row's output does not depend on the rows beside it", "[cpu_linear]") {
  // The batch-1 path groups weight rows, the batched one groups x rows; both must sum each output
  // in the same order, so a decode step's token does not depend on the batch it runs in.
  torch::manual_seed(1);
  for (bool avx2 : {false, true}) {
    dep::detail::force_avx2_for_tests = avx2;
    for (int64_t K : {37, 96, 896}) {
      auto x = torch::randn({5, K}).to(torch::kBFloat16);
      auto w = torch::randn({53, K}).to(torch::kBFloat16);
      auto b = torch::randn({53}).to(torch::kBFloat16);
      auto batched = dep::detail::small_batch_linear_bf16(x, w, b);
      if (!batched.defined()) break;
      for (int64_t r = 0; r < 5; ++r) {
        auto alone = dep::detail::small_batch_linear_bf16(x.narrow(0, r, 1), w, b);
        INFO("avx2 " << avx2 << " K " << K << " row " << r);
        CHECK(torch::equal(alone[0], batched[r]));
      }
    }
  }
  dep::detail::force_avx2_for_tests = false;
}
