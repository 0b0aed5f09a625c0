// PackGptqQweight: one thread per packed int32 word.
#include "faq_kernels.h"

namespace faq::kernels {
namespace {

__global__ void PackKernel(const int32_t* codes, int32_t* packed, int64_t n, int64_t k, int bits) {
  const int pf = 32 / bits;
  const int64_t rows = k / pf;
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= rows * n) return;
  const int64_t r = idx / n, c = idx % n;
  uint32_t word = 0;
  for (int j = 0; j < pf; ++j) {
    word |= (static_cast<uint32_t>(codes[c * k + r * pf + j]) & ((1u << bits) - 1u)) << (bits * j);
  }
  packed[r * n + c] = static_cast<int32_t>(word);
}

}  // namespace

void PackGptqQweight(const int32_t* codes, int32_t* packed, int64_t n, int64_t k, int bits, cudaStream_t stream) {
  constexpr int kThreads = 256;
  const int64_t words = k / (32 / bits) * n;
  PackKernel<<<static_cast<unsigned>((words + kThreads - 1) / kThreads), kThreads, 0, stream>>>(codes, packed, n, k, bits);
}

}  // namespace faq::kernels
