// "Does calibrating on A cover B?", for one linear input seen by several calibration sets:
// how far apart the sets' Hessians are, and what GPTQ solved on set A's Hessian costs on
// set B's. Entries for a set that no token of the input reached (an unrouted expert) are NaN.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "faq/quant/gptq_solver.h"

namespace faq {

using SetMatrix = std::vector<std::vector<double>>;  // [a][b] over the sets, in their order

// [a][b] = ‖H_a − H_b‖_F / ‖H_b‖_F (0 on the diagonal; not symmetric).
SetMatrix HessianDistances(const std::vector<at::Tensor>& hessians);

struct CrossSetLoss {
  SetMatrix gptq;                // [a][b] = tr((W − Q_a) H_b (W − Q_a)ᵀ)/N, Q_a = GPTQ on H_a
  std::vector<double> rtn;       // [b]: round-to-nearest's loss on H_b (the data-free baseline)
};

// Solves `weight` [N, K] with GPTQ once per set and measures each solution on every set.
CrossSetLoss MeasureCrossSetLoss(const at::Tensor& weight, const std::vector<at::Tensor>& hessians,
                                 const GptqOptions& options);

}  // namespace faq
