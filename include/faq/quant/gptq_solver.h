// GPTQ (and GPTAQ) for one linear: quantize W column by column, spreading each column's
// rounding error over the not-yet-quantized columns through the inverse Hessian.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

#include "faq/format/quantized_linear.h"

namespace faq {

struct GptqOptions {
  QuantScheme scheme;
  double damp = 0.01;          // fraction of mean(diag H) added to the diagonal
  int64_t block_size = 128;    // lazy-batch width
  double gptaq_alpha = 0.25;   // GPTAQ: weight of the asymmetric correction (reference form)
  bool gptaq_exact = false;    // GPTAQ: exact closed form (GPTQ on W + W·dXXT·H⁻¹) instead
  bool compute_loss = true;    // fill SolveReport::loss: one extra N×K×K product
};

// What happened while solving (one row of the per-layer table).
struct SolveReport {
  double damp_used = 0;       // after any retries
  int retries = 0;            // Cholesky retries with a larger damp
  int64_t dead_columns = 0;   // inputs that were always zero
  double loss = 0;            // tr(ΔW·H·ΔWᵀ)/N with the undamped H: output error per row
  double seconds = 0;
};

// Solves one linear. `weight` [N, K] (any float type), `h` [K, K] from HessianAccumulator,
// `dxxt` [K, K] for GPTAQ (undefined for GPTQ). Throws faq::Error when the Hessian cannot
// be made positive definite.
QuantizedLinear GptqSolve(const at::Tensor& weight, const at::Tensor& h, const at::Tensor& dxxt,
                          const GptqOptions& options, SolveReport* report);

// U with H⁻¹ = UᵀU: the upper Cholesky factor of the inverse of `h` [K, K] dampened by
// damp·mean(diag h), retrying with a growing damp (recorded in `report`). Throws faq::Error
// when no damp up to damp + 0.09 makes it positive definite.
at::Tensor InverseHessianCholesky(const at::Tensor& h, double damp, SolveReport* report);

// Round-to-nearest with the same grid (the data-free baseline): per group of columns.
QuantizedLinear RtnSolve(const at::Tensor& weight, const QuantScheme& scheme);

// The output error tr(ΔW·H·ΔWᵀ)/N of quantized weights against `weight`.
double OutputLoss(const at::Tensor& weight, const at::Tensor& dequantized, const at::Tensor& h);

}  // namespace faq
