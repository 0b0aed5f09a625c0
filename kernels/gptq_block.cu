// GptqBlock: the in-block GPTQ column loop, one thread per output row.
#include "faq_kernels.h"

namespace faq::kernels {
namespace {

// Columns [i1, i2) are read from `stale` (their values when the block began), as the CPU twin does.
__device__ void FitGrid(const float* wt, const float* stale, int64_t i1, int64_t i2, int64_t n, int64_t row,
                        int64_t first, int64_t count, int bits, bool sym, float* scale, float* zero) {
  const float maxq = static_cast<float>((1 << bits) - 1);
  float lo = 0.f, hi = 0.f;  // the range always holds 0
  for (int64_t c = first; c < first + count; ++c) {
    const float v = c < i2 ? stale[(c - i1) * n + row] : wt[c * n + row];
    lo = fminf(lo, v);
    hi = fmaxf(hi, v);
  }
  if (sym) {
    hi = fmaxf(fabsf(lo), hi);
    if (lo < 0.f) lo = -hi;
  }
  if (lo == 0.f && hi == 0.f) {
    lo = -1.f;
    hi = 1.f;
  }
  *scale = (hi - lo) / maxq;
  *zero = sym ? static_cast<float>(1 << (bits - 1)) : nearbyintf(-lo / *scale);
}

__global__ void GptqBlockKernel(GptqBlockArgs a) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (row >= a.n) return;
  const float maxq = static_cast<float>((1 << a.bits) - 1);
  const int64_t i2 = a.i1 + a.count;
  float scale = 0.f, zero = 0.f;
  if (a.static_scale == nullptr && a.i1 % a.group_size != 0) {  // a group begun in an earlier block
    const int64_t g = a.i1 / a.group_size;
    scale = a.out_scale[g * a.n + row];
    zero = a.out_zero[g * a.n + row];
  }
  for (int64_t i = a.i1; i < i2; ++i) {
    if (a.static_scale != nullptr) {
      const int64_t g = a.col_group[i];
      scale = a.static_scale[g * a.n + row];
      zero = a.static_zero[g * a.n + row];
    } else if (i % a.group_size == 0) {
      FitGrid(a.wt, a.stale, a.i1, i2, a.n, row, i, a.group_size, a.bits, a.sym, &scale, &zero);
      const int64_t g = i / a.group_size;
      a.out_scale[g * a.n + row] = scale;
      a.out_zero[g * a.n + row] = zero;
    }
    const float w = a.wt[i * a.n + row];
    float q = fminf(fmaxf(nearbyintf(w / scale) + zero, 0.f), maxq);
    const float dq = scale * (q - zero);
    const float e = (w - dq) / a.u[i * a.k + i];
    a.codes[i * a.n + row] = q;
    a.deq[i * a.n + row] = dq;
    a.err[(i - a.i1) * a.n + row] = e;
    for (int64_t j = i + 1; j < i2; ++j) {
      const float pij = a.p != nullptr ? a.p[i * a.k + j] : 0.f;
      a.wt[j * a.n + row] -= e * a.u[i * a.k + j] - w * pij;
    }
  }
}

}  // namespace

void GptqBlock(const GptqBlockArgs& args, cudaStream_t stream) {
  constexpr int kThreads = 128;
  const unsigned blocks = static_cast<unsigned>((args.n + kThreads - 1) / kThreads);
  GptqBlockKernel<<<blocks, kThreads, 0, stream>>>(args);
}

}  // namespace faq::kernels
