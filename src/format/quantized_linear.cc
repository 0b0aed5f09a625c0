// QuantizedLinear: dequantization and moving between devices.
#include "faq/format/quantized_linear.h"

#include <ATen/ATen.h>

namespace faq {

at::Tensor QuantizedLinear::Dequantize() const {
  at::Tensor idx = g_idx.to(at::kLong);
  at::Tensor s = scales.index_select(0, idx).t();               // [N, K]
  at::Tensor z = zeros.index_select(0, idx).t().to(at::kFloat);  // [N, K]
  at::Tensor w = s * (qweight.to(at::kFloat) - z);
  if (outliers.defined()) w.add_(outliers.to(w.device()).to_dense());
  return w;
}

at::Tensor CompactCodes(const at::Tensor& codes) { return codes.to(at::kByte).contiguous(); }

QuantizedLinear QuantizedLinear::To(at::Device device) const {
  QuantizedLinear out = *this;
  for (at::Tensor* t : {&out.qweight, &out.scales, &out.zeros, &out.g_idx, &out.bias, &out.outliers}) {
    if (t->defined() && t->device() != device) *t = t->to(device);
  }
  for (auto& [name, t] : out.extra) {
    if (t.device() != device) t = t.to(device);
  }
  return out;
}

}  // namespace faq
