// FitGroupGrid / QuantizeToCodes (spec §1.3).
#include "faq/quant/quant_grid.h"

#include <ATen/ATen.h>

namespace faq {

GroupGrid FitGroupGrid(const at::Tensor& w, int bits, bool sym) {
  const double maxq = static_cast<double>((1 << bits) - 1);
  at::Tensor xmin = at::clamp_max(std::get<0>(w.min(1)), 0.0);
  at::Tensor xmax = at::clamp_min(std::get<0>(w.max(1)), 0.0);
  if (sym) {
    xmax = at::maximum(xmin.abs(), xmax);
    xmin = at::where(xmin < 0, -xmax, xmin);
  }
  at::Tensor both_zero = (xmin == 0).logical_and(xmax == 0);
  xmin = at::where(both_zero, at::full_like(xmin, -1.0), xmin);
  xmax = at::where(both_zero, at::full_like(xmax, 1.0), xmax);
  GroupGrid g;
  g.scale = (xmax - xmin) / maxq;
  g.zero = sym ? at::full_like(g.scale, static_cast<double>(1 << (bits - 1))) : at::round(-xmin / g.scale);
  return g;
}

at::Tensor QuantizeToCodes(const at::Tensor& w, const GroupGrid& grid, int bits) {
  const double maxq = static_cast<double>((1 << bits) - 1);
  return at::clamp(at::round(w / grid.scale.unsqueeze(1)) + grid.zero.unsqueeze(1), 0.0, maxq);
}

}  // namespace faq
