// The GPTQ column loop's state and its two implementations: the fused CPU loop (what runs
// here) and the CUDA kernel (kernels/gptq_block.cu) for tensors on a GPU.
#pragma once

#include <ATen/core/Tensor.h>

namespace faq {

struct BlockLoop {
  // Inputs.
  at::Tensor wt;            // [K, N] fp32, Wᵀ in processing order; updated in place
  at::Tensor u;             // [K, K] upper Cholesky factor of H⁻¹
  at::Tensor p;             // [K, K] GPTAQ correction, or undefined
  at::Tensor static_scale;  // [G, N] fixed grids, or undefined (fit per group on the fly)
  at::Tensor static_zero;   // [G, N]
  at::Tensor col_group;     // int64 [K]: fixed grid of each processed column
  int64_t group_size = 128;
  int64_t block_size = 128;
  int bits = 4;
  bool sym = true;
  // Outputs.
  at::Tensor codes;      // [K, N] integer-valued fp32
  at::Tensor deq;        // [K, N]
  at::Tensor out_scale;  // [K/group_size, N] fitted grids (when not fixed)
  at::Tensor out_zero;
  // Σ over processed columns of ((w − q)/U_jj)², fp64, accumulated block by block: GPTQ's
  // own error terms, whose sum is the damped-Hessian output loss of the result (no GPTAQ P).
  at::Tensor error_square_sum;
};

void RunBlocksCpu(BlockLoop& loop);
// Throws faq::Error when faq was built without CUDA kernels.
void RunBlocksCuda(BlockLoop& loop);
// W[:, i2:] -= E·U[i1:i2, i2:] (− Q·P for GPTAQ): one GEMM after each block.
void LazyUpdate(BlockLoop& loop, const at::Tensor& err, int64_t i1, int64_t i2);

}  // namespace faq
