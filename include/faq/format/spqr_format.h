// faq's SpQR checkpoint layout (docs/formats/spqr.md): the tensors of one quantized linear,
// packed from the integer form (QuantizedLinear) and unpacked back into it.
//
// Goals: store exactly what SpQR's solver produced (dense low-bit codes, the quantized
// first-level stats with their fp16 second-level stats, sparse outliers), so that loading
// reproduces the solver's weights; count bits per parameter from what is stored.
// Non-goals: a vLLM-loadable layout (vLLM has no SpQR kernel); SpQR's own pickled layout.
//
// Tensors of one quantized linear P (W [N, K], b = bits, s = stat_bits, G = K / group_size,
// C = ceil(N / stat_group_size)); the HF `P.weight` is replaced by:
//   P.qweight             int32 [K·b/32, N]  codes, GPTQ packing along K (faq/format/gptq_format.h)
//   P.scale_q             int32 [G, N·s/32]  first-level scale codes, GPTQ qzeros packing along N
//   P.zero_q              int32 [G, N·s/32]  first-level zero codes, packed the same way
//   P.scale_scale         fp16  [G, C]       second level of the scales: scale per row chunk
//   P.scale_zero          fp16  [G, C]       ... and (fractional) zero point per row chunk
//   P.zero_scale          fp16  [G, C]       second level of the zero points
//   P.zero_zero           fp16  [G, C]
//   P.outlier_row_offsets int32 [N + 1]      CSR row offsets of the outliers
//   P.outlier_col_ids     int16 [nnz]        their input columns (int32 when K > 32767)
//   P.outlier_values      fp16  [nnz]        residuals: weight − grid value at that position
//   P.g_idx               int32 [K]          group of each column; only with act-order
// Dequantization: with c = n / stat_group_size and g = g_idx[k] (k / group_size when absent),
//   scale[g, n] = scale_scale[g, c] · (scale_q[g, n] − scale_zero[g, c])
//   zero[g, n]  = zero_scale[g, c]  · (zero_q[g, n]  − zero_zero[g, c])
//   W[n, k]     = scale[g, n] · (q[n, k] − zero[g, n]) + outlier[n, k]
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "faq/format/quantized_linear.h"

namespace faq {

// The settings config.json's quantization_config holds for a SpQR checkpoint.
struct SpqrLayout {
  int bits = 3;
  int64_t group_size = 16;
  int stat_bits = 3;
  int64_t stat_group_size = 16;
};

// Second-level dequantization of first-level stats: codes [G, N] (any integer type),
// scale2/zero2 [G, C] → fp32 [G, N], value[g, n] = scale2[g, c] · (codes[g, n] − zero2[g, c])
// with c = n / chunk. The solver and the loader both call this, so they agree bit for bit.
at::Tensor ExpandSpqrStats(const at::Tensor& codes, const at::Tensor& scale2, const at::Tensor& zero2, int64_t chunk);

// Outliers in CSR form (row-major), as stored.
struct SpqrCsr {
  at::Tensor row_offsets;  // int32 [N + 1]
  at::Tensor col_ids;      // int16 [nnz] (int32 when K > 32767)
  at::Tensor values;       // fp16 [nnz]
};
// `outliers`: sparse COO [N, K] or undefined (no outliers). CPU tensors out.
SpqrCsr OutliersToCsr(const at::Tensor& outliers, int64_t n, int64_t k);
// Back to a coalesced sparse COO fp32 [N, K]; undefined when there are none. Throws faq::Error
// (prefixed by `label`) when the offsets or column ids are out of range.
at::Tensor OutliersFromCsr(const SpqrCsr& csr, int64_t n, int64_t k, const std::string& label);

// The stored tensors of one linear as (suffix, CPU tensor) pairs ("qweight", ...), in the
// order above. Throws faq::Error, prefixed by `label`, for shapes the packing cannot hold.
std::vector<std::pair<std::string, at::Tensor>> PackSpqrLinear(const QuantizedLinear& l, const std::string& label);

// The integer form back from the stored tensors (`get(suffix)` returns the tensor or an
// undefined one when absent). Checks every shape against `layout` and [n, k].
QuantizedLinear UnpackSpqrLinear(const std::function<at::Tensor(const std::string&)>& get, const SpqrLayout& layout,
                                 int64_t n, int64_t k, const std::string& label);

}  // namespace faq
