// y = x W^T + b for the decoder's frozen weights, one op with a kernel per device beside it
// (linear.cpp dispatches; linear_cpu.cpp is the CPU bf16 kernel; a linear_cuda.cu would sit here
// too). Private to dep_decoder.
#pragma once

#include <torch/types.h>

namespace dep::detail {

// Anything that needs autograd, and every case no device kernel takes, goes to torch::linear.
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias = {});

// The CPU kernel (linear_cpu.cpp): LibTorch's bf16 matmul with a handful of rows runs far below
// memory bandwidth, so a few rows (M ≤ 16) against a bf16 weight go through a bandwidth-bound
// kernel (AVX512-BF16 or AVX2/FMA; fp32 accumulation, one rounding to bf16).
// x [..., K] bf16 CPU, weight [N, K] bf16, bias [N] bf16 or undefined. Returns an undefined tensor
// when it does not apply (no AVX2/FMA, too many rows, other dtypes or devices).
torch::Tensor small_batch_linear_bf16(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// CPUs with AVX512-BF16 use VDPBF16PS; tests set this to also exercise the AVX2 kernel.
extern bool force_avx2_for_tests;

}  // namespace dep::detail
