// y = x W^T + b for the decode step on CPU: LibTorch's bf16 matmul with a handful of rows runs far
// below memory bandwidth, so a few rows (M ≤ 16) against a bf16 weight go through a
// bandwidth-bound kernel (AVX512-BF16 or AVX2/FMA; fp32 accumulation, one rounding to bf16). Everything
// else, and anything that needs autograd, goes to torch::linear. Private to dep_model.
#pragma once

#include <torch/torch.h>

namespace dep::detail {

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias = {});

// The kernel alone (for tests): x [..., K] bf16 CPU, weight [N, K] bf16, bias [N] bf16 or undefined.
// Returns an undefined tensor when it does not apply (no AVX2/FMA, too many rows, other dtypes).
torch::Tensor small_batch_linear_bf16(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// CPUs with AVX512-BF16 use VDPBF16PS; tests set this to also exercise the AVX2 kernel.
extern bool force_avx2_for_tests;

}  // namespace dep::detail
