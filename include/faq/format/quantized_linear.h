// The result of quantizing one linear layer, in the integer form every export format is
// packed from. A linear computes y = x·Wᵀ with W [N = out_features, K = in_features].
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>

namespace faq {

// How a linear is quantized (the paper's default: 4 bits, groups of 128, symmetric).
struct QuantScheme {
  int bits = 4;                 // 2, 3, 4 or 8
  int64_t group_size = 128;     // input columns per group; -1 = one group over all of K
  bool sym = true;              // symmetric: zero point fixed at 2^(bits-1)
  bool act_order = false;       // columns processed by decreasing Hessian diagonal (desc_act)
  bool static_groups = false;   // groups fixed in natural column order before act-order
};

// W_deq[n, k] = scales[g_idx[k], n] · (qweight[n, k] − zeros[g_idx[k], n]) + outliers[n, k].
struct QuantizedLinear {
  QuantScheme scheme;
  at::Tensor qweight;  // integer [N, K], codes in [0, 2^bits − 1]: uint8 from faq's solvers, int32 from readers
  at::Tensor scales;   // float32 [G, N]
  at::Tensor zeros;    // int32 [G, N], in [0, 2^bits − 1]; 2^(bits−1) when symmetric. SpQR: float32,
                       // fractional (its zero points are themselves quantized, docs/formats/spqr.md)
  at::Tensor g_idx;    // int32 [K], the group of each input column
  at::Tensor bias;     // float32 [N] or undefined
  // SpQR: weights kept apart from the grid, as a sparse COO float32 [N, K] of residuals
  // (weight − grid value) added to the dense part; undefined when there are none.
  at::Tensor outliers;
  // Method-specific tensors a packed format stores besides the above, by name (SpQR: the
  // quantized first-level stats and their second-level stats); empty for GPTQ/RTN/AWQ.
  std::map<std::string, at::Tensor> extra;
  // SpQR: bits and row-chunk length of the second-level quantization of the stats (0: none).
  int stat_bits = 0;
  int64_t stat_group_size = 0;

  int64_t NumGroups() const { return scales.size(0); }
  // The dequantized weight [N, K] in fp32, on the device of the codes.
  at::Tensor Dequantize() const;
  // Whether the linear carries what only the SpQR layout stores (outliers, bilevel stats).
  bool HasSpqrParts() const { return outliers.defined() || !extra.empty(); }
  // A copy with every tensor on `device`.
  QuantizedLinear To(at::Device device) const;
};

// Codes as the solvers keep them: one byte each (every scheme has at most 8 bits). A run
// holds every solved linear until export, so int32 codes cost 3 B per weight more.
at::Tensor CompactCodes(const at::Tensor& codes);

}  // namespace faq
