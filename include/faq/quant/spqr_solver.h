// SpQR (Dettmers et al. 2023) for one linear: GPTQ's column loop with small groups, grids
// whose per-row scales and zero points are themselves quantized (bilevel stats), and
// weights that the grid serves badly kept apart as sparse full-precision outliers.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "faq/format/quantized_linear.h"
#include "faq/quant/gptq_solver.h"

namespace faq {

struct SpqrOptions {
  int bits = 3;                     // weight codes
  bool act_order = false;           // columns by decreasing Hessian diagonal
  int64_t group_size = 16;          // input columns per first-level grid (>= 2)
  int stat_bits = 3;                // bits of the quantized first-level scales and zero points
  int64_t stat_group_size = 16;     // consecutive rows sharing one second-level scale/zero
  double outlier_threshold = 0.2;   // relative to mean_j var(W[:, j]) / U_jj²; +inf: no outliers
  double damp = 1.0;                // fraction of mean(diag H) added to the diagonal
  int64_t block_size = 128;         // lazy-batch width
};

// Solves one linear. `weight` [N, K] (any float type), `h` [K, K] the inputs' Hessian, both
// on the same device. Returns the integer form with fp32 fractional `zeros`, `outliers` (sparse
// COO residuals, undefined when none), `stat_bits`/`stat_group_size` and the stats' codes in
// `extra` ("scale_codes", "zero_codes" uint8 [G, N]; "scale_scale", "scale_zero", "zero_scale",
// "zero_zero" fp32 [G, ceil(N / stat_group_size)], fp16-representable). Second-level stats and
// outlier residuals are rounded to fp16 inside the loop, so that the error feedback sees
// exactly the weights a stored checkpoint holds. Fills `report` (loss with the undamped H).
// Throws faq::Error when group_size does not divide K or the Hessian cannot be inverted.
QuantizedLinear SpqrSolve(const at::Tensor& weight, const at::Tensor& h, const SpqrOptions& options,
                          SolveReport* report);

}  // namespace faq
