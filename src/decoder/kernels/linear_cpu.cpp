// The CPU kernel of the linear op: bandwidth-bound bf16 for a few rows (the CPU decode step); see linear.h.
#include "linear.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define DEP_HAVE_X86_KERNEL 1
#else
#define DEP_HAVE_X86_KERNEL 0
#endif

namespace dep::detail {

namespace {

constexpr int64_t kMaxRows = 16;

#if DEP_HAVE_X86_KERNEL
bool cpu_has_avx2_fma() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
}

__attribute__((target("avx2,fma"))) inline __m256 load_bf16x8(const uint16_t* p) {
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(raw), 16));
}

__attribute__((target("avx2,fma"))) inline float horizontal_sum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

inline float bf16_to_float(uint16_t v) {
  uint32_t bits = static_cast<uint32_t>(v) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// ROWS rows of x (fp32, row stride K) against one weight row (bf16), written to out[r * N].
template <int ROWS>
__attribute__((target("avx2,fma"))) inline void dot_rows(const float* x, const uint16_t* wr, float bias_value,
                                                         c10::BFloat16* out, int64_t K, int64_t N) {
  __m256 acc[ROWS];
  for (int r = 0; r < ROWS; ++r) acc[r] = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 8 <= K; k += 8) {
    const __m256 wv = load_bf16x8(wr + k);
    for (int r = 0; r < ROWS; ++r) acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x + r * K + k), wv, acc[r]);
  }
  for (int r = 0; r < ROWS; ++r) {
    float s = horizontal_sum(acc[r]);
    for (int64_t kk = k; kk < K; ++kk) s += x[r * K + kk] * bf16_to_float(wr[kk]);
    out[r * N] = c10::BFloat16(s + bias_value);
  }
}

// Weight rows [n_begin, n_end) against all M rows of x: each weight row is read from memory once
// and reused from L1 for every group of 4 rows.
__attribute__((target("avx2,fma"))) void kernel(const float* x, int64_t M, const uint16_t* w, const uint16_t* bias,
                                                c10::BFloat16* out, int64_t K, int64_t N, int64_t n_begin,
                                                int64_t n_end) {
  for (int64_t n = n_begin; n < n_end; ++n) {
    const uint16_t* wr = w + n * K;
    const float b = bias != nullptr ? bf16_to_float(bias[n]) : 0.0f;
    for (int64_t m0 = 0; m0 < M; m0 += 4) {
      const float* xr = x + m0 * K;
      c10::BFloat16* o = out + m0 * N + n;
      switch (std::min<int64_t>(4, M - m0)) {
        case 1: dot_rows<1>(xr, wr, b, o, K, N); break;
        case 2: dot_rows<2>(xr, wr, b, o, K, N); break;
        case 3: dot_rows<3>(xr, wr, b, o, K, N); break;
        default: dot_rows<4>(xr, wr, b, o, K, N); break;
      }
    }
  }
}

bool cpu_has_avx512_bf16() {
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16");
  return ok;
}

// The same with AVX512-BF16: VDPBF16PS multiplies bf16 pairs exactly and accumulates in fp32, 32
// weights per instruction, so several rows stay bandwidth-bound (x stays in bf16).
template <int ROWS>
__attribute__((target("avx512f,avx512bf16"))) inline void dot_rows_bf16(const uint16_t* x, const uint16_t* wr,
                                                                         float bias_value, c10::BFloat16* out,
                                                                         int64_t K, int64_t N) {
  __m512 acc[ROWS];
  for (int r = 0; r < ROWS; ++r) acc[r] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 32 <= K; k += 32) {
    const __m512bh wv = (__m512bh)_mm512_loadu_si512(wr + k);
    for (int r = 0; r < ROWS; ++r) {
      acc[r] = _mm512_dpbf16_ps(acc[r], (__m512bh)_mm512_loadu_si512(x + r * K + k), wv);
    }
  }
  for (int r = 0; r < ROWS; ++r) {
    float s = _mm512_reduce_add_ps(acc[r]);
    for (int64_t kk = k; kk < K; ++kk) s += bf16_to_float(x[r * K + kk]) * bf16_to_float(wr[kk]);
    out[r * N] = c10::BFloat16(s + bias_value);
  }
}

