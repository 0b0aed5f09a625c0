// The fused CPU GPTQ column loop. Inside a block every output row is independent (its
// grid fit, quantization and in-block error spreading read and write only that row), so
// row ranges run in parallel with plain loops and no per-column tensor allocation; one
// GEMM per block then updates the rest of the matrix. kernels/gptq_block.cu is its twin.
#include "gptq_block_loop.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

namespace faq {
namespace {

// Rows a tile holds: its slice of a block (128 columns × kTileRows floats, 128 KiB) stays in
// L2 while the block runs start to finish, and the row loops are long enough to vectorize well.
constexpr int64_t kTileRows = 256;

// The reference grids (spec §1.3) of rows [r0, r1) over columns [first, first + count). As in
// the reference implementations (and for parity with them), a group that starts inside a
// block is fitted on the columns as they were when the block began (`stale`, rows
// [i1, i2)), not on their in-block updated values; later columns are read from wt. Columns
// outer, rows inner: each read is a contiguous run of the tile's rows.
inline void FitTileGrids(const float* wt, const float* stale, int64_t i1, int64_t i2, int64_t n, int64_t r0,
                         int64_t r1, int64_t first, int64_t count, int bits, bool sym, float* scale, float* zero) {
  const float maxq = static_cast<float>((1 << bits) - 1);
  float lo[kTileRows], hi[kTileRows];
  const int64_t rows = r1 - r0;
  for (int64_t r = 0; r < rows; ++r) lo[r] = hi[r] = 0.f;  // the range always holds 0
  for (int64_t c = first; c < first + count; ++c) {
    const float* v = (c < i2 ? stale + (c - i1) * n : wt + c * n) + r0;
#pragma GCC ivdep
    for (int64_t r = 0; r < rows; ++r) {
      lo[r] = std::min(lo[r], v[r]);
      hi[r] = std::max(hi[r], v[r]);
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    float l = lo[r], h = hi[r];
    if (sym) {
      h = std::max(std::fabs(l), h);
      if (l < 0.f) l = -h;
    }
    if (l == 0.f && h == 0.f) {
      l = -1.f;
      h = 1.f;
    }
    scale[r0 + r] = (h - l) / maxq;
    zero[r0 + r] = sym ? static_cast<float>(1 << (bits - 1)) : std::nearbyint(-l / scale[r0 + r]);
  }
}

// Pointers into one block's tensors, shared by every tile.
struct BlockView {
  int64_t k = 0, n = 0, gs = 0, i1 = 0, i2 = 0;
  int bits = 4;
  bool sym = true;
  float maxq = 15.f;
  const float* up = nullptr;   // U [K, K]
  const float* pp = nullptr;   // P [K, K] or null
  const int64_t* cg = nullptr; // fixed grids: the group of each column, or null (fit on the fly)
  const float* fixed_scale = nullptr;
  const float* fixed_zero = nullptr;
  float* out_scale = nullptr;
  float* out_zero = nullptr;
  const float* sp = nullptr;   // the block's columns as they were when it began
  float* wp = nullptr;
  float* cp = nullptr;
  float* dp = nullptr;
  float* ep = nullptr;
};

// Rows [r0, r1) from the block's first column to its last. The row loops are what the
// compiler vectorizes; on x86-64 a second copy for AVX2 (8 lanes, a vector rounding
// instruction instead of a libm call per element) is chosen at load time. AVX2 without FMA:
// both copies round every operation alike, so results do not depend on the CPU.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void RunTile(const BlockView& v, int64_t r0, int64_t r1) {
  const int64_t k = v.k, n = v.n;
  for (int64_t i = v.i1; i < v.i2; ++i) {
    const float* scale;
    const float* zero;
    if (v.cg != nullptr) {
      scale = v.fixed_scale + v.cg[i] * n;
      zero = v.fixed_zero + v.cg[i] * n;
    } else {
      const int64_t g = i / v.gs;
      if (i % v.gs == 0) {
        FitTileGrids(v.wp, v.sp, v.i1, v.i2, n, r0, r1, i, v.gs, v.bits, v.sym, v.out_scale + g * n,
                     v.out_zero + g * n);
      }
      scale = v.out_scale + g * n;
      zero = v.out_zero + g * n;
    }
    const float d = v.up[i * k + i];
    float* col = v.wp + i * n;
    float* e = v.ep + (i - v.i1) * n;
    float* codes = v.cp + i * n;
    float* deq = v.dp + i * n;
    // The row arrays never overlap (distinct columns of distinct tensors): say so, or the
    // compiler keeps these loops scalar for fear of aliasing.
#pragma GCC ivdep
    for (int64_t r = r0; r < r1; ++r) {
      const float q = std::min(std::max(std::nearbyint(col[r] / scale[r]) + zero[r], 0.0f), v.maxq);
      const float dq = scale[r] * (q - zero[r]);
      codes[r] = q;
      deq[r] = dq;
      e[r] = (col[r] - dq) / d;
    }
    for (int64_t j = i + 1; j < v.i2; ++j) {  // in-block update of the later columns
      const float uij = v.up[i * k + j];
      float* cj = v.wp + j * n;
      if (v.pp == nullptr) {  // GPTQ
#pragma GCC ivdep
        for (int64_t r = r0; r < r1; ++r) cj[r] -= e[r] * uij;
      } else {  // GPTAQ's correction P
        const float pij = v.pp[i * k + j];
#pragma GCC ivdep
        for (int64_t r = r0; r < r1; ++r) cj[r] -= e[r] * uij - col[r] * pij;
      }
    }
  }
}

}  // namespace

void RunBlocksCpu(BlockLoop& b) {
  const int64_t k = b.wt.size(0), n = b.wt.size(1), gs = b.group_size;
  b.codes = at::empty({k, n}, b.wt.options());
  b.deq = at::empty({k, n}, b.wt.options());
  at::Tensor err = at::empty({b.block_size, n}, b.wt.options());
  const bool fixed = b.static_scale.defined();
  if (!fixed) {
    b.out_scale = at::empty({k / gs, n}, b.wt.options());
    b.out_zero = at::empty({k / gs, n}, b.wt.options());
  }
  BlockView v;
  v.k = k;
  v.n = n;
  v.gs = gs;
  v.bits = b.bits;
  v.sym = b.sym;
  v.maxq = static_cast<float>((1 << b.bits) - 1);
  v.up = b.u.data_ptr<float>();
  v.pp = b.p.defined() ? b.p.data_ptr<float>() : nullptr;
  v.cg = fixed ? b.col_group.data_ptr<int64_t>() : nullptr;
  v.fixed_scale = fixed ? b.static_scale.data_ptr<float>() : nullptr;
  v.fixed_zero = fixed ? b.static_zero.data_ptr<float>() : nullptr;
  v.out_scale = fixed ? nullptr : b.out_scale.data_ptr<float>();
  v.out_zero = fixed ? nullptr : b.out_zero.data_ptr<float>();
  v.wp = b.wt.data_ptr<float>();
  v.cp = b.codes.data_ptr<float>();
  v.dp = b.deq.data_ptr<float>();
  v.ep = err.data_ptr<float>();
  for (int64_t i1 = 0; i1 < k; i1 += b.block_size) {
    v.i1 = i1;
    v.i2 = std::min(i1 + b.block_size, k);
    at::Tensor stale = fixed ? at::Tensor() : b.wt.narrow(0, i1, v.i2 - i1).clone();
    v.sp = fixed ? nullptr : stale.data_ptr<float>();
    // Rows are independent through the whole block: each tile runs it start to finish.
    at::parallel_for(0, (n + kTileRows - 1) / kTileRows, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t tile = t0; tile < t1; ++tile) RunTile(v, tile * kTileRows, std::min(n, (tile + 1) * kTileRows));
    });
    LazyUpdate(b, err, i1, v.i2);
  }
}

void LazyUpdate(BlockLoop& b, const at::Tensor& err, int64_t i1, int64_t i2) {
  const int64_t k = b.wt.size(0);
  const at::Tensor block_errors = err.narrow(0, 0, i2 - i1).to(at::kDouble).square().sum();
  b.error_square_sum = b.error_square_sum.defined() ? b.error_square_sum + block_errors : block_errors;
  if (i2 >= k) return;
  // One GEMM for the rest of the matrix.
  at::Tensor rest = b.wt.narrow(0, i2, k - i2);
  rest.addmm_(b.u.narrow(0, i1, i2 - i1).narrow(1, i2, k - i2).t(), err.narrow(0, 0, i2 - i1), 1.0, -1.0);
  if (b.p.defined()) {
    rest.addmm_(b.p.narrow(0, i1, i2 - i1).narrow(1, i2, k - i2).t(), b.deq.narrow(0, i1, i2 - i1), 1.0, 1.0);
  }
}

}  // namespace faq
