// The streaming kernel behind ModelLinear. A pass takes up to 8 input rows against a tile of
// weight rows (as many as leave 12 of the 16 vector registers to accumulators), eight lanes
// of K per step: each weight row is read from memory once for all of the pass's rows, which
// stay in L1/L2. Calls of 9-16 rows make a second pass over a chunk of weight rows still in L2.
#include "faq/model/skinny_linear.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FAQ_SKINNY_AVX2 1
#endif

namespace faq {
namespace {

#ifdef FAQ_SKINNY_AVX2

constexpr int64_t kMaxPassRows = 8;
// How far ahead of its reads a weight row is prefetched (16 KiB): a tile over 8 input rows
// reads one weight row at a time, too few streams for the hardware prefetcher alone to keep
// memory busy (SmolLM2 decode, 8 rows: 4.5 GB/s without, 6-8 GB/s with, of about 13).
constexpr int64_t kPrefetchFloats = 4096;

__attribute__((target("avx2,fma"))) inline float HorizontalSum(__m256 v) {
  const __m128 pair = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 quad = _mm_add_ps(pair, _mm_movehl_ps(pair, pair));
  return _mm_cvtss_f32(_mm_add_ss(quad, _mm_shuffle_ps(quad, quad, 1)));
}

// out[m][n] = Σ_k x[m][k]·w[n][k] for NW weight rows from `w` and MI input rows from `x`.
// Every (m, n) pair runs the same instruction sequence whatever NW and MI are, so results
// do not depend on the tile a pair falls in.
template <int NW, int MI>
__attribute__((target("avx2,fma"))) void DotTile(const float* x, const float* w, int64_t k, float* out,
                                                 int64_t out_stride) {
  __m256 acc[MI][NW];
  for (int m = 0; m < MI; ++m) {
    for (int j = 0; j < NW; ++j) acc[m][j] = _mm256_setzero_ps();
  }
  const int64_t vector_end = k - k % 8;
  for (int64_t i = 0; i < vector_end; i += 8) {
    __m256 wv[NW];
    for (int j = 0; j < NW; ++j) {
      _mm_prefetch(reinterpret_cast<const char*>(w + j * k + i + kPrefetchFloats), _MM_HINT_T0);
      wv[j] = _mm256_loadu_ps(w + j * k + i);
    }
    for (int m = 0; m < MI; ++m) {
      const __m256 xv = _mm256_loadu_ps(x + m * k + i);
      for (int j = 0; j < NW; ++j) acc[m][j] = _mm256_fmadd_ps(xv, wv[j], acc[m][j]);
    }
  }
  for (int m = 0; m < MI; ++m) {
    for (int j = 0; j < NW; ++j) {
      float sum = HorizontalSum(acc[m][j]);
      for (int64_t i = vector_end; i < k; ++i) sum += x[m * k + i] * w[j * k + i];
      out[m * out_stride + j] = sum;
    }
  }
}

// Weight rows [begin, end) against input rows [m0, m0 + MI): NW weight rows a tile, as many as
// leave registers for the MI·NW accumulators (at most 12), prefetching 16 KiB ahead.
template <int MI>
__attribute__((target("avx2,fma"))) void DotRowRange(const float* x, const float* w, int64_t k, int64_t begin,
                                                     int64_t end, float* out, int64_t n) {
  constexpr int NW = MI == 1 ? 8 : std::min(4, 12 / MI);
  int64_t j = begin;
  for (; j + NW <= end; j += NW) DotTile<NW, MI>(x, w + j * k, k, out + j, n);
  for (; j < end; ++j) DotTile<1, MI>(x, w + j * k, k, out + j, n);
}

void DotRows(const float* x, int64_t m0, int64_t mi, const float* w, int64_t k, int64_t begin, int64_t end,
             float* out, int64_t n) {
  x += m0 * k;
  out += m0 * n;
  switch (mi) {
    case 1: return DotRowRange<1>(x, w, k, begin, end, out, n);
    case 2: return DotRowRange<2>(x, w, k, begin, end, out, n);
    case 3: return DotRowRange<3>(x, w, k, begin, end, out, n);
    case 4: return DotRowRange<4>(x, w, k, begin, end, out, n);
    case 5: return DotRowRange<5>(x, w, k, begin, end, out, n);
    case 6: return DotRowRange<6>(x, w, k, begin, end, out, n);
    case 7: return DotRowRange<7>(x, w, k, begin, end, out, n);
    default: return DotRowRange<8>(x, w, k, begin, end, out, n);
  }
}

void StreamWeight(const float* x, int64_t rows, const float* w, int64_t n, int64_t k, float* out) {
  // Each thread takes a contiguous run of weight rows: one sequential stream per thread.
  // Input rows go in groups of up to 8 per pass; a 16-row call reads the weight twice,
  // the second time mostly from cache when the chunk is small.
  const int64_t grain = std::max<int64_t>(64, 65536 / std::max<int64_t>(k, 1));
  at::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
    for (int64_t chunk = begin; chunk < end; chunk += grain) {
      const int64_t chunk_end = std::min(end, chunk + grain);
      for (int64_t m0 = 0; m0 < rows; m0 += kMaxPassRows) {
        DotRows(x, m0, std::min<int64_t>(kMaxPassRows, rows - m0), w, k, chunk, chunk_end, out, n);
      }
    }
  });
}

bool CpuHasAvx2Fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

#endif  // FAQ_SKINNY_AVX2

}  // namespace

bool TakesSkinnyKernel(const at::Tensor& x, const at::Tensor& weight) {
#ifdef FAQ_SKINNY_AVX2
  if (!CpuHasAvx2Fma()) return false;
  // The kernel records no autograd graph: training (tools/train_family) keeps at::linear.
  if (at::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad())) return false;
  if (!x.device().is_cpu() || !weight.device().is_cpu()) return false;
  if (x.scalar_type() != at::kFloat || weight.scalar_type() != at::kFloat) return false;
  if (weight.dim() != 2 || x.dim() < 1 || x.size(-1) != weight.size(1) || !weight.is_contiguous()) return false;
  const int64_t k = weight.size(1);
  return k > 0 && x.numel() / k <= kSkinnyRows;
#else
  (void)x;
  (void)weight;
  return false;
#endif
}

at::Tensor ModelLinear(const at::Tensor& x, const at::Tensor& weight, const std::optional<at::Tensor>& bias) {
#ifdef FAQ_SKINNY_AVX2
  const bool bias_needs_grad = bias.has_value() && bias->defined() && bias->requires_grad() && at::GradMode::is_enabled();
  if (!bias_needs_grad && TakesSkinnyKernel(x, weight)) {
    const int64_t n = weight.size(0), k = weight.size(1);
    const at::Tensor flat = x.reshape({-1, k}).contiguous();
    at::Tensor out = at::empty({flat.size(0), n}, x.options());
    StreamWeight(flat.const_data_ptr<float>(), flat.size(0), weight.const_data_ptr<float>(), n, k,
                 out.mutable_data_ptr<float>());
    if (bias.has_value() && bias->defined()) out.add_(*bias);
    auto sizes = x.sizes().vec();
    sizes.back() = n;
    return out.view(sizes);
  }
#endif
  return at::linear(x, weight, bias);
}

}  // namespace faq