__attribute__((target("avx512f,avx512bf16"))) void kernel_bf16(const uint16_t* x, int64_t M, const uint16_t* w,
                                                               const uint16_t* bias, c10::BFloat16* out, int64_t K,
                                                               int64_t N, int64_t n_begin, int64_t n_end) {
  for (int64_t n = n_begin; n < n_end; ++n) {
    const uint16_t* wr = w + n * K;
    const float b = bias != nullptr ? bf16_to_float(bias[n]) : 0.0f;
    for (int64_t m0 = 0; m0 < M; m0 += 8) {
      const uint16_t* xr = x + m0 * K;
      c10::BFloat16* o = out + m0 * N + n;
      switch (std::min<int64_t>(8, M - m0)) {
        case 1: dot_rows_bf16<1>(xr, wr, b, o, K, N); break;
        case 2: dot_rows_bf16<2>(xr, wr, b, o, K, N); break;
        case 3: dot_rows_bf16<3>(xr, wr, b, o, K, N); break;
        case 4: dot_rows_bf16<4>(xr, wr, b, o, K, N); break;
        case 5: dot_rows_bf16<5>(xr, wr, b, o, K, N); break;
        case 6: dot_rows_bf16<6>(xr, wr, b, o, K, N); break;
        case 7: dot_rows_bf16<7>(xr, wr, b, o, K, N); break;
        default: dot_rows_bf16<8>(xr, wr, b, o, K, N); break;
      }
    }
  }
}
#endif

}  // namespace

bool force_avx2_for_tests = false;

torch::Tensor small_batch_linear_bf16(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
#if DEP_HAVE_X86_KERNEL
  if (!cpu_has_avx2_fma() || !x.device().is_cpu() || x.scalar_type() != torch::kBFloat16 ||
      weight.scalar_type() != torch::kBFloat16 || weight.dim() != 2 || !weight.is_contiguous() ||
      !weight.device().is_cpu()) {
    return {};
  }
  if (bias.defined() && (bias.scalar_type() != torch::kBFloat16 || !bias.is_contiguous())) return {};
  const int64_t K = weight.size(1), N = weight.size(0);
  if (x.size(-1) != K) return {};
  const int64_t M = x.numel() / K;
  if (M == 0 || M > kMaxRows) return {};
  auto out = torch::empty({M, N}, x.options());
  const auto* wp = reinterpret_cast<const uint16_t*>(weight.data_ptr<c10::BFloat16>());
  const auto* bp = bias.defined() ? reinterpret_cast<const uint16_t*>(bias.data_ptr<c10::BFloat16>()) : nullptr;
  auto* op = out.data_ptr<c10::BFloat16>();
  if (cpu_has_avx512_bf16() && !force_avx2_for_tests) {
    auto xb = x.reshape({M, K}).contiguous();
    const auto* xp = reinterpret_cast<const uint16_t*>(xb.data_ptr<c10::BFloat16>());
    at::parallel_for(0, N, 16, [&](int64_t begin, int64_t end) { kernel_bf16(xp, M, wp, bp, op, K, N, begin, end); });
  } else {
    auto xf = x.reshape({M, K}).to(torch::kFloat32).contiguous();
    const float* xp = xf.data_ptr<float>();
    at::parallel_for(0, N, 16, [&](int64_t begin, int64_t end) { kernel(xp, M, wp, bp, op, K, N, begin, end); });
  }
  auto sizes = x.sizes().vec();
  sizes.back() = N;
  return out.view(sizes);
#else
  return {};
#endif
}

}  // namespace dep::detail
