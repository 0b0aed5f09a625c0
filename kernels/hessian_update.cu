// HessianUpdate: h ← keep·h + scale·xᵀx with 32×32 tiles staged through shared memory.
#include "faq_kernels.h"

namespace faq::kernels {
namespace {

constexpr int kTile = 32;

__global__ void HessianUpdateKernel(float* h, const float* x, int64_t m, int64_t k, float keep, float scale) {
  __shared__ float a[kTile][kTile + 1];  // x[t, row block]
  __shared__ float b[kTile][kTile + 1];  // x[t, col block]
  const int64_t row = static_cast<int64_t>(blockIdx.y) * kTile + threadIdx.y;
  const int64_t col = static_cast<int64_t>(blockIdx.x) * kTile + threadIdx.x;
  float acc = 0.f;
  for (int64_t t0 = 0; t0 < m; t0 += kTile) {
    const int64_t t = t0 + threadIdx.y;
    const int64_t ra = static_cast<int64_t>(blockIdx.y) * kTile + threadIdx.x;
    a[threadIdx.y][threadIdx.x] = (t < m && ra < k) ? x[t * k + ra] : 0.f;
    b[threadIdx.y][threadIdx.x] = (t < m && col < k) ? x[t * k + col] : 0.f;
    __syncthreads();
#pragma unroll
    for (int s = 0; s < kTile; ++s) acc += a[s][threadIdx.y] * b[s][threadIdx.x];
    __syncthreads();
  }
  if (row < k && col < k) h[row * k + col] = keep * h[row * k + col] + scale * acc;
}

}  // namespace

void HessianUpdate(float* h, const float* x, int64_t m, int64_t k, float keep, float scale, cudaStream_t stream) {
  dim3 block(kTile, kTile);
  dim3 grid(static_cast<unsigned>((k + kTile - 1) / kTile), static_cast<unsigned>((k + kTile - 1) / kTile));
  HessianUpdateKernel<<<grid, block, 0, stream>>>(h, x, m, k, keep, scale);
}

}  // namespace faq::kernels
