// CUDA kernels of the PTQ engine on raw device pointers and a stream. Their CPU twins
// (what runs and is tested on machines without a GPU) are HessianAccumulator::Add,
// the fused column loop in gptq_solver.cc and PackGptqQweight.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace faq::kernels {

// h[k, k] ← keep·h + scale·xᵀx for x [m, k] (row-major, fp32). Tiled, fp32 accumulation.
void HessianUpdate(float* h, const float* x, int64_t m, int64_t k, float keep, float scale, cudaStream_t stream);

// One GPTQ block of `count` columns, one thread per output row (rows are independent
// inside a block, including their group grids).
//  wt [k, n]: W transposed (column i of W is row i); columns [i1, i1+count) are updated in place.
//  u [k, k]: upper Cholesky factor of H⁻¹ (row-major). p [k, k]: GPTAQ correction or null.
//  Grids: with `static_scale`/`static_zero` [groups, n] and `col_group` [k] (per permuted
//  column) the grids are fixed; otherwise a grid is fitted per row at every column
//  i % group_size == 0 over wt[i, i+group_size) (block columns read from `stale` [count, n],
//  their values when the block began) and stored in out_scale/out_zero [groups, n].
//  Outputs: codes/deq [k, n] rows [i1, i1+count); err [count, n].
struct GptqBlockArgs {
  float* wt;
  const float* stale;
  const float* u;
  const float* p;
  int64_t n, k, i1, count, group_size;
  int bits;
  bool sym;
  const float* static_scale;
  const float* static_zero;
  const int64_t* col_group;
  float* out_scale;
  float* out_zero;
  float* codes;
  float* deq;
  float* err;
};
void GptqBlock(const GptqBlockArgs& args, cudaStream_t stream);

// Packs codes [n, k] (int32, values < 2^bits) into GPTQ qweight [k·bits/32, n]: word
// (r, c) holds codes[c, r·pf + j] at bits [bits·j, bits·(j+1)), pf = 32/bits. bits ∈ {2, 4, 8}.
void PackGptqQweight(const int32_t* codes, int32_t* packed, int64_t n, int64_t k, int bits, cudaStream_t stream);

}  // namespace faq::kernels
