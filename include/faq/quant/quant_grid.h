// The uniform quantization grid of GPTQ-family methods: per-row scale and zero point for a
// group of columns, and rounding onto it (half to even, as torch.round does).
#pragma once

#include <ATen/core/Tensor.h>

namespace faq {

// Per-row grid of one group: ŵ = scale · (q − zero), q ∈ [0, maxq].
struct GroupGrid {
  at::Tensor scale;  // float32 [N]
  at::Tensor zero;   // float32 [N], integer-valued
};

// Fits the grid to w [N, g] (fp32) as the reference quantizer does: the range always holds
// 0; symmetric grids centre the zero at 2^(bits−1); an all-zero row gets the range [−1, 1].
GroupGrid FitGroupGrid(const at::Tensor& w, int bits, bool sym);

// Integer codes of w [N, g] on the grid (broadcast over columns): clamp(round(w/s) + z).
at::Tensor QuantizeToCodes(const at::Tensor& w, const GroupGrid& grid, int bits);

}  // namespace faq
