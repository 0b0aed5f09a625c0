// HessianDistances and MeasureCrossSetLoss over faq's own GPTQ solver and output loss.
#include "faq/stats/set_coverage.h"

#include <ATen/ATen.h>

#include <limits>

namespace faq {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

SetMatrix Filled(size_t n) {
  return SetMatrix(n, std::vector<double>(n, kMissing));
}

}  // namespace

SetMatrix HessianDistances(const std::vector<at::Tensor>& hessians) {
  SetMatrix d = Filled(hessians.size());
  for (size_t a = 0; a < hessians.size(); ++a) {
    for (size_t b = 0; b < hessians.size(); ++b) {
      if (!hessians[a].defined() || !hessians[b].defined()) continue;
      const at::Tensor ha = hessians[a].to(at::kDouble), hb = hessians[b].to(at::kDouble);
      const double norm_b = hb.norm().item<double>();
      d[a][b] = norm_b > 0 ? (ha - hb).norm().item<double>() / norm_b : kMissing;
    }
  }
  return d;
}

CrossSetLoss MeasureCrossSetLoss(const at::Tensor& weight, const std::vector<at::Tensor>& hessians,
                                 const GptqOptions& options) {
  CrossSetLoss out;
  out.gptq = Filled(hessians.size());
  out.rtn.assign(hessians.size(), kMissing);
  const at::Tensor w = weight.to(at::kFloat);
  const at::Tensor rtn = RtnSolve(w, options.scheme).Dequantize();
  GptqOptions solve = options;
  solve.compute_loss = false;  // measured below, on every set's Hessian
  for (size_t a = 0; a < hessians.size(); ++a) {
    if (!hessians[a].defined()) continue;
    out.rtn[a] = OutputLoss(w, rtn, hessians[a]);
    SolveReport report;
    const at::Tensor q = GptqSolve(w, hessians[a], at::Tensor(), solve, &report).Dequantize();
    for (size_t b = 0; b < hessians.size(); ++b) {
      if (hessians[b].defined()) out.gptq[a][b] = OutputLoss(w, q, hessians[b]);
    }
  }
  return out;
}

}  // namespace faq
