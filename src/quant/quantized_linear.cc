// QuantizedLinear::Dequantize.
#include "faq/quant/quantized_linear.h"

#include <ATen/ATen.h>

namespace faq {

at::Tensor QuantizedLinear::Dequantize() const {
  at::Tensor idx = g_idx.to(at::kLong);
  at::Tensor s = scales.index_select(0, idx).t();               // [N, K]
  at::Tensor z = zeros.index_select(0, idx).t().to(at::kFloat);  // [N, K]
  return s * (qweight.to(at::kFloat) - z);
}

}  // namespace faq
