// PoolLandscape: adaptive max pooling of |x|.
#include "faq/stats/activation_landscape.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace faq {

ActivationLandscape PoolLandscape(const at::Tensor& rows, int64_t max_rows, int64_t max_cols) {
  ActivationLandscape l;
  l.tokens = rows.size(0);
  l.channels = rows.size(1);
  l.rows = std::min(l.tokens, max_rows);
  l.cols = std::min(l.channels, max_cols);
  if (l.tokens == 0 || l.channels == 0) return l;
  const at::Tensor magnitude = rows.to(at::kFloat).abs().unsqueeze(0).unsqueeze(0);  // [1, 1, T, K]
  const at::Tensor pooled =
      std::get<0>(at::adaptive_max_pool2d(magnitude, {l.rows, l.cols})).reshape({-1}).to(at::kCPU).contiguous();
  l.cells.assign(pooled.data_ptr<float>(), pooled.data_ptr<float>() + pooled.numel());
  return l;
}

}  // namespace faq
